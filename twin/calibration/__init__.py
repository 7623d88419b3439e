"""Calibration: fitting named scenario parameters to target figures by history matching with
Gaussian-process emulators (docs/calibration.md)."""

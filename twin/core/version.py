"""The installed citytwin's version, for provenance and ``twin --version``."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def citytwin_version() -> str:
    try:
        return version("citytwin")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0.0.0"

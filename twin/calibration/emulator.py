"""A Gaussian-process emulator of one figure over the unit cube of the parameters
(scikit-learn): it predicts, with its own uncertainty, what a run at untried values would give,
so that history matching can rule out regions of the priors without running them.

The figure is modelled on a log scale (counts and money span orders of magnitude and their
errors are relative); the kernel is a constant times an anisotropic Matern 5/2 (one length per
parameter: how fast the figure moves with it) plus white noise, which stands for the run-to-run
variation of a stochastic simulation at fixed parameters and so enters every prediction.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

FLOOR = 1.0  # a figure of zero is read as one before its logarithm


@dataclass
class Emulator:
    """The fitted emulator of one figure; a constant figure is emulated exactly."""

    gp: GaussianProcessRegressor | None
    constant: float | None = None

    def predict(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation of log(figure) at points ``u`` (rows in [0, 1]^d)."""
        if self.gp is None:
            return np.full(len(u), self.constant), np.zeros(len(u))
        mean, sd = self.gp.predict(u, return_std=True)
        return mean, sd


def log_figure(y: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(np.asarray(y, dtype=np.float64), FLOOR))


def fit(u: np.ndarray, y: np.ndarray, *, seed: int) -> Emulator:
    """Fit the emulator of one figure to runs at points ``u`` with figures ``y``."""
    z = log_figure(y)
    if np.ptp(z) < 1e-12:
        return Emulator(None, float(z[0]))
    d = u.shape[1]
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(
        length_scale=np.full(d, 0.5), length_scale_bounds=(1e-2, 1e2), nu=2.5
    ) + WhiteKernel(1e-3, (1e-8, 1.0))
    gp = GaussianProcessRegressor(
        kernel, normalize_y=True, n_restarts_optimizer=4, random_state=seed % 2**32
    )
    with warnings.catch_warnings():  # a length at its bound says "flat in this parameter"
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(u, z)
    return Emulator(gp)


def leave_one_out(u: np.ndarray, y: np.ndarray, fitted: Emulator) -> np.ndarray:
    """Standardised errors of the emulator at each run when conditioned on the others (its
    fitted kernel kept: Bastos and O'Hagan's diagnostic): about 95% should lie within +-2 if
    the emulator is honest about its uncertainty."""
    z = log_figure(y)
    if fitted.gp is None:
        return np.zeros(len(z))
    out = np.empty(len(z))
    for i in range(len(z)):
        keep = np.arange(len(z)) != i
        gp = GaussianProcessRegressor(fitted.gp.kernel_, optimizer=None, normalize_y=True)
        gp.fit(u[keep], z[keep])
        mean, sd = gp.predict(u[i : i + 1], return_std=True)
        out[i] = (z[i] - mean[0]) / max(sd[0], 1e-12)
    return out

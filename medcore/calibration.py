"""Temperature scaling and operating-threshold choice, both fitted on validation data only."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def logit(p: np.ndarray, eps: float = 1e-7) -> np.ndarray:
    """Inverse sigmoid, clipped so saturated probabilities stay finite."""
    p = np.clip(np.asarray(p, float), eps, 1 - eps)
    return np.log(p / (1 - p))


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Temperature T > 0 minimising validation log-loss of sigmoid(logits / T).

    One scalar keeps the ranking (AUC) unchanged while fixing over-confidence.
    """
    z = np.asarray(logits, float).ravel()
    y = np.asarray(y, float).ravel()

    def nll(log_t: float) -> float:
        q = np.clip(_sigmoid(z / np.exp(log_t)), 1e-12, 1 - 1e-12)
        return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))

    res = minimize_scalar(nll, bounds=(-3, 3), method="bounded")
    return float(np.exp(res.x))


def apply_temperature(logits: np.ndarray, temperature: float) -> np.ndarray:
    """Calibrated probabilities from logits."""
    return _sigmoid(np.asarray(logits, float) / temperature)


def youden_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """Threshold maximising sensitivity + specificity - 1 (Youden's J) on validation data."""
    from sklearn.metrics import roc_curve

    fpr, tpr, thr = roc_curve(np.asarray(y).astype(int), np.asarray(p, float))
    j = tpr - fpr
    best = int(np.argmax(j))
    return float(np.clip(thr[best], 0.0, 1.0))

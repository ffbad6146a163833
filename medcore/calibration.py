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


def prior_shift_offset(from_prevalence: float, to_prevalence: float) -> float:
    """Logit offset that moves calibrated probabilities to another class prevalence.

    Why: a model calibrated where 74 % of images show pneumonia overstates the risk where fewer
    do. Under a pure change of class ratio, Bayes' rule shifts every log-odds by the difference
    of the two prior log-odds (Saerens, Latinne & Decaestecker, Neural Computation 2002).
    """
    for p in (from_prevalence, to_prevalence):
        if not 0.0 < p < 1.0:
            raise ValueError(f"prevalence must lie strictly between 0 and 1, got {p}")
    return float(logit(np.array([to_prevalence]))[0] - logit(np.array([from_prevalence]))[0])


def fit_operating_point(logits: np.ndarray, y: np.ndarray,
                        prevalence: float | None = None) -> dict[str, float]:
    """Temperature, logit offset and decision threshold, all from validation logits and labels.

    Without ``prevalence``: offset 0 and Youden's J threshold (does not depend on the class
    ratio). With it: probabilities are moved to that prevalence and the threshold is 0.5, the
    accuracy-maximising (Bayes) decision if the calibration holds there.
    Apply as ``sigmoid(logits / temperature + offset) >= threshold``.
    """
    temperature = fit_temperature(logits, y)
    if prevalence is None:
        p = apply_temperature(logits, temperature)
        return {"temperature": temperature, "offset": 0.0, "threshold": youden_threshold(y, p)}
    offset = prior_shift_offset(float(np.mean(y)), prevalence)
    return {"temperature": temperature, "offset": offset, "threshold": 0.5}


def apply_operating_point(logits: np.ndarray, point: dict[str, float]) -> np.ndarray:
    """Probabilities under a fitted :func:`fit_operating_point` (temperature, then offset)."""
    return _sigmoid(np.asarray(logits, float) / point["temperature"] + point["offset"])


def move_prevalence(p: np.ndarray, from_prevalence: float, to_prevalence: float) -> np.ndarray:
    """Calibrated probabilities re-expressed for another class prevalence (same images).

    Lets a user whose population differs from the one a model was calibrated for read its
    probabilities at their own prevalence; a no-op when the two are equal.
    """
    z = logit(np.asarray(p, float)) + prior_shift_offset(from_prevalence, to_prevalence)
    return _sigmoid(z)

"""Baselines for xray-cnn, recomputed identically by ``train`` and ``evaluate``.

``logreg_pixels``: L2 logistic regression on the films' pixels at 32x32 (lbfgs,
deterministic), its log-odds given the same validation operating point: what a CNN adds over a
linear model.

Operating point as for the CNN (:func:`medcore.calibration.fit_operating_point` with the
model's deployment prevalence), so the comparison is at like thresholds.
"""

from __future__ import annotations

import numpy as np

from medcore import calibration, metrics
from medcore.imaging.data import Split

PIXELS = 32  # the logistic regression sees the films at this size
KEYS = ("roc_auc", "accuracy", "sensitivity", "specificity", "brier", "threshold")


def _report(y_test: np.ndarray, p_test: np.ndarray, threshold: float) -> dict:
    full = metrics.binary_report(y_test, p_test, threshold, n_boot=0)
    return {k: full[k] for k in KEYS}


def _at_operating_point(z_val: np.ndarray, y_val: np.ndarray, z_test: np.ndarray,
                        y_test: np.ndarray, prevalence: float | None) -> dict:
    point = calibration.fit_operating_point(z_val, y_val, prevalence)
    return _report(y_test, calibration.apply_operating_point(z_test, point), point["threshold"])


def logreg_pixels(splits: dict[str, Split], prevalence: float | None = None) -> dict:
    from sklearn.linear_model import LogisticRegression

    def flat(s: Split) -> np.ndarray:
        from PIL import Image

        small = np.stack([np.asarray(Image.fromarray(im).resize((PIXELS, PIXELS),
                                                                Image.Resampling.BOX))
                          for im in s.x])
        return small.reshape(len(s.x), -1).astype(np.float64) / 255.0

    clf = LogisticRegression(C=0.1, max_iter=2000)
    clf.fit(flat(splits["train"]), splits["train"].y)
    val, test = splits["val"], splits["test"]
    return _at_operating_point(clf.decision_function(flat(val)), val.y,
                               clf.decision_function(flat(test)), test.y, prevalence)


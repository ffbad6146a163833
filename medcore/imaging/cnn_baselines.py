"""Baselines for xray-cnn, recomputed identically by ``train`` and ``evaluate``.

- ``single_member``: member m0 of the saved ensemble alone (taken from model.keras), with its
  own validation temperature and Youden threshold: what the ensemble adds.
- ``logreg_pixels``: L2 logistic regression on raw 28x28 pixels (lbfgs, deterministic), threshold
  by Youden's J on validation: what a CNN adds over a linear model.
"""

from __future__ import annotations

import numpy as np

from medcore import calibration, metrics
from medcore.imaging.data import Split

KEYS = ("roc_auc", "accuracy", "sensitivity", "specificity", "brier", "threshold")


def _report(y_test: np.ndarray, p_test: np.ndarray, threshold: float) -> dict:
    full = metrics.binary_report(y_test, p_test, threshold, n_boot=0)
    return {k: full[k] for k in KEYS}


def single_member(model, splits: dict[str, Split]) -> dict:
    from medcore.imaging.cnn_model import member_logit_model

    member = member_logit_model(model, 0)

    def logits(x: np.ndarray) -> np.ndarray:
        return np.asarray(member.predict(x[..., None].astype(np.float32), batch_size=512,
                                         verbose=0)).ravel()

    val, test = splits["val"], splits["test"]
    z_val = logits(val.x)
    t = calibration.fit_temperature(z_val, val.y)
    thr = calibration.youden_threshold(val.y, calibration.apply_temperature(z_val, t))
    return _report(test.y, calibration.apply_temperature(logits(test.x), t), thr)


def logreg_pixels(splits: dict[str, Split]) -> dict:
    from sklearn.linear_model import LogisticRegression

    def flat(s: Split) -> np.ndarray:
        return s.x.reshape(len(s.x), -1).astype(np.float64) / 255.0

    clf = LogisticRegression(C=0.1, max_iter=2000)
    clf.fit(flat(splits["train"]), splits["train"].y)
    thr = calibration.youden_threshold(splits["val"].y,
                                       clf.predict_proba(flat(splits["val"]))[:, 1])
    return _report(splits["test"].y, clf.predict_proba(flat(splits["test"]))[:, 1], thr)


def baselines(model, splits: dict[str, Split]) -> dict:
    out = {"logreg_pixels": logreg_pixels(splits)}
    if "m1_logit" in [layer.name for layer in model.layers]:
        out["single_member"] = single_member(model, splits)
    return out

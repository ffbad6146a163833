"""SHAP for tabular scikit-learn models (one visit = one row of features).

``shap.LinearExplainer`` is exact for linear models (interventional: coef * (x - background
mean) in log-odds), so the waterfall adds up to the model's own logit.
"""

from __future__ import annotations

import numpy as np


def linear_shap(model, background: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, float]:
    """(SHAP values with the shape of ``x``, expected value) in log-odds for a linear model."""
    import shap

    explainer = shap.LinearExplainer(model, shap.maskers.Independent(background,
                                                                      max_samples=1000))
    values = np.asarray(explainer.shap_values(x))
    base = float(np.ravel(explainer.expected_value)[0])
    return values, base

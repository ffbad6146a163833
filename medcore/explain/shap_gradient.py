"""SHAP GradientExplainer (expected gradients) for Keras 3 models.

STACK.md: GradientExplainer works on CNN, RNN and 1-D CNN models in shap 0.51 with Keras 3;
DeepExplainer fails on LSTMs, so this is the one SHAP path for deep models.
"""

from __future__ import annotations

import warnings

import numpy as np


def gradient_shap(
    model, background: np.ndarray, x: np.ndarray, output_index: int | None = None,
    nsamples: int = 200, seed: int = 0,
) -> np.ndarray:
    """SHAP values with the shape of ``x`` for one output column.

    Args:
        model: Keras model with a single tensor input.
        background: reference samples (a few dozen are enough).
        x: batch to explain.
        output_index: output column; None uses the first.
        nsamples: expected-gradient samples per input (more = smoother, slower).
        seed: makes the sampling repeatable.
    """
    import shap

    explainer = shap.GradientExplainer(model, background)
    with warnings.catch_warnings():
        # shap calls a one-input model with a one-element list; Keras 3 warns about the
        # structure but unpacks it the same way, so the warning only adds noise for users.
        warnings.filterwarnings("ignore", message=".*structure of `inputs`", category=UserWarning)
        values = explainer.shap_values(x, nsamples=nsamples, rseed=seed)
    values = np.asarray(values)
    # shap 0.51 returns (batch, *input_shape, outputs) for multi-output models.
    if values.ndim == x.ndim + 1:
        values = values[..., output_index or 0]
    return values

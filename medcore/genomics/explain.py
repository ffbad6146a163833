"""Per-base attributions for the splice CNN, for its score at one junction.

The input is a canvas around the junction (``scan.canvas_at``: every base the score can see,
zeros beyond the record). SHAP by expected gradients (shap.GradientExplainer's estimator,
``medcore.explain.shap_gradient``) against a fixed background saved with the model: weighted
k-means centroids of the training windows (``medcore.explain.background``), so no real sequence
ships. The per-position total is drawn on the base that is present (fractionally for IUPAC
codes), the usual "contribution logo".
"""

from __future__ import annotations

import numpy as np

METHOD = ("SHAP by expected gradients (the GradientExplainer estimator), 100 samples, background "
          "of 16 weighted k-means centroids of the training windows, for the score at the "
          "junction")


def contributions(model, background: np.ndarray, x: np.ndarray, class_index: int,
                  nsamples: int = 100) -> np.ndarray:
    """(n, width, 4) signed contributions towards ``class_index`` for canvases ``x``."""
    from medcore.explain.shap_gradient import expected_gradients
    from medcore.genomics.scan import junction_model

    values = expected_gradients(junction_model(model), background, x, output_index=class_index,
                                nsamples=nsamples, seed=0)
    values = np.asarray(values, dtype=np.float32).reshape(x.shape)
    per_pos = values.sum(axis=-1, keepdims=True)
    return per_pos * x


def top_positions(contrib: np.ndarray, seq: str, k: int = 5, start: int = 1) -> list[dict]:
    """The ``k`` positions with the largest absolute contribution (1-based positions)."""
    per_pos = contrib.sum(axis=-1)
    order = np.argsort(-np.abs(per_pos))[:k]
    return [{"position": int(i) + start, "base": seq[i] if i < len(seq) else "N",
             "contribution": round(float(per_pos[i]), 4)} for i in order]

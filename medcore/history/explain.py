"""Which variables and time windows drove a patient's risk.

Per-patient timelines use expected-gradient SHAP (medcore.explain.shap_gradient) summed over the
4 channels of each variable; cohort tables use gradient x input against the mean of the
background (weighted k-means centroids of training grids, ``medcore.explain.background``; one
backward pass per batch) so 10,000 patients still get reasons quickly.
"""

from __future__ import annotations

import numpy as np

from medcore.history import grid
from medcore.history import variables as V

WINDOW_HOURS = 6
VARIABLES = list(V.TIME_SERIES) + list(V.STATIC)


def shap_per_variable(model, background: np.ndarray, x: np.ndarray,
                      nsamples: int = 100) -> np.ndarray:
    """(patients, 48, variables) SHAP contributions to the model's risk output."""
    from medcore.explain.shap_gradient import expected_gradients

    values = expected_gradients(model, background, x, output_index=0, nsamples=nsamples, seed=0)
    return grid.per_variable(np.asarray(values).reshape(x.shape))


def fast_per_variable(model, background: np.ndarray, x: np.ndarray) -> np.ndarray:
    """(patients, 48, variables) gradient x input relative to the average background patient."""
    from medcore.explain.gradients import gradient_x_input

    base = np.broadcast_to(background.mean(0, keepdims=True), x.shape).astype(np.float32)
    out = []
    for i in range(0, len(x), 1024):
        out.append(gradient_x_input(model, x[i:i + 1024], 0, base[i:i + 1024]))
    return grid.per_variable(np.concatenate(out))


def _cells() -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Names, window labels and (window, variable) indices of every reason cell, in the order
    ties are broken: each variable's windows in time order; static descriptors one total."""
    nw = grid.HOURS // WINDOW_HOURS
    names, labels, w_idx, v_idx = [], [], [], []
    for j, name in enumerate(VARIABLES):
        windows = [-1] if name in V.STATIC else list(range(nw))
        for w in windows:
            names.append(name)
            labels.append("admission" if w < 0 else
                          f"{w * WINDOW_HOURS}-{(w + 1) * WINDOW_HOURS} h")
            w_idx.append(w)
            v_idx.append(j)
    return names, labels, np.array(w_idx), np.array(v_idx)


_CELLS = _cells()


def top_reasons(attr: np.ndarray, k: int = 3) -> list[dict]:
    """The k (variable, 6 h window) cells with the largest |contribution| for one patient."""
    names, labels, w_idx, v_idx = _CELLS
    nw = grid.HOURS // WINDOW_HOURS
    windows = attr.reshape(nw, WINDOW_HOURS, -1).sum(1)  # (windows, variables)
    totals = windows.sum(0)
    values = np.where(w_idx < 0, totals[v_idx], windows[np.maximum(w_idx, 0), v_idx])
    top = np.argsort(-np.abs(values), kind="stable")[:k]
    return [{"variable": names[i], "window": labels[i], "contribution": round(float(values[i]), 5),
             "direction": "raises risk" if values[i] > 0 else "lowers risk"} for i in top]


def reason_text(reasons: list[dict]) -> str:
    return "; ".join(f"{r['variable']} {r['window']} ({'+' if r['contribution'] > 0 else '-'})"
                     for r in reasons)


def global_importance(model, background: np.ndarray, x: np.ndarray, n: int = 200,
                      nsamples: int = 50) -> list[dict]:
    """Mean |SHAP| per variable over ``n`` seeded patients of ``x`` (set C at training time)."""
    rng = np.random.default_rng(0)
    idx = rng.choice(len(x), min(n, len(x)), replace=False)
    vals = shap_per_variable(model, background, x[idx], nsamples=nsamples)
    per_var = np.abs(vals.sum(1)).mean(0)
    order = np.argsort(-per_var)
    return [{"variable": VARIABLES[j], "mean_abs_shap": round(float(per_var[j]), 5)}
            for j in order]

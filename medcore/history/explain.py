"""Which variables and time windows drove a patient's risk, from measured data only.

One method for the cohort table and the timeline: expected-gradient SHAP
(``medcore.explain.shap_gradient``, ``SAMPLES`` draws against weighted k-means centroids of
training grids), summed over the channels of each variable. Each patient is explained alone with
the same seed, so their reasons do not depend on who else was in the file, and the table's top
reasons are read off the very array the timeline draws.

Cells that were not measured (a variable the patient's data never gave, or any hour after the
patient's last observation) still move the model, because absence is an input; that part is
reported apart as "not measured", never as a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from medcore.history import grid
from medcore.history import variables as V

WINDOW_HOURS = 6
SAMPLES = 32  # draws per patient: ~75 ms per patient for history-rnn on 2 cores
METHOD = "expected-gradient SHAP"
VARIABLES = list(V.TIME_SERIES) + list(V.STATIC)


@dataclass
class Explanation:
    """One patient's attribution (48 h x variables) and what of it came from measured data."""

    patient_id: str
    shap: np.ndarray  # (48, variables) contribution to the risk
    measured: np.ndarray  # (48, variables) bool: variable given and hour <= last observation
    observed: np.ndarray  # (48, time-series variables) hourly raw values, NaN if none
    last_hour: int  # last hour with any observation (-1: none)
    reasons: list[dict]

    @property
    def not_measured(self) -> float:
        """Total contribution of the cells that were not measured."""
        return float(self.shap[~self.measured].sum())


def shap_per_variable(model, background: np.ndarray, x: np.ndarray,
                      nsamples: int = SAMPLES) -> np.ndarray:
    """(patients, 48, variables) SHAP contributions, each patient drawn with the same seed."""
    from medcore.explain.shap_gradient import expected_gradients

    values = [expected_gradients(model, background, x[i:i + 1], output_index=0,
                                 nsamples=nsamples, seed=0) for i in range(len(x))]
    return grid.per_variable(np.concatenate(values).reshape(x.shape))


def measured_cells(g: grid.Grid) -> tuple[np.ndarray, np.ndarray]:
    """(patients, 48, variables) mask of measured cells and each patient's last hour."""
    seen = np.isfinite(g.observed)  # (P, 48, TS)
    any_hour = seen.any(2)
    last = np.where(any_hour.any(1), 47 - np.argmax(any_hour[:, ::-1], axis=1), -1)
    before = np.arange(grid.HOURS)[None, :] <= last[:, None]  # (P, 48)
    n_ts, n_st = len(V.TIME_SERIES), len(V.STATIC)
    ts_given = seen.any(1)  # (P, TS)
    st_given = g.x[:, 0, len(grid.BLOCKS) * n_ts + n_st:len(grid.BLOCKS) * n_ts + 2 * n_st] > 0
    given = np.concatenate([ts_given, st_given], axis=1)  # (P, variables)
    return before[:, :, None] & given[:, None, :], last


def explain_grid(model, background: np.ndarray, g: grid.Grid,
                 progress: Callable[[float], None] | None = None) -> list[Explanation]:
    """An :class:`Explanation` per patient of ``g`` (``progress`` gets the share done)."""
    measured, last = measured_cells(g)
    out = []
    for i, pid in enumerate(g.patients):
        shap = shap_per_variable(model, background, g.x[i:i + 1])[0]
        out.append(Explanation(pid, shap, measured[i], g.observed[i], int(last[i]),
                               top_reasons(shap, measured[i], int(last[i]))))
        if progress:
            progress((i + 1) / len(g.patients))
    return out


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


def top_reasons(attr: np.ndarray, measured: np.ndarray | None = None, last_hour: int = 47,
                k: int = 3) -> list[dict]:
    """The k (variable, 6 h window) cells with the largest |contribution| from measured data.

    Unmeasured cells count for nothing here; a window is labelled up to the last observed hour.
    """
    names, labels, w_idx, v_idx = _CELLS
    nw = grid.HOURS // WINDOW_HOURS
    m = np.ones_like(attr, bool) if measured is None else measured
    kept = np.where(m, attr, 0.0)
    windows = kept.reshape(nw, WINDOW_HOURS, -1).sum(1)  # (windows, variables)
    has = m.reshape(nw, WINDOW_HOURS, -1).any(1)
    totals = windows.sum(0)
    values = np.where(w_idx < 0, totals[v_idx], windows[np.maximum(w_idx, 0), v_idx])
    ok = np.where(w_idx < 0, has.any(0)[v_idx], has[np.maximum(w_idx, 0), v_idx])
    order = [i for i in np.argsort(-np.abs(values), kind="stable") if ok[i] and values[i] != 0]
    out = []
    for i in order[:k]:
        label = labels[i]
        if w_idx[i] >= 0 and (w_idx[i] + 1) * WINDOW_HOURS > last_hour + 1:
            label = f"{w_idx[i] * WINDOW_HOURS}-{last_hour + 1} h"
        out.append({"variable": names[i], "window": label,
                    "contribution": round(float(values[i]), 5),
                    "direction": "raises risk" if values[i] > 0 else "lowers risk"})
    return out


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

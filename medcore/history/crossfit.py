"""K-fold cross-fitting: every set-A stay trains K-1 members and validates one.

Why: a single 80/20 split leaves a fifth of set A out of training and calibrates on only 800
stays. Cross-fitting trains K members on different 80 % slices (early stopping on the fold each
one did not see), ships their average as one model, and calibrates temperature and threshold on
the out-of-fold predictions of all 3,996 stays. Nothing of set C is read here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def splits(y: np.ndarray, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified, seeded (train index, held-out index) pairs covering every row once."""
    from sklearn.model_selection import StratifiedKFold

    skf = StratifiedKFold(folds, shuffle=True, random_state=seed)
    return [(np.sort(tr), np.sort(va)) for tr, va in skf.split(np.zeros(len(y)), y)]


def out_of_fold(fit_predict: Callable[[np.ndarray, np.ndarray, int], object],
                folds: list[tuple[np.ndarray, np.ndarray]], n: int) -> tuple[list, np.ndarray]:
    """Run ``fit_predict(train_idx, held_idx, fold) -> (fitted, held-out scores)`` per fold.

    Returns the fitted objects and one score per row, each from the member that never saw it.
    """
    fitted, oof = [], np.full(n, np.nan)
    for i, (tr, va) in enumerate(folds):
        obj, scores = fit_predict(tr, va, i)
        fitted.append(obj)
        oof[va] = scores
    if np.isnan(oof).any():
        raise ValueError("folds do not cover every row")
    return fitted, oof

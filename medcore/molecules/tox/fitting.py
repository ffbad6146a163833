"""What training tox-cnn's parts share: the masked loss, the validation metric and early
stopping that keeps the best epoch."""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)


def masked_bce(y, p):
    """Binary cross-entropy over measured labels only (missing labels are -1, not 0)."""
    from keras import ops

    mask = ops.cast(y >= 0, "float32")
    y0 = ops.where(y >= 0, y, 0.0)
    p = ops.clip(p, 1e-7, 1 - 1e-7)
    loss = -(y0 * ops.log(p) + (1 - y0) * ops.log(1 - p)) * mask
    return ops.sum(loss) / ops.maximum(ops.sum(mask), 1.0)


def mean_auc(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    aucs = [roc_auc_score(y[m, j], p[m, j]) for j in range(y.shape[1])
            if len(np.unique(y[(m := ~np.isnan(y[:, j])), j])) == 2]
    return float(np.mean(aucs)) if aucs else float("nan")


def keep_best(model, run_epoch, valid_auc, epochs: int, patience: int, name: str
              ) -> list[float]:
    """Early stopping shared by every tox-cnn part: run epochs, score validation mean
    ROC-AUC after each, stop after ``patience`` epochs without a gain, and leave the model with
    the best epoch's weights. Returns the per-epoch validation AUCs."""
    best, best_w, history, wait = -1.0, model.get_weights(), [], 0
    for epoch in range(epochs):
        run_epoch()
        auc = valid_auc()
        history.append(round(auc, 4))
        log.info("%s epoch %d valid mean AUC %.4f", name, epoch, auc)
        if auc > best:
            best, best_w, wait = auc, model.get_weights(), 0
        else:
            wait += 1
            if wait >= patience:
                break
    model.set_weights(best_w)
    return history

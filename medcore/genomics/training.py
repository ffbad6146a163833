"""Shared training recipe of the genomics models: early stopping on a validation slice, card.

Early stopping uses a stratified 10 % validation slice of the training part; the test split is
never seen here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import numpy as np

from medcore import distributed
from medcore.genomics import data

log = logging.getLogger(__name__)
ANCHORS = [
    {"name": "KBANN (Towell et al. 1990/1992)", "value": 0.076, "metric": "error rate EI",
     "source": "Towell, Noordewier & Shavlik, 'Refinement of approximate domain theories by "
               "knowledge-based neural networks', AAAI 1990"},
    {"name": "KBANN (Towell et al. 1990/1992)", "value": 0.085, "metric": "error rate IE",
     "source": "Towell, Noordewier & Shavlik 1990 (as reported with the UCI data set)"},
    {"name": "later CNNs on the UCI splice data", "value": "0.96-0.97", "metric": "accuracy",
     "source": "range reported in the literature (see shared/data/README.md); different splits"},
    {"name": "positional one-hot logistic regression, seeded 80/20 split", "value": 0.955,
     "metric": "accuracy", "source": "measured by the project"},
]


def fit(build: Callable, x: np.ndarray, y: np.ndarray, epochs: int = 100, seed: int = 0,
        batch_size: int = 64, patience: int = 10):
    """Train with early stopping on val loss; returns (model with best weights, history dict)."""
    import keras
    from sklearn.model_selection import train_test_split

    from medcore.pipeline import dataset

    keras.utils.set_random_seed(seed)
    if distributed.is_multi_worker():  # synchronous workers: fixed epochs, no early stopping
        model = build(seed=seed)
        h = distributed.fit(model, x, y, epochs=epochs, batch_size=batch_size)
        return model, {"epochs_run": len(h["loss"]), "workers": "multi-worker, synchronous"}
    if len(x) < 50:
        model = build(seed=seed)
        h = model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)
        return model, {"epochs_run": len(h.history["loss"])}
    tr, va = train_test_split(np.arange(len(x)), test_size=0.1, stratify=y, random_state=seed)
    model = build(seed=seed)
    cb = [keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience,
                                        restore_best_weights=True)]
    h = model.fit(dataset(x[tr], y[tr], batch_size, seed=seed),
                  validation_data=dataset(x[va], y[va], 512, shuffle=False), epochs=epochs,
                  verbose=0, callbacks=cb, shuffle=False)  # the dataset shuffles
    best = int(np.argmin(h.history["val_loss"]))
    return model, {"epochs_run": len(h.history["loss"]), "best_epoch": best + 1,
                   "val_accuracy": round(float(h.history["val_accuracy"][best]), 4),
                   "val_loss": round(float(h.history["val_loss"][best]), 4)}


def card(model_id: str, model, split: data.Split, metrics: dict, cv: dict | None,
         history: dict, quick: bool, info: dict) -> dict:
    """The model card fields shared by the genomics models."""
    return {
        "id": model_id,
        "task": info["task"],
        "architecture": {"text": info["architecture_text"], "params": int(model.count_params())},
        "dataset": {**data.DATASET, "split": data.split_description(),
                    "counts": {"train": data.counts(split.y_train),
                               "test": data.counts(split.y_test)},
                    "ambiguity_codes": "N, D, R, S kept as IUPAC fractional one-hot"},
        "metrics": metrics,
        "cross_validation": cv or {"note": "skipped (quick run)"},
        "training": {**history, "quick": quick},
        "anchors": ANCHORS,
        "date_trained": dt.date.today().isoformat(),
        "input_spec": {"shape": [data.WINDOW, 4], "preprocessing": "upper-case, U->T, IUPAC "
                       "fractional one-hot (A,C,G,T); shorter inputs centre-padded with N, longer "
                       "ones scanned with a sliding window"},
        "intended_use": "Research and teaching: locating candidate splice junctions in primate "
                        "DNA. Not for clinical or diagnostic decisions.",
        "limitations": "Trained on 3,190 primate sequences from GenBank 64.1 (1990s); windows "
                       "are centred on candidate junctions, so scans of genomic DNA produce many "
                       "false positives; no strand handling; CV and test figures use a seeded "
                       "random split, not an official one.",
        "headline_metrics": ["accuracy", "macro_f1", "roc_auc"],
        "class_names": list(data.CLASS_NAMES),
        "curves": {"confusion": metrics["confusion"]},
        **{k: v for k, v in info.items() if k not in ("task", "architecture_text")},
    }

"""tox-cnn's fingerprint part: an MLP over ECFP4 bits and physico-chemical descriptors.

Why beside the graph network: it sees whole-molecule properties and exact substructures the
message passing summarises; version 2 shipped it averaged with a SMILES CNN, and version 3's
training run decides on validation whether it joins the D-MPNN members (``model.choose``).
"""

from __future__ import annotations

import logging

import numpy as np

from medcore.molecules import featurize
from medcore.molecules.tox import fitting

log = logging.getLogger(__name__)


def build(x_train: np.ndarray, n_tasks: int = 12, hidden: int = 1024, dropout: float = 0.5):
    """Normalise (descriptors by training mean/sd, bits as they are) -> input dropout 0.2 ->
    Dense(hidden) -> Dense(hidden/2) -> one sigmoid per assay."""
    import keras

    mean = np.zeros(x_train.shape[1], np.float32)
    var = np.ones(x_train.shape[1], np.float32)
    d = slice(featurize.N_BITS, None)
    mean[d], var[d] = x_train[:, d].mean(0), x_train[:, d].var(0) + 1e-6
    inp = keras.Input((x_train.shape[1],), name="fingerprint")
    h = keras.layers.Normalization(mean=mean, variance=var, name="standardise")(inp)
    h = keras.layers.Dropout(0.2)(h)
    h = keras.layers.Dense(hidden, activation="relu", name="fp_dense1")(h)
    h = keras.layers.Dropout(dropout)(h)
    h = keras.layers.Dense(hidden // 2, activation="relu", name="fp_dense2")(h)
    h = keras.layers.Dropout(dropout)(h)
    out = keras.layers.Dense(n_tasks, activation="sigmoid", name="fp_assays")(h)
    return keras.Model(inp, out, name="tox_fingerprint_mlp")


def fit(x: np.ndarray, labels: np.ndarray, x_valid: np.ndarray, valid_labels: np.ndarray,
        epochs: int = 40, patience: int = 6, seed: int = 0, **arch):
    """Adam, batch 64, masked BCE; keep the epoch with the best VALIDATION mean ROC-AUC.
    Returns (model, history of validation AUCs)."""
    import keras

    keras.utils.set_random_seed(seed)
    model = build(x, labels.shape[1], **arch)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=fitting.masked_bce)
    y = np.nan_to_num(labels, nan=-1.0).astype(np.float32)
    history = fitting.keep_best(
        model, lambda: model.fit(x, y, batch_size=64, epochs=1, verbose=0, shuffle=True),
        lambda: fitting.mean_auc(valid_labels, model.predict(x_valid, batch_size=1024,
                                                                verbose=0)),
        epochs, patience, "fingerprint")
    return model, history

"""The splice-site network of dna-cnn: a dilated residual CNN that scores every position.

SpliceAI's shape at laptop size: a motif convolution, then residual blocks of dilated
convolutions, then a per-position softmax over donor (EI), acceptor (IE) and neither (N). The
score at index i is "the junction lies just before base i" (0-based), so a window's class is
read at its junction index and a long sequence is scored in one pass, chunked with enough
overlap that each position sees exactly the context it would see alone.

Training labels are known only at a window's junction. The other positions are labelled with
what the window's kind rules out, not with a guess: in a donor window no other position is a
donor (the next donor is an intron and an exon away), but an acceptor may sit in the exon
upstream, so those positions are "acceptor or neither". The loss is the partial-label cross
entropy -log(sum of the probabilities of the allowed classes), which is the usual cross
entropy where the label is a single class.
"""

from __future__ import annotations

import numpy as np

from medcore.genomics import data, encode

EI, IE, N = 0, 1, 2
CHANNELS = 32
KERNEL = 9
DILATIONS = (1, 2, 4, 8)
MOTIF_WIDTH = 9
# Each residual block holds two dilated convolutions: context = motif + 2 * (k - 1) * sum(d).
CONTEXT = (MOTIF_WIDTH - 1) + 2 * (KERNEL - 1) * sum(DILATIONS)  # 248 nt: 124 each side
HALF_CONTEXT = CONTEXT // 2
OFF_CENTRE_WEIGHT = 0.02
DROPOUT = 0.1  # spatial dropout before each dilated convolution
L2 = 1e-5
EPOCHS = 40
PATIENCE = 6
TRAIN_LENGTH = data.LONG_WINDOW


def build_model(seed: int = 0, name: str = "splice_sites", channels: int = CHANNELS):
    """One-hot (any length) -> per-position probabilities (EI, IE, N); 'same' padding = zeros."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    reg = keras.regularizers.l2(L2)
    inp = keras.Input((None, 4), name="one_hot")
    h = layers.Conv1D(channels, MOTIF_WIDTH, padding="same", name="motif_conv",
                      kernel_regularizer=reg)(inp)
    for b, d in enumerate(DILATIONS):
        r = h
        for c in range(2):
            h = layers.Activation("relu", name=f"block{b}_relu{c}")(h)
            h = layers.SpatialDropout1D(DROPOUT, name=f"block{b}_drop{c}")(h)
            h = layers.Conv1D(channels, KERNEL, dilation_rate=d, padding="same",
                              name=f"block{b}_conv{c}", kernel_regularizer=reg)(h)
        h = layers.Add(name=f"block{b}_add")([r, h])
    h = layers.Activation("relu", name="head_relu")(h)
    out = layers.Conv1D(3, 1, activation="softmax", name="proba")(h)
    return keras.Model(inp, out, name=name)


def partial_label_loss(target, proba):
    """-log P(the true class is among the allowed ones) x the position's weight.

    ``target`` holds per position the allowed-class mask (3 channels) and the weight (4th), so
    the loss needs no ``sample_weight`` and the multi-worker loop can use it as it is.
    """
    from keras import ops

    return -target[..., 3] * ops.log(ops.sum(target[..., :3] * proba, axis=-1) + 1e-7)


def targets(seqs: list[str], y: np.ndarray, length: int = TRAIN_LENGTH
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs, allowed-class masks and per-position weights for windows centred in ``length``.

    Each record is placed so that its junction lands at ``length // 2``; positions outside the
    record are zeros with weight 0.
    """
    n = len(seqs)
    x = np.zeros((n, length, 4), np.float32)
    allowed = np.ones((n, length, 3), np.float32)
    weight = np.zeros((n, length), np.float32)
    centre = data.junction_index(length)
    for k, (s, label) in enumerate(zip(seqs, y, strict=True)):
        start = centre - data.junction_index(len(s))
        x[k, start:start + len(s)] = encode.one_hot(s)
        span = slice(start, start + len(s))
        weight[k, span] = OFF_CENTRE_WEIGHT
        if label == EI:
            allowed[k, span] = (0, 1, 1)
        elif label == IE:
            allowed[k, span] = (1, 0, 1)
        else:
            allowed[k, span] = (0, 0, 1)
        allowed[k, centre] = np.eye(3, dtype=np.float32)[label]
        weight[k, centre] = 1.0
    return x, allowed, weight


def fit(x: np.ndarray, allowed: np.ndarray, weight: np.ndarray, strata: np.ndarray, seed: int,
        epochs: int = EPOCHS, patience: int = PATIENCE, batch_size: int = 64
        ) -> tuple[object, dict]:
    """Adam; early stopping on the junction loss of a stratified 10 % slice of the training part.

    The stopping loss counts junctions only (off-centre weights 0): the class at the junction
    is what is scored, and the many easy off-centre positions would hide its turn. Several
    synchronous workers train a fixed number of epochs (``medcore.distributed``).
    """
    import keras
    from sklearn.model_selection import train_test_split

    from medcore import distributed

    model = build_model(seed=seed, name=f"member{seed}")
    model.compile(keras.optimizers.Adam(1e-3), partial_label_loss)
    y = np.concatenate([allowed, weight[..., None]], axis=-1)
    if distributed.is_multi_worker():
        h = distributed.fit(model, x, y, epochs=epochs, batch_size=batch_size)
        return model, {"epochs_run": len(h["loss"]), "workers": "multi-worker, synchronous"}
    tr, va = train_test_split(np.arange(len(x)), test_size=0.1, stratify=strata,
                              random_state=seed)
    y_va = y[va].copy()
    y_va[..., 3] = (weight[va] == 1.0)
    cb = [keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience,
                                        restore_best_weights=True)]
    h = model.fit(x[tr], y[tr], batch_size=batch_size, epochs=epochs, verbose=0, callbacks=cb,
                  validation_data=(x[va], y_va))
    best = int(np.argmin(h.history["val_loss"]))
    return model, {"epochs_run": len(h.history["loss"]), "best_epoch": best + 1,
                   "val_loss": round(float(h.history["val_loss"][best]), 5)}

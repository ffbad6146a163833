"""SELFIES autoencoder whose GRU decoder writes molecules token by token from a latent vector.

LatentGAN (Prykhodko et al., J Cheminform 2019) trains a GAN on such latent vectors and lets the
decoder write the molecules. Because each token is conditioned on the tokens before it, samples
follow SELFIES grammar rather than ending early at a misplaced terminal atom (which made the
one-hot GAN repeat the same tiny molecules), and the GAN only has to match 64 numbers.
LatentGAN's encoder is a heteroencoder (randomised SMILES in, canonical out); this one
reconstructs its input: in one exploration run with a one-shot dense decoder, adding 4
randomised SMILES per molecule did not raise uniqueness (0.86-0.89 vs 0.89-0.90).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from medcore.molecules.generate.selfies_codec import MAX_LEN, draw_tokens

log = logging.getLogger(__name__)
LATENT = 64
UNITS = 256


@dataclass
class Decoder:
    """The two halves of the decoder used at sampling time (weights shared with training)."""

    init: object  # latent -> first GRU state
    step: object  # [previous token, latent, state] -> [next-token probabilities, state]


ENCODERS = {"dense": "one-hot string - Dense(512)",
            "bigru": "one-hot string read token by token by a bidirectional GRU(128)"}


def build(vocab_size: int, latent: int = LATENT, units: int = UNITS, encoder: str = "dense"):
    """(autoencoder, encoder, Decoder). The autoencoder is trained with teacher forcing: its
    second input is the target string shifted right by one position (a zero 'start' vector).
    ``encoder``: "dense" (Dense(512) over the flattened one-hot string) or "bigru" (a
    bidirectional GRU(128) reading the string, so what it learns is not tied to positions)."""
    import keras

    x = keras.Input((MAX_LEN, vocab_size), name="selfies")
    if encoder == "bigru":
        h = keras.layers.Bidirectional(keras.layers.GRU(128), name="reader")(x)
    elif encoder == "dense":
        h = keras.layers.Dense(512, activation="relu")(keras.layers.Flatten()(x))
    else:
        raise ValueError(f"unknown encoder {encoder!r}")
    encoder = keras.Model(x, keras.layers.Dense(latent, activation="tanh")(h), name="encoder")

    gru = keras.layers.GRU(units, return_sequences=True, return_state=True, name="writer")
    init_layer = keras.layers.Dense(units, activation="tanh", name="init_state")
    head = keras.layers.Dense(vocab_size, name="next_token")

    shifted = keras.Input((MAX_LEN, vocab_size), name="previous_tokens")
    z = keras.layers.GaussianNoise(0.05)(encoder(x))  # a smoother latent space for the GAN
    seq, _ = gru(keras.layers.Concatenate()([shifted, keras.layers.RepeatVector(MAX_LEN)(z)]),
                 initial_state=init_layer(z))
    autoencoder = keras.Model([x, shifted], keras.layers.Softmax()(head(seq)), name="autoencoder")

    lat = keras.Input((latent,), name="latent")
    prev = keras.Input((1, vocab_size), name="previous_token")
    state = keras.Input((units,), name="state")
    out, new_state = gru(keras.layers.Concatenate()([prev, keras.layers.Reshape((1, latent))(lat)]),
                         initial_state=state)
    probs = keras.layers.Softmax()(keras.layers.Reshape((vocab_size,))(head(out)))
    step = keras.Model([prev, lat, state], [probs, new_state], name="decoder_step")
    init = keras.Model(lat, init_layer(lat), name="decoder_init")
    return autoencoder, encoder, Decoder(init, step)


def shift_right(x: np.ndarray) -> np.ndarray:
    """Teacher-forcing input: position t sees the true token t-1 (zeros at t = 0)."""
    return np.concatenate([np.zeros_like(x[:, :1]), x[:, :-1]], axis=1)


def _split(x: np.ndarray, seed: int, val_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """(validation rows, training rows): a seeded random slice, as every fit here uses."""
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = max(1, int(len(x) * val_fraction))
    return order[:n_val], order[n_val:]


def _report(decoder: Decoder, encoder, val: np.ndarray, n_train: int, epochs_run: int,
            best_epoch: int, token_accuracy: float) -> dict:
    """The fit's figures: validation token accuracy at the best epoch and the share of
    validation strings greedy decoding writes back exactly."""
    greedy = write(decoder, encoder.predict(val, verbose=0), None, np.arange(val.shape[-1]) > 0)
    return {"epochs_run": epochs_run, "best_epoch": best_epoch,
            "val_token_accuracy": round(float(token_accuracy), 4),
            "val_exact_reconstruction": round(float((greedy == val.argmax(-1)).all(1).mean()), 4),
            "n_train": n_train, "n_val": len(val)}


def _fit_early_stopped(model, train: np.ndarray, val: np.ndarray, epochs: int,
                       patience: int) -> tuple[int, int, float]:
    """Teacher-forced fit of ``model`` ([strings, shifted strings] -> strings), Adam 1e-3,
    stopped after ``patience`` epochs without a better validation loss (best weights kept).
    Returns (epochs run, best epoch, its validation token accuracy) for ``_report``."""
    import keras

    model.compile(keras.optimizers.Adam(1e-3), "categorical_crossentropy",
                  metrics=["categorical_accuracy"])
    hist = model.fit(
        [train, shift_right(train)], train, batch_size=128, epochs=epochs, verbose=0,
        validation_data=([val, shift_right(val)], val),
        callbacks=[keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True)])
    best = int(np.argmin(hist.history["val_loss"]))
    return (len(hist.history["val_loss"]), best + 1,
            hist.history["val_categorical_accuracy"][best])


def fit(x: np.ndarray, epochs: int, seed: int = 0, val_fraction: float = 0.1):
    """Train on one-hot strings with early stopping on a random validation slice.

    Returns (encoder, Decoder, report) where the report holds the validation token accuracy and
    the fraction of validation strings written back exactly by greedy decoding.
    """
    import keras

    keras.utils.set_random_seed(seed)
    val_idx, train_idx = _split(x, seed, val_fraction)
    val, train = x[val_idx], x[train_idx]
    autoencoder, encoder, decoder = build(x.shape[-1])
    fitted = _fit_early_stopped(autoencoder, train, val, epochs, patience=4)
    report = _report(decoder, encoder, val, len(train), *fitted)
    log.info("autoencoder %s", report)
    return encoder, decoder, report


def fit_with_lr_halving(x: np.ndarray, epochs: int, seed: int = 0, val_fraction: float = 0.1,
                        encoder: str = "bigru", inputs: np.ndarray | None = None,
                        lr_patience: int = 2, patience: int = 5):
    """``fit`` with an epoch loop of its own (mol-gan v4's recipe, ``fit_v4`` in its design
    record): the learning rate halves after ``lr_patience`` epochs without a better validation
    loss, training stops after ``patience`` (the best weights are kept). ``inputs``: optional
    (n, k, MAX_LEN) token ids of k other strings of each molecule (``selfies_codec.randomised``;
    LatentGAN's heteroencoder): each epoch the encoder reads one of them, drawn with a seeded
    generator, and the decoder writes the canonical string ``x``. Validation reads and writes
    the canonical strings. Returns what ``fit`` returns."""
    import keras

    keras.utils.set_random_seed(seed)
    val_idx, train_idx = _split(x, seed, val_fraction)
    val, train = x[val_idx], x[train_idx]
    autoencoder, enc, decoder = build(x.shape[-1], encoder=encoder)
    opt = keras.optimizers.Adam(1e-3)
    autoencoder.compile(opt, "categorical_crossentropy", metrics=["categorical_accuracy"])
    eye = np.eye(x.shape[-1], dtype=np.float32)
    pick = np.random.default_rng(seed + 1)
    target_in = shift_right(train)
    best, best_epoch, best_acc, best_w, stale, lr_stale, run = np.inf, 0, 0.0, None, 0, 0, 0
    for epoch in range(epochs):
        run = epoch + 1
        if inputs is None:
            read = train
        else:
            read = eye[inputs[train_idx, pick.integers(inputs.shape[1], size=len(train_idx))]]
        autoencoder.fit([read, target_in], train, batch_size=128, epochs=1, verbose=0)
        got = autoencoder.evaluate([val, shift_right(val)], val, batch_size=512, verbose=0,
                                   return_dict=True)
        log.info("autoencoder epoch %d %s lr %.2g", run, got, float(opt.learning_rate))
        if got["loss"] < best:
            best, best_epoch, best_acc = got["loss"], run, got["categorical_accuracy"]
            best_w, stale, lr_stale = autoencoder.get_weights(), 0, 0
            continue
        stale, lr_stale = stale + 1, lr_stale + 1
        if stale >= patience:
            break
        if lr_stale >= lr_patience:
            opt.learning_rate = float(opt.learning_rate) * 0.5
            lr_stale = 0
    if best_w is not None:
        autoencoder.set_weights(best_w)
    report = {**_report(decoder, enc, val, len(train), run, best_epoch, best_acc),
              "encoder": ENCODERS[encoder],
              "training": f"Adam 1e-3 halved after {lr_patience} epochs without a better "
                          f"validation loss, early stopping patience {patience}, at most "
                          f"{epochs} epochs"}
    if inputs is not None:
        report["heteroencoder"] = (f"the encoder reads one of {inputs.shape[1]} randomised "
                                   "SMILES' SELFIES per molecule (a new draw each epoch), the "
                                   "decoder writes the canonical one")
    log.info("autoencoder %s", report)
    return enc, decoder, report


def teacher_forced(decoder: Decoder):
    """The training-time graph of a (loaded) decoder: [latent, previous tokens] -> next-token
    probabilities for every position, sharing the decoder's layers (and so its weights)."""
    import keras

    gru, head = decoder.step.get_layer("writer"), decoder.step.get_layer("next_token")
    init_layer = decoder.init.get_layer("init_state")
    lat = keras.Input((int(decoder.init.inputs[0].shape[-1]),), name="latent")
    shifted = keras.Input((MAX_LEN, int(head.units)), name="previous_tokens")
    seq, _ = gru(keras.layers.Concatenate()([shifted, keras.layers.RepeatVector(MAX_LEN)(lat)]),
                 initial_state=init_layer(lat))
    return keras.Model([lat, shifted], keras.layers.Softmax()(head(seq)), name="decoder_tf")


def fit_encoder(x: np.ndarray, decoder: Decoder, epochs: int, seed: int = 0,
                val_fraction: float = 0.1):
    """A new encoder for a trained, frozen decoder (its weights do not move): the encoder of
    ``build`` trained to minimise the decoder's reconstruction loss, with the same Gaussian latent
    noise and early stopping on a random validation slice as ``fit``. For a decoder shipped
    without its encoder. Returns (encoder, report) as ``fit`` does."""
    import keras

    keras.utils.set_random_seed(seed)
    val_idx, train_idx = _split(x, seed, val_fraction)
    val, train = x[val_idx], x[train_idx]
    _, encoder, _ = build(x.shape[-1])
    tf_model = teacher_forced(decoder)
    tf_model.trainable = False
    inp = keras.Input((MAX_LEN, x.shape[-1]), name="selfies")
    shifted = keras.Input((MAX_LEN, x.shape[-1]), name="previous_tokens")
    z = keras.layers.GaussianNoise(0.05)(encoder(inp))
    model = keras.Model([inp, shifted], tf_model([z, shifted]))
    fitted = _fit_early_stopped(model, train, val, epochs, patience=3)
    tf_model.trainable = True  # the decoder's layers are shared with decoder.step / init
    report = _report(decoder, encoder, val, len(train), *fitted)
    log.info("encoder for a frozen decoder %s", report)
    return encoder, report


def write(decoder: Decoder, latents: np.ndarray, rng: np.random.Generator | None,
          first_ok: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Token ids (n, MAX_LEN) written from latents: a seeded categorical draw per step (greedy
    when ``rng`` is None) from the decoder's probabilities raised to 1 / ``temperature``
    (renormalised; 1.0 draws from them as they are). The first token comes from ``first_ok``
    (a mask over the vocabulary); after [nop] (id 0, the end marker) a row only writes [nop]."""
    latents = np.asarray(latents, np.float32)
    n, v = len(latents), len(first_ok)
    eye = np.eye(v, dtype=np.float32)
    state = np.asarray(decoder.init.predict_on_batch(latents))
    prev = np.zeros((n, 1, v), np.float32)
    ids = np.zeros((n, MAX_LEN), np.int64)
    ended = np.zeros(n, bool)
    for t in range(MAX_LEN):
        probs, state = decoder.step.predict_on_batch([prev, latents, state])
        probs, state = np.asarray(probs, np.float64), np.asarray(state)
        if t == 0:
            probs[:, ~np.asarray(first_ok, bool)] = 0.0
        if temperature != 1.0:  # scaled by the row's maximum first so no row underflows to 0
            probs = (probs / probs.max(-1, keepdims=True)) ** (1.0 / temperature)
        tok = probs.argmax(-1) if rng is None else draw_tokens(probs, rng)
        tok[ended] = 0
        ended |= tok == 0
        ids[:, t] = tok
        prev = eye[tok][:, None, :]
    return ids

"""SELFIES WGAN-GP: corpus, vocabulary, generator/critic and the training loop.

SELFIES (Krenn et al. 2020) decode to a valid molecule for any token string, so validity comes
from the representation; the GAN has to learn diversity and drug-like distributions. The
generator outputs per-position token probabilities; sampling them (seeded) gives molecules.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from medcore.molecules import featurize

log = logging.getLogger(__name__)
NOP = "[nop]"
MAX_LEN = 48
NOISE = 64
CORPUS = ("tox21.csv", "BBBP.csv", "clintox.csv", "delaney.csv")


def corpus(data_dir: Path, limit: int | None = None, min_token_count: int = 20) -> list[str]:
    """Canonical largest-fragment SMILES (stereo removed) from the MoleculeNet files,
    deduplicated, at most MAX_LEN SELFIES tokens, and only built from tokens that at least
    ``min_token_count`` molecules use (keeps the vocabulary and the model small)."""
    import pandas as pd
    import selfies as sf
    from rdkit import Chem

    featurize.silence_rdkit()
    seen: dict[str, None] = {}
    for name in CORPUS:
        path = Path(data_dir) / "molecules" / name
        col = next(c for c in pd.read_csv(path, nrows=1).columns if c.lower() == "smiles")
        for s in pd.read_csv(path, nrows=limit)[col].astype(str):
            mol = Chem.MolFromSmiles(s)
            if mol is None:
                continue
            mol, _ = featurize.largest_fragment(mol)
            Chem.RemoveStereochemistry(mol)
            if mol.GetNumHeavyAtoms() < 3:
                continue
            can = Chem.MolToSmiles(mol)
            try:
                enc = sf.encoder(can)
            except Exception:  # noqa: BLE001 - selfies raises its own EncoderError subclasses
                continue
            if enc and sf.len_selfies(enc) <= MAX_LEN:
                seen[can] = None
    tokens = {s: set(sf.split_selfies(sf.encoder(s))) for s in seen}
    counts: dict[str, int] = {}
    for toks in tokens.values():
        for t in toks:
            counts[t] = counts.get(t, 0) + 1
    return [s for s, toks in tokens.items() if all(counts[t] >= min_token_count for t in toks)]


def vocabulary(smiles: list[str]) -> list[str]:
    import selfies as sf

    tokens = sorted(sf.get_alphabet_from_selfies(sf.encoder(s) for s in smiles))
    return [NOP, *[t for t in tokens if t != NOP]]


def encode(smiles: list[str], vocab: list[str]) -> np.ndarray:
    """(n, MAX_LEN, V) one-hot SELFIES, padded with [nop]."""
    import selfies as sf

    index = {t: i for i, t in enumerate(vocab)}
    x = np.zeros((len(smiles), MAX_LEN, len(vocab)), np.float32)
    for r, s in enumerate(smiles):
        ids = [index[t] for t in sf.split_selfies(sf.encoder(s))]
        ids += [0] * (MAX_LEN - len(ids))
        x[r, np.arange(MAX_LEN), ids] = 1.0
    return x


def _silicon_bonds_like_carbon() -> None:
    """SELFIES has no valence rule for Si and lets it take up to 8 bonds, so a sample could
    decode to a five-bonded silicon that RDKit rightly rejects; give Si carbon's 4."""
    import selfies as sf

    rules = sf.get_semantic_constraints()
    if rules.get("Si") != 4:
        sf.set_semantic_constraints({**rules, "Si": 4})


def decode(token_ids: np.ndarray, vocab: list[str]) -> list[str]:
    """Token ids -> SMILES via SELFIES ('' when the string decodes to nothing)."""
    import selfies as sf

    _silicon_bonds_like_carbon()
    out = []
    for row in token_ids:
        try:
            out.append(sf.decoder("".join(vocab[i] for i in row if i)) or "")
        except Exception:  # noqa: BLE001 - treat any decoder failure as an invalid sample
            out.append("")
    return out


def build_generator(vocab_size: int, hidden: int = 384):
    import keras

    z = keras.Input((NOISE,), name="noise")
    h = keras.layers.Dense(256, activation="relu")(z)
    h = keras.layers.Dense(hidden, activation="relu")(h)
    h = keras.layers.Dense(MAX_LEN * vocab_size)(h)
    h = keras.layers.Reshape((MAX_LEN, vocab_size))(h)
    return keras.Model(z, keras.layers.Softmax(axis=-1, name="tokens")(h), name="generator")


def build_critic(vocab_size: int):
    import keras

    x = keras.Input((MAX_LEN, vocab_size))
    h = keras.layers.Conv1D(64, 5, padding="same")(x)
    h = keras.layers.LeakyReLU(0.2)(h)
    h = keras.layers.Conv1D(128, 5, strides=2, padding="same")(h)
    h = keras.layers.LeakyReLU(0.2)(h)
    h = keras.layers.Flatten()(h)
    return keras.Model(x, keras.layers.Dense(1)(h), name="critic")


def train_wgan(x: np.ndarray, steps: int, seed: int = 0, batch: int = 64, n_critic: int = 5,
               gp_weight: float = 10.0):
    """WGAN-GP (Gulrajani et al. 2017) on soft one-hot sequences; returns the generator."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    v = x.shape[-1]
    gen, critic = build_generator(v), build_critic(v)
    g_opt = keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.9)
    c_opt = keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.9)
    data = tf.constant(x)

    @tf.function
    def critic_step():
        idx = tf.random.uniform((batch,), 0, len(x), dtype=tf.int32)
        real = tf.gather(data, idx)
        fake = gen(tf.random.normal((batch, NOISE)), training=True)
        eps = tf.random.uniform((batch, 1, 1))
        mix = eps * real + (1 - eps) * fake
        with tf.GradientTape() as tape:
            with tf.GradientTape() as gp_tape:
                gp_tape.watch(mix)
                c_mix = critic(mix, training=True)
            grads = gp_tape.gradient(c_mix, mix)
            norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2]) + 1e-12)
            loss = (tf.reduce_mean(critic(fake, training=True))
                    - tf.reduce_mean(critic(real, training=True))
                    + gp_weight * tf.reduce_mean(tf.square(norm - 1.0)))
        c_opt.apply_gradients(zip(tape.gradient(loss, critic.trainable_variables),
                                  critic.trainable_variables, strict=True))
        return loss

    @tf.function
    def gen_step():
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(critic(gen(tf.random.normal((batch, NOISE)), training=True),
                                          training=True))
        g_opt.apply_gradients(zip(tape.gradient(loss, gen.trainable_variables),
                                  gen.trainable_variables, strict=True))
        return loss

    for step in range(steps):
        for _ in range(n_critic):
            c_loss = critic_step()
        g_loss = gen_step()
        if step % 200 == 0:
            log.info("wgan step %d critic %.3f gen %.3f", step, float(c_loss), float(g_loss))
    return gen


def _draw(probs: np.ndarray, vocab: list[str], rng: np.random.Generator,
          temperature: float = 1.0) -> np.ndarray:
    """Categorical draw per position; position 0 only from atom tokens (a SMILES must start
    with an atom), so no sample decodes to an empty string."""
    probs = np.asarray(probs, np.float64)
    if temperature != 1.0:
        probs = np.exp(np.log(np.maximum(probs, 1e-12)) / temperature)
    first_ok = np.array([is_atom_token(t) for t in vocab], bool)
    probs[:, 0, ~first_ok] = 0.0
    probs[:, 0, first_ok] += 1e-9
    probs /= probs.sum(-1, keepdims=True)
    cum = probs.cumsum(-1)
    u = rng.random(probs.shape[:2] + (1,))
    return np.minimum((u > cum).sum(-1), len(vocab) - 1)


def is_atom_token(token: str) -> bool:
    """Tokens that place an atom (not [nop], branches or ring closures)."""
    return token != NOP and "Branch" not in token and "Ring" not in token


def sample(generator, vocab: list[str], n: int, seed: int = 0, temperature: float = 1.0
           ) -> list[str]:
    """n SMILES: seeded noise -> token probabilities -> seeded categorical draw -> SELFIES."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, NOISE)).astype(np.float32)
    probs = generator.predict(z, batch_size=1024, verbose=0)
    return decode(_draw(probs, vocab, rng, temperature), vocab)


def positional_unigram(position_freq: np.ndarray, n: int, vocab: list[str], seed: int = 0
                       ) -> list[str]:
    """Baseline: draw each position independently from the training token frequencies there
    (``position_freq`` is the mean one-hot encoding of the training set, (MAX_LEN, V))."""
    rng = np.random.default_rng(seed)
    freq = np.broadcast_to(position_freq, (n, *position_freq.shape))
    return decode(_draw(freq, vocab, rng), vocab)

"""LatentGAN for molecules: a WGAN-GP that learns the autoencoder's latent distribution.

The generator maps 64 noise numbers to a latent vector and the autoencoder's decoder writes it
out as SELFIES (``autoencoder.write``), so every sample decodes to a valid molecule. Sampling is
seeded end to end: one generator drives the noise and every token draw.
"""

from __future__ import annotations

import logging

import numpy as np

from medcore.molecules.generate import autoencoder, selfies_codec

log = logging.getLogger(__name__)
NOISE = 64


def build_generator(latent: int = autoencoder.LATENT, width: int = 256):
    import keras

    z = keras.Input((NOISE,), name="noise")
    h = keras.layers.Dense(width, activation="relu")(z)
    h = keras.layers.Dense(width, activation="relu")(h)
    return keras.Model(z, keras.layers.Dense(latent, activation="tanh", name="latent")(h),
                       name="generator")


def build_critic(latent: int = autoencoder.LATENT, width: int = 256):
    import keras

    x = keras.Input((latent,))
    h = keras.layers.LeakyReLU(0.2)(keras.layers.Dense(width)(x))
    h = keras.layers.LeakyReLU(0.2)(keras.layers.Dense(width)(h))
    return keras.Model(x, keras.layers.Dense(1)(h), name="critic")


def train_wgan(x: np.ndarray, steps: int, seed: int = 0, batch: int = 64, n_critic: int = 5,
               gp_weight: float = 10.0):
    """WGAN-GP (Gulrajani et al. 2017) on latent vectors ``x`` (n, latent); returns the
    generator."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    gen, critic = build_generator(x.shape[-1]), build_critic(x.shape[-1])
    g_opt = keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.9)
    c_opt = keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.9)
    data = tf.constant(x, tf.float32)

    @tf.function
    def critic_step():
        real = tf.gather(data, tf.random.uniform((batch,), 0, len(x), dtype=tf.int32))
        fake = gen(tf.random.normal((batch, NOISE)), training=True)
        eps = tf.random.uniform((batch, 1))
        mix = eps * real + (1 - eps) * fake
        with tf.GradientTape() as tape:
            with tf.GradientTape() as gp_tape:
                gp_tape.watch(mix)
                c_mix = critic(mix, training=True)
            grads = gp_tape.gradient(c_mix, mix)
            norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=1) + 1e-12)
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
        if step % 1000 == 0:
            log.info("wgan step %d critic %.3f gen %.3f", step, float(c_loss), float(g_loss))
    return gen


def sample(generator, decoder: autoencoder.Decoder, vocab: list[str], n: int, seed: int = 0,
           temperature: float = 1.0) -> list[str]:
    """n SMILES: seeded noise -> latent -> token-by-token seeded draw (at ``temperature``, see
    ``autoencoder.write``) -> SELFIES -> SMILES."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, NOISE)).astype(np.float32)
    latents = generator.predict(z, batch_size=4096, verbose=0)
    ids = autoencoder.write(decoder, latents, rng, selfies_codec.atom_mask(vocab), temperature)
    return selfies_codec.decode(ids, vocab)


def positional_unigram(position_freq: np.ndarray, n: int, vocab: list[str], seed: int = 0
                       ) -> list[str]:
    """Baseline: draw each position independently from the training token frequencies there
    (``position_freq`` is the mean one-hot encoding of the training set, (MAX_LEN, V)); the
    first position only from atom tokens, as in ``sample``."""
    rng = np.random.default_rng(seed)
    probs = np.array(np.broadcast_to(position_freq, (n, *position_freq.shape)), np.float64)
    first_ok = selfies_codec.atom_mask(vocab)
    probs[:, 0, ~first_ok] = 0.0
    probs[:, 0, first_ok] += 1e-9
    return selfies_codec.decode(selfies_codec.draw_tokens(probs, rng), vocab)

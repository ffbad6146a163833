"""Adversarial training loop for the conditional DCGAN (non-saturating loss, Adam 2e-4/0.5)."""

from __future__ import annotations

import logging
import time

import numpy as np

log = logging.getLogger(__name__)


def fit_gan(x: np.ndarray, y: np.ndarray, size: int, epochs: int, seed: int = 0,
            batch_size: int = 64, width: int = 64):
    """Train on uint8 images ``x`` (n, size, size) with labels ``y``; returns the generator."""
    import keras
    import tensorflow as tf

    from medcore.imaging.gan_model import LATENT, build_discriminator, build_generator

    keras.utils.set_random_seed(seed)
    gen, disc = build_generator(size, width), build_discriminator(size, width)
    g_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
    d_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)

    @tf.function
    def step(real, labels):
        n = tf.shape(real)[0]
        z = tf.random.normal((n, LATENT))
        with tf.GradientTape() as gt, tf.GradientTape() as dt:
            fake = gen([z, labels], training=True)
            d_real = disc([real, labels], training=True)
            d_fake = disc([fake, labels], training=True)
            d_loss = bce(tf.ones_like(d_real) * 0.9, d_real) + bce(tf.zeros_like(d_fake), d_fake)
            g_loss = bce(tf.ones_like(d_fake), d_fake)
        g_opt.apply_gradients(zip(gt.gradient(g_loss, gen.trainable_variables),
                                  gen.trainable_variables, strict=True))
        d_opt.apply_gradients(zip(dt.gradient(d_loss, disc.trainable_variables),
                                  disc.trainable_variables, strict=True))
        return d_loss, g_loss

    xf = x[..., None].astype(np.float32)
    yl = y.reshape(-1, 1).astype(np.int32)
    rng = np.random.default_rng(seed)
    start = time.time()
    for epoch in range(epochs):
        order = rng.permutation(len(xf))
        for i in range(0, len(order) - batch_size + 1, batch_size):
            sel = order[i:i + batch_size]
            d_loss, g_loss = step(tf.constant(xf[sel]), tf.constant(yl[sel]))
        log.info("gan epoch %d d=%.3f g=%.3f %.0fs", epoch, float(d_loss), float(g_loss),
                 time.time() - start)
    return gen


def generate(generator, n: int, seed: int = 0, labels: np.ndarray | None = None) -> np.ndarray:
    """Deterministic uint8 (n, size, size) images for a seed (labels default: alternating)."""
    from medcore.imaging.gan_model import LATENT

    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, LATENT)).astype(np.float32)
    lab = (np.arange(n) % 2) if labels is None else np.asarray(labels)
    out = generator.predict([z, lab.reshape(-1, 1).astype(np.int32)], batch_size=256, verbose=0)
    return np.clip(np.round(np.asarray(out)[..., 0]), 0, 255).astype(np.uint8)

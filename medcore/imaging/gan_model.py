"""Conditional DCGAN (Radford et al. 2016; label-conditioned as in Mirza & Osindero 2014).

The generator maps (noise, label) to a size x size image already in the 0-255 range the
xray-cnn expects, so generated images go through exactly the same model input path.
"""

from __future__ import annotations

import keras
from keras import layers

LATENT = 64


def build_generator(size: int = 64, width: int = 64) -> keras.Model:
    start = size // 4
    z = keras.Input((LATENT,), name="noise")
    label = keras.Input((1,), dtype="int32", name="label")
    emb = layers.Flatten(name="label_flat")(layers.Embedding(2, 16, name="label_emb")(label))
    x = layers.Concatenate(name="z_label")([z, emb])
    x = layers.Dense(start * start * width * 2, use_bias=False, name="g_dense")(x)
    x = layers.BatchNormalization(name="g_bn0")(x)
    x = layers.ReLU(name="g_relu0")(x)
    x = layers.Reshape((start, start, width * 2), name="g_reshape")(x)
    for i, ch in enumerate((width, width // 2)):
        x = layers.Conv2DTranspose(ch, 4, strides=2, padding="same", use_bias=False,
                                   name=f"g_up{i}")(x)
        x = layers.BatchNormalization(name=f"g_bn{i + 1}")(x)
        x = layers.ReLU(name=f"g_relu{i + 1}")(x)
    x = layers.Conv2D(1, 3, padding="same", activation="tanh", name="g_out")(x)
    img = layers.Rescaling(127.5, offset=127.5, name="to_0_255")(x)
    return keras.Model([z, label], img, name="xray_generator")


def build_discriminator(size: int = 64, width: int = 64) -> keras.Model:
    img = keras.Input((size, size, 1), name="image")
    label = keras.Input((1,), dtype="int32", name="label")
    lab = layers.Flatten()(layers.Embedding(2, size * size, name="d_label_emb")(label))
    lab = layers.Reshape((size, size, 1))(lab)
    x = layers.Rescaling(1 / 127.5, offset=-1.0)(img)
    x = layers.Concatenate()([x, lab])
    for i, ch in enumerate((width, width * 2)):
        x = layers.Conv2D(ch, 4, strides=2, padding="same", name=f"d_conv{i}")(x)
        x = layers.LeakyReLU(0.2)(x)
        x = layers.Dropout(0.3)(x)
    x = layers.Flatten()(x)
    out = layers.Dense(1, name="d_logit")(x)
    return keras.Model([img, label], out, name="xray_discriminator")

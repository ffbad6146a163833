"""The xray-cnn architecture: small VGG-style members, exported as ONE flat functional model.

Why flat: Grad-CAM needs each member's last convolution reachable with ``get_layer`` and
Keras ``safe_mode`` loading forbids Lambda layers, so the ensemble average and the temperature
are plain layers (Average, Rescaling, Activation).
"""

from __future__ import annotations

import keras
from keras import layers

AUGMENT = {"translate": 0.08, "rotate": 0.04, "zoom": 0.08, "contrast": 0.2}


def _member(x, prefix: str, width: int, dropout: float):
    """Conv blocks -> global average pool -> one logit. Returns (logit, last_conv)."""
    conv = x
    for block, ch in enumerate((width, width * 2, width * 4)):
        for j in range(2):
            last = block == 2 and j == 1
            conv = layers.Conv2D(ch, 3, padding="same", use_bias=False,
                                 name=f"{prefix}_conv{block}{j}")(conv)
            conv = layers.BatchNormalization(momentum=0.9, name=f"{prefix}_bn{block}{j}")(conv)
            conv = layers.Activation("relu", name=f"{prefix}_last_conv" if last
                                     else f"{prefix}_relu{block}{j}")(conv)
        if block < 2:
            conv = layers.MaxPooling2D(name=f"{prefix}_pool{block}")(conv)
    feat = layers.GlobalAveragePooling2D(name=f"{prefix}_gap")(conv)
    feat = layers.Dropout(dropout, name=f"{prefix}_drop")(feat)
    logit = layers.Dense(1, name=f"{prefix}_logit")(feat)
    return logit, conv


def build_member(size: int, width: int, prefix: str = "m0", dropout: float = 0.3,
                 seed: int = 0) -> keras.Model:
    """Training model: uint8-range input -> scale -> random augmentation -> member -> logit."""
    keras.utils.set_random_seed(seed)
    inp = keras.Input((size, size, 1), name="image")
    x = layers.Rescaling(1 / 255.0, name="scale")(inp)
    x = layers.RandomTranslation(AUGMENT["translate"], AUGMENT["translate"],
                                 fill_mode="nearest", seed=seed, name="aug_shift")(x)
    x = layers.RandomRotation(AUGMENT["rotate"], fill_mode="nearest", seed=seed,
                              name="aug_rot")(x)
    x = layers.RandomZoom(AUGMENT["zoom"], fill_mode="nearest", seed=seed, name="aug_zoom")(x)
    x = layers.RandomContrast(AUGMENT["contrast"], seed=seed, name="aug_contrast")(x)
    logit, _ = _member(x, prefix, width, dropout)
    return keras.Model(inp, logit, name=f"{prefix}_train")


def export_ensemble(members: list[keras.Model], size: int, width: int,
                    temperature: float) -> keras.Model:
    """Inference graph: mean of member logits / temperature -> sigmoid (calibrated P(pneumonia)).

    Augmentation layers are left out; weights are copied layer by layer by name.
    """
    inp = keras.Input((size, size, 1), name="image")
    x = layers.Rescaling(1 / 255.0, name="scale")(inp)
    logits = []
    for i, _ in enumerate(members):
        logit, _ = _member(x, f"m{i}", width, 0.0)
        logits.append(logit)
    if len(logits) > 1:
        mean = layers.Average(name="mean_logit")(logits)
    else:
        mean = layers.Identity(name="mean_logit")(logits[0])
    scaled = layers.Rescaling(1.0 / temperature, name="temperature")(mean)
    prob = layers.Activation("sigmoid", name="probability")(scaled)
    model = keras.Model(inp, prob, name="xray_cnn")
    for i, member in enumerate(members):
        for layer in member.layers:
            if layer.weights and layer.name.startswith(f"m{i}_"):
                model.get_layer(layer.name).set_weights(layer.get_weights())
    return model


def logit_model(model: keras.Model) -> keras.Model:
    """Image -> mean member logit before the temperature (for calibration and baselines)."""
    return keras.Model(model.inputs, model.get_layer("mean_logit").output)


def member_logit_model(model: keras.Model, index: int = 0) -> keras.Model:
    """Image -> logit of one member (the single-model baseline inside the ensemble)."""
    return keras.Model(model.inputs, model.get_layer(f"m{index}_logit").output)


def member_count(model: keras.Model) -> int:
    return sum(1 for layer in model.layers if layer.name.endswith("_last_conv"))


def feature_model(model: keras.Model) -> keras.Model:
    """Image -> concatenated pooled features of every member (used by OOD and the GAN's FD)."""
    gaps = [layer.output for layer in model.layers if layer.name.endswith("_gap")]
    out = gaps[0] if len(gaps) == 1 else layers.Concatenate(name="features")(gaps)
    return keras.Model(model.inputs, out, name="xray_features")

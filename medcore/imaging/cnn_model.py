"""The xray-cnn architecture: small VGG-style members, exported as ONE flat functional model.

Why flat: Grad-CAM needs each member's last convolution reachable with ``get_layer`` and
Keras ``safe_mode`` loading forbids Lambda layers, so the ensemble average and the temperature
are plain layers (Average, Rescaling, Activation).
"""

from __future__ import annotations

import keras
from keras import layers

AUGMENT = {"translate": 0.08, "rotate": 0.04, "zoom": 0.08, "contrast": 0.2, "brightness": 0.0}
CONVS = (2, 2, 2)  # convolutions per block (v1's members); 28 px -> 14 -> 7


def _member(x, prefix: str, width: int, dropout: float, convs: tuple[int, ...] = CONVS,
            stem: int = 0):
    """[stem] -> conv blocks -> global average pool -> one logit. Returns (logit, last_conv).

    ``stem`` > 0 starts with a 5x5 stride-2 convolution of ``stem`` channels and a max pool, so
    a 224 px film reaches the blocks at 56 px: the cost of a 224 px input stays near a 64 px one
    (2-core CPUs train and serve it). Block ``b`` has ``convs[b]`` 3x3 convolutions of
    ``width * 2**b`` channels; max pooling between blocks.
    """
    conv = x
    if stem:
        conv = layers.Conv2D(stem, 5, strides=2, padding="same", use_bias=False,
                             name=f"{prefix}_stem")(conv)
        conv = layers.BatchNormalization(momentum=0.9, name=f"{prefix}_stem_bn")(conv)
        conv = layers.Activation("relu", name=f"{prefix}_stem_relu")(conv)
        conv = layers.MaxPooling2D(name=f"{prefix}_stem_pool")(conv)
    for block, n_conv in enumerate(convs):
        ch = width * 2 ** block
        for j in range(n_conv):
            last = block == len(convs) - 1 and j == n_conv - 1
            conv = layers.Conv2D(ch, 3, padding="same", use_bias=False,
                                 name=f"{prefix}_conv{block}{j}")(conv)
            conv = layers.BatchNormalization(momentum=0.9, name=f"{prefix}_bn{block}{j}")(conv)
            conv = layers.Activation("relu", name=f"{prefix}_last_conv" if last
                                     else f"{prefix}_relu{block}{j}")(conv)
        if block < len(convs) - 1:
            conv = layers.MaxPooling2D(name=f"{prefix}_pool{block}")(conv)
    feat = layers.GlobalAveragePooling2D(name=f"{prefix}_gap")(conv)
    feat = layers.Dropout(dropout, name=f"{prefix}_drop")(feat)
    logit = layers.Dense(1, name=f"{prefix}_logit")(feat)
    return logit, conv


def build_member(size: int, width: int, prefix: str = "m0", dropout: float = 0.3,
                 seed: int = 0, convs: tuple[int, ...] = CONVS,
                 augment: dict | None = None, stem: int = 0) -> keras.Model:
    """Training model: uint8-range input -> scale -> random augmentation -> member -> logit.

    ``augment``: ranges as in :data:`AUGMENT` (missing keys from there); brightness shifts
    the whole image by up to that fraction of the 0-1 range.
    """
    aug = {**AUGMENT, **(augment or {})}
    keras.utils.set_random_seed(seed)
    inp = keras.Input((size, size, 1), name="image")
    x = layers.Rescaling(1 / 255.0, name="scale")(inp)
    x = layers.RandomTranslation(aug["translate"], aug["translate"],
                                 fill_mode="nearest", seed=seed, name="aug_shift")(x)
    x = layers.RandomRotation(aug["rotate"], fill_mode="nearest", seed=seed, name="aug_rot")(x)
    x = layers.RandomZoom(aug["zoom"], fill_mode="nearest", seed=seed, name="aug_zoom")(x)
    x = layers.RandomContrast(aug["contrast"], seed=seed, name="aug_contrast")(x)
    if aug["brightness"]:
        x = layers.RandomBrightness(aug["brightness"], value_range=(0.0, 1.0), seed=seed,
                                    name="aug_brightness")(x)
    logit, _ = _member(x, prefix, width, dropout, convs, stem)
    return keras.Model(inp, logit, name=f"{prefix}_train")


def export_ensemble(members: list[keras.Model], size: int, width: int,
                    temperature: float, convs: tuple[int, ...] = CONVS,
                    offset: float = 0.0, stem: int = 0) -> keras.Model:
    """Inference graph: mean member logit / temperature + offset -> sigmoid = P(pneumonia).

    ``offset`` moves the calibrated probability to the deployment prevalence
    (:func:`medcore.calibration.prior_shift_offset`); one Rescaling layer holds both.

    Augmentation layers are left out; weights are copied layer by layer by name.
    """
    inp = keras.Input((size, size, 1), name="image")
    x = layers.Rescaling(1 / 255.0, name="scale")(inp)
    logits = []
    for i, _ in enumerate(members):
        logit, _ = _member(x, f"m{i}", width, 0.0, convs, stem)
        logits.append(logit)
    if len(logits) > 1:
        mean = layers.Average(name="mean_logit")(logits)
    else:
        mean = layers.Identity(name="mean_logit")(logits[0])
    scaled = layers.Rescaling(1.0 / temperature, offset=offset, name="temperature")(mean)
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


def feature_model(model: keras.Model) -> keras.Model:
    """Image -> concatenated pooled features of every member (used by OOD and the GAN's FD)."""
    gaps = [layer.output for layer in model.layers if layer.name.endswith("_gap")]
    out = gaps[0] if len(gaps) == 1 else layers.Concatenate(name="features")(gaps)
    return keras.Model(model.inputs, out, name="xray_features")

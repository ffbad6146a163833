"""One path from decoded image to prediction + Grad-CAM + OOD flag, shared by page and CLI."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from medcore.imaging.io import XrayImage, load_upload
from medcore.imaging.preprocess import batch, to_model_input

_fns: dict[tuple[str, int], object] = {}
_lock = threading.Lock()


@dataclass
class Analysis:
    """The result for one image; ``summary()`` is the JSON-able part."""

    image: XrayImage
    model_input: np.ndarray  # (size, size) uint8, exactly what the model saw
    probability: float
    threshold: float
    label: str
    ood: dict
    cam: np.ndarray | None = None  # (size, size) Grad-CAM in [0, 1]

    def summary(self) -> dict:
        out = {"file": self.image.name, "probability_pneumonia": round(self.probability, 4),
               "prediction": self.label, "threshold": round(self.threshold, 4),
               "out_of_distribution": self.ood["flag"], "ood_reason": self.ood["reason"],
               "source": self.image.source, "original_size": list(self.image.original_size),
               "notes": list(self.image.notes)}
        if self.cam is not None:
            r, c = np.unravel_index(int(np.argmax(self.cam)), self.cam.shape)
            out["gradcam_peak"] = {"row": int(r), "col": int(c), "of": int(self.cam.shape[0])}
            out["gradcam_mass_centre_third"] = round(float(_centre_mass(self.cam)), 4)
        return out


def decide(p: float, threshold: float, class_names: list[str]) -> str:
    """The class the page, CSV and CLI report: the positive class at ``p >= threshold``.

    Why one function: the first reading and the re-reading at another prevalence must agree.
    """
    return class_names[int(p >= threshold)]


def _centre_mass(cam: np.ndarray) -> float:
    """Share of the heat map inside the central third (lungs), a compact summary."""
    n = cam.shape[0]
    a, b = n // 3, n - n // 3
    total = float(cam.sum())
    return float(cam[:, a:b].sum()) / total if total > 0 else 0.0


def fast_predict(model):
    """A compiled ``tf.function`` for the model: ~1 ms per image instead of ``model.predict``."""
    import tensorflow as tf

    with _lock:
        fn = _fns.get(("prob", id(model)))
        if fn is None:
            fn = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
            _fns[("prob", id(model))] = fn
    return fn


def predict_logit(bundle, x: np.ndarray) -> np.ndarray:
    """Calibrated log-odds of pneumonia (the input of the final sigmoid); SHAP explains this
    because probabilities near 0 or 1 saturate and leave nothing to attribute."""
    import keras
    import tensorflow as tf

    model = bundle.model
    with _lock:
        fn = _fns.get(("logit", id(model)))
        if fn is None:
            sub = keras.Model(model.inputs, model.get_layer("temperature").output)
            fn = tf.function(lambda t: sub(t, training=False), reduce_retracing=True)
            _fns[("logit", id(model))] = fn
    return np.asarray(fn(x)).ravel()


def predict_proba(bundle, x: np.ndarray) -> np.ndarray:
    """Calibrated P(pneumonia) for a float32 (n, size, size, 1) batch (TFLite where shipped)."""
    fast = bundle.extras.get("tflite")
    if fast is not None:
        return fast(x)
    return np.asarray(fast_predict(bundle.model)(x)).ravel()


def analyse(bundle, images: list[XrayImage], with_cam: bool = True) -> list[Analysis]:
    """Preprocess, predict, Grad-CAM and OOD-check a list of decoded images in one batch."""
    from medcore.explain.gradcam import gradcam
    from medcore.imaging import ood
    from medcore.imaging.cnn_model import feature_model

    if not images:
        return []
    size = int(bundle.extras["size"])
    inputs = [to_model_input(im.pixels, size) for im in images]
    x = batch(inputs)
    if with_cam:
        cams, probs = gradcam(bundle.model, x)
        probs = np.asarray(probs).ravel()
    else:
        cams, probs = [None] * len(images), predict_proba(bundle, x)
    feats = _features(bundle.model, feature_model, x)
    flags = ood.check(bundle.extras["ood"], feats, np.stack(inputs),
                      np.array([im.chroma for im in images]))
    thr = float(bundle.extras["threshold"])
    names = bundle.extras["class_names"]
    return [Analysis(im, inp, float(p), thr, decide(float(p), thr, names), flag, cam)
            for im, inp, p, flag, cam in zip(images, inputs, probs, flags, cams, strict=True)]


def _features(model, feature_model, x: np.ndarray) -> np.ndarray:
    import tensorflow as tf

    key = ("features", id(model))
    with _lock:
        fn = _fns.get(key)
        if fn is None:
            fm = feature_model(model)
            fn = tf.function(lambda t: fm(t, training=False), reduce_retracing=True)
            _fns[key] = fn
    return np.asarray(fn(x), np.float64)


def analyse_bytes(bundle, filename: str, data: bytes) -> Analysis:
    """Decode (raising ``InputError`` for a bad file) and analyse one upload."""
    return analyse(bundle, [load_upload(filename, data)])[0]

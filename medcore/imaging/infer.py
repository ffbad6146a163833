"""One path from decoded image to prediction + Grad-CAM + OOD flag, shared by page and CLI."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from medcore import conformal
from medcore.imaging.io import XrayImage, load_upload
from medcore.imaging.ood import Check
from medcore.imaging.preprocess import batch, to_model_input

_fns: dict[tuple[str, int], object] = {}
_lock = threading.Lock()


# The chest box on the (stretched) model input: rows and columns 10-90 %. Grad-CAM mass inside it
# is the measured answer to "did the model look at the chest, not at labels, arms or edges?".
CHEST_BOX = (0.1, 0.9)


@dataclass
class Analysis:
    """The result for one image; ``summary()`` is the JSON-able part.

    ``label`` is the class at the threshold; it is reported as the prediction only when both
    checks passed (``check.status == "ok"``): otherwise the answer is withheld with a reason.
    """

    image: XrayImage
    model_input: np.ndarray  # (size, size) uint8, exactly what the model saw
    probability: float
    threshold: float
    label: str
    check: Check
    model: str  # id, version, training date and file hash: what a result must be traced to
    prediction_set: list[str]  # conformal set at ``level``: both classes = uncertain
    level: float
    cam: np.ndarray | None = None  # (size, size) Grad-CAM in [0, 1]

    def summary(self) -> dict:
        ok = self.check.status == "ok"
        out = {"file": self.image.name, "status": self.check.status,
               "prediction": self.label if ok else None,
               "probability_pneumonia": round(self.probability, 4),
               "threshold": round(self.threshold, 4), "message": self.check.message,
               "prediction_set": self.prediction_set, "level": self.level,
               "model": self.model, "source": self.image.source,
               "original_size": list(self.image.original_size), "notes": list(self.image.notes),
               "check": self.check.details}
        if self.cam is not None:
            r, c = np.unravel_index(int(np.argmax(self.cam)), self.cam.shape)
            out["gradcam_peak"] = {"row": int(r), "col": int(c), "of": int(self.cam.shape[0])}
            out["gradcam_mass_in_chest_box"] = round(float(chest_box_mass(self.cam)), 4)
        return out


def decide(p: float, threshold: float, class_names: list[str]) -> str:
    """The class the page, CSV and CLI report: the positive class at ``p >= threshold``.

    Why one function: the first reading and the re-reading at another prevalence must agree.
    """
    return class_names[int(p >= threshold)]


def chest_box_mass(cam: np.ndarray) -> float:
    """Share of the heat map inside :data:`CHEST_BOX` (0 for an empty map)."""
    n, m = cam.shape
    lo, hi = CHEST_BOX
    total = float(cam.sum())
    inside = float(cam[int(n * lo):int(np.ceil(n * hi)), int(m * lo):int(np.ceil(m * hi))].sum())
    return inside / total if total > 0 else 0.0


def model_label(bundle) -> str:
    """``xray-cnn v3 (trained 2026-11-30, sha256 0123abcd)``: printed beside every result."""
    card = bundle.card
    version = f" v{card['version']}" if card.get("version") else ""
    return (f"{card.get('id', 'xray-cnn')}{version} (trained {card.get('date_trained', '?')}, "
            f"sha256 {str(card.get('sha256', ''))[:8]})")


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
    """Calibrated P(pneumonia) for a float32 (n, size, size, 1) batch."""
    return scores(bundle, x)[0]


def scores(bundle, x: np.ndarray, chunk: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """P(pneumonia) and the pooled features the second check measures, from one forward pass:
    the scoring path of the page, ``predict``, ``score`` and the bench (chunks keep 224 px
    activations small)."""
    import keras
    import tensorflow as tf

    model = bundle.model
    with _lock:
        fn = _fns.get(("scores", id(model)))
        if fn is None:
            from medcore.imaging.cnn_model import feature_model

            both = keras.Model(model.inputs, [model.output, feature_model(model).output])
            fn = tf.function(lambda t: both(t, training=False), reduce_retracing=True)
            _fns[("scores", id(model))] = fn
    probs, feats = [], []
    for i in range(0, len(x), chunk):
        p, f = fn(x[i:i + chunk])
        probs.append(np.asarray(p).ravel())
        feats.append(np.asarray(f, np.float64))
    if not probs:
        return np.zeros(0, np.float32), np.zeros((0, 0))
    return np.concatenate(probs), np.concatenate(feats)


def model_inputs(bundle, images: list[XrayImage]) -> list[np.ndarray]:
    """Each image reduced as the model's training films were (size and resize from its bundle)."""
    size = int(bundle.extras["size"])
    resize = bundle.extras.get("resize", "crop")
    return [to_model_input(im.pixels, size, resize) for im in images]


def conformal_sets(bundle, probs: np.ndarray, level: float) -> list[list[str]]:
    """Each film's conformal prediction set at ``level`` (class-conditional, calibrated on the
    validation films shipped in ``conformal.npz``)."""
    cal = bundle.extras["calibration"]
    return conformal.named_sets(conformal.binary(probs), conformal.binary(cal["p"]), cal["y"],
                                bundle.extras["class_names"], level)


def analyse(bundle, images: list[XrayImage], with_cam: bool = True,
            level: float = conformal.LEVEL) -> list[Analysis]:
    """Preprocess, predict, Grad-CAM, run both checks and give each film its conformal set."""
    from medcore.explain.gradcam import gradcam
    from medcore.imaging import ood

    if not images:
        return []
    inputs = model_inputs(bundle, images)
    x = batch(inputs)
    probs, feats = scores(bundle, x)
    cams = gradcam(bundle.model, x)[0] if with_cam else [None] * len(images)
    checks = ood.check(bundle.extras["ood"], feats, np.stack(inputs),
                       np.array([im.chroma for im in images]))
    thr = float(bundle.extras["threshold"])
    names = bundle.extras["class_names"]
    label = model_label(bundle)
    sets = conformal_sets(bundle, probs, level)
    return [Analysis(im, inp, float(p), thr, decide(float(p), thr, names), chk, label, ps,
                     level, cam)
            for im, inp, p, chk, ps, cam in zip(images, inputs, probs, checks, sets, cams,
                                                strict=True)]


def analyse_bytes(bundle, filename: str, data: bytes, with_cam: bool = True) -> Analysis:
    """Decode (raising ``InputError`` for a bad file) and analyse one upload."""
    return analyse(bundle, [load_upload(filename, data)], with_cam)[0]

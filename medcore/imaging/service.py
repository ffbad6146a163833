"""The imaging service: decoded films -> typed results (prediction, both checks, conformal set,
optionally Grad-CAM), the one path the page, ``predict``, ``score`` and the bench run.

``analyse`` takes decoded films; ``analyse_uploads`` is its page adapter (one bad file yields
``{"name", "error"}`` and never stops the others; results keep only the arrays the page draws,
so a session can hold them in memory). SHAP is asked for separately (``explain_shap``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from medcore import conformal, memo
from medcore.errors import InputError
from medcore.imaging.io import XrayImage, load_upload
from medcore.imaging.ood import Check
from medcore.imaging.preprocess import batch, to_model_input

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


@memo.per_model
def _logit_fn(model):
    import keras
    import tensorflow as tf

    sub = keras.Model(model.inputs, model.get_layer("temperature").output)
    return tf.function(lambda t: sub(t, training=False), reduce_retracing=True)


@memo.per_model
def _scores_fn(model):
    import keras
    import tensorflow as tf

    from medcore.imaging.cnn_model import feature_model

    both = keras.Model(model.inputs, [model.output, feature_model(model).output])
    return tf.function(lambda t: both(t, training=False), reduce_retracing=True)


def predict_logit(bundle, x: np.ndarray) -> np.ndarray:
    """Calibrated log-odds of pneumonia (the input of the final sigmoid); SHAP explains this
    because probabilities near 0 or 1 saturate and leave nothing to attribute."""
    return np.asarray(_logit_fn(bundle.model)(x)).ravel()


def predict_proba(bundle, x: np.ndarray) -> np.ndarray:
    """Calibrated P(pneumonia) for a float32 (n, size, size, 1) batch."""
    return scores(bundle, x)[0]


def scores(bundle, x: np.ndarray, chunk: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """P(pneumonia) and the pooled features the second check measures, from one forward pass:
    the scoring path of the page, ``predict``, ``score`` and the bench (chunks keep 224 px
    activations small)."""
    fn = _scores_fn(bundle.model)
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


FILM = 1024  # longest side of the film kept for display (zoom and window/level)


def upload_key(name: str, data: bytes) -> str:
    """Stable id of an upload (content hash + display name); never used as a path."""
    return hashlib.sha256(data).hexdigest()[:16] + ":" + name


def _film(pixels: np.ndarray) -> np.ndarray:
    """The film at its own aspect ratio, its longest side at most :data:`FILM` pixels."""
    from PIL import Image

    im = Image.fromarray(pixels, mode="L")
    im.thumbnail((FILM, FILM), Image.Resampling.LANCZOS)
    return np.asarray(im)


def analyse_uploads(bundle, files: list[tuple[str, bytes]], synthetic: set[str] | None = None
                    ) -> dict[str, dict]:
    """key -> entry for each (name, bytes): ``error`` or ``summary`` + arrays for display."""
    synthetic = synthetic or set()
    out: dict[str, dict] = {}
    good, keys = [], []
    for name, data in files:
        key = upload_key(name, data)
        try:
            good.append(load_upload(name, data))
            keys.append(key)
        except InputError as err:
            out[key] = {"name": name, "error": str(err)}
    for key, res in zip(keys, analyse(bundle, good), strict=True):
        out[key] = {"name": res.image.name, "summary": res.summary(), "p": res.probability,
                    "threshold": res.threshold,
                    "film": _film(res.image.pixels), "model_input": res.model_input,
                    "cam": res.cam, "tags": dict(res.image.dicom_tags),
                    "synthetic": res.image.name in synthetic}
    return out


def explain_shap(bundle, model_input: np.ndarray) -> tuple[np.ndarray, float]:
    """SHAP values of the calibrated log-odds for one image (partition explainer, blur masker).
    Values plus the base value sum to the image's log-odds."""
    from medcore.explain.shap_image import shap_image

    return shap_image(lambda x: predict_logit(bundle, x), model_input)


def at_prevalence(entry: dict, model_prevalence: float | None, prevalence: float | None,
                  class_names: list[str]) -> dict:
    """One result (an ``analyse_uploads`` entry) re-read at the user's pneumonia prevalence.

    Why: xray-cnn's probabilities hold at the prevalence it was calibrated for; a clinic where
    pneumonia is rarer should see lower ones. The decision stays ``p >= threshold`` (0.5: the
    accuracy-maximising one at that prevalence). Unchanged without both prevalences.
    """
    from medcore import calibration

    if model_prevalence is None or prevalence is None:
        return entry
    summary = entry["summary"]
    p = float(calibration.move_prevalence(np.array([entry["p"]]), model_prevalence,
                                          prevalence)[0])
    label = decide(p, entry["threshold"], class_names)
    return {**entry, "p": p, "summary": {
        **summary, "probability_pneumonia": round(p, 4), "prevalence": prevalence,
        "prediction": label if summary["status"] == "ok" else None}}


SET_MEANING = {0: "neither class fits this film well", 1: "the model is sure at this level",
               2: "uncertain: both classes"}


def prediction_set(bundle, entry: dict, level: float) -> list[str]:
    """The film's conformal set at ``level``, from its probability at the model's own prevalence
    (the sets were calibrated there), whatever prevalence the page reads it at."""
    return conformal_sets(bundle, np.array([entry["p"]]), level)[0]


STATUS = {"ok": "result", "not_chest_xray": "withheld: not a chest X-ray",
          "unlike_training": "withheld: unlike the training films"}


def results_table(entries: list[dict], card: dict):
    """One row per file, failed files included, with what a result must travel with: the
    warning, the file's notes, the model id and version, the threshold and the prediction set
    (the CSV download is this table)."""
    import pandas as pd

    from medcore import provenance

    rows, notes, thresholds, sets, levels = [], [], [], [], []
    for e in entries:
        if "summary" not in e:
            rows.append({"file": e["name"], "status": "error", "warning": e["error"]})
            notes.append("")
            thresholds.append(None)
            sets.append(None)
            levels.append(None)
            continue
        s = e["summary"]
        rows.append({"file": s["file"], "status": STATUS[s["status"]],
                     "prediction": s["prediction"] or "",
                     "P(pneumonia)": (None if s["status"] == "not_chest_xray"
                                      else s["probability_pneumonia"]),
                     "at_prevalence": s.get("prevalence"), "warning": s["message"],
                     "synthetic": e.get("synthetic", False), "format": s["source"],
                     "original_size": "x".join(map(str, s["original_size"]))})
        notes.append(s["notes"])
        thresholds.append(s["threshold"])
        sets.append(s["prediction_set"] if s["status"] == "ok" else None)
        levels.append(s["level"])
    return provenance.with_columns(pd.DataFrame(rows), card, notes=notes, threshold=thresholds,
                                   prediction_set=sets, level=levels)

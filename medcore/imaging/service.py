"""The imaging service: decoded films -> typed results (both checks, one answer read from the
prediction set, optionally Grad-CAM), the one path the page, ``predict``, ``score`` and the
bench run.

``analyse`` takes decoded films; ``analyse_uploads`` is its page adapter (one bad file yields
``{"name", "error"}`` and never stops the others; results keep only the arrays the page draws,
so a session can hold them in memory). SHAP is asked for separately (``explain_shap``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from medcore import memo, uploads
from medcore.imaging import answer
from medcore.imaging.io import XrayImage, load_upload
from medcore.imaging.ood import MONOCHROME1_NEGATIVE, Check
from medcore.imaging.preprocess import batch, to_model_input

# The chest box on the (stretched) model input: rows and columns 10-90 %. Grad-CAM mass inside it
# is the measured answer to "did the model look at the chest, not at labels, arms or edges?".
CHEST_BOX = (0.1, 0.9)


@dataclass
class Analysis:
    """The result for one image; ``summary()`` is the JSON-able part.

    One answer: ``status`` is ``decided``, ``uncertain`` or ``fits_neither`` (read from the
    prediction set, :mod:`medcore.imaging.answer`) when both checks passed, else the check's
    ``unlike_training`` or ``not_chest_xray``; ``prediction`` is a class only when decided.
    """

    image: XrayImage
    model_input: np.ndarray  # (size, size) uint8, exactly what the model saw
    probability: float  # recalibrated P(pneumonia) at the model's prevalence
    check: Check
    model: str  # id, version, training date and file hash: what a result must be traced to
    reading: dict  # status, prediction, prediction_set, band, level, probability (one rule)
    cam: np.ndarray | None = None  # (size, size) Grad-CAM in [0, 1]

    def summary(self) -> dict:
        notes = list(self.image.notes)
        if self.check.message == MONOCHROME1_NEGATIVE:  # one message says it all
            notes = [n for n in notes if not n.startswith("MONOCHROME1")]
        out = {"file": self.image.name, **self.reading, "message": self.check.message,
               "model": self.model, "source": self.image.source,
               "original_size": list(self.image.original_size), "notes": notes,
               "check": self.check.details}
        if self.cam is not None:
            r, c = np.unravel_index(int(np.argmax(self.cam)), self.cam.shape)
            out["gradcam_peak"] = {"row": int(r), "col": int(c), "of": int(self.cam.shape[0])}
            out["gradcam_mass_in_chest_box"] = round(float(chest_box_mass(self.cam)), 4)
        return out


def default_level(bundle) -> float:
    """The page's and the CLI's level: chosen by the rule in ``answer.json`` on calibration
    films only."""
    return float(bundle.extras["answer"]["level"])


def _calibration(bundle) -> tuple[np.ndarray, np.ndarray]:
    cal = bundle.extras["calibration"]
    return answer.recalibrate(cal["p"], bundle.extras["answer"]), np.asarray(cal["y"], int)


def readings(bundle, p: np.ndarray, check_status: list[str], level: float | None = None,
             prevalence: float | None = None) -> list[dict]:
    """The one answer per film, for films with recalibrated P(pneumonia) ``p`` (at the model's
    prevalence): probability, set, status and decision at ``level`` and at the user's
    ``prevalence``, all from :mod:`medcore.imaging.answer`. A flagged film keeps its check's
    status and gets no set and no decision."""
    from medcore import calibration

    level = default_level(bundle) if level is None else float(level)
    base = bundle.extras["answer"].get("prevalence")
    if base is None:
        prevalence = None
    p = np.asarray(p, float)
    shown = p if prevalence is None else calibration.move_prevalence(p, base, prevalence)
    p_cal, y_cal = _calibration(bundle)
    band = answer.band(p_cal, y_cal, level, prevalence, base)
    masks = answer.set_masks(p, p_cal, y_cal, level, prevalence, base)
    out = []
    for q, mask, status in zip(shown, masks, check_status, strict=True):
        row = {"status": status, "prediction": None, "prediction_set": None,
               "probability_pneumonia": round(float(q), 4), "level": level,
               "prevalence": prevalence, "band": band}
        if status == "ok":
            row["status"], row["prediction"], row["prediction_set"] = answer.read(
                mask, bundle.extras["class_names"])
        out.append(row)
    return out


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
    """The network's log-odds of pneumonia (the input of its final sigmoid); SHAP explains this
    because probabilities near 0 or 1 saturate and leave nothing to attribute."""
    return np.asarray(_logit_fn(bundle.model)(x)).ravel()


def predict_proba(bundle, x: np.ndarray) -> np.ndarray:
    """The network's P(pneumonia) (before recalibration) for a float32 (n, size, size, 1)
    batch."""
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


def analyse(bundle, images: list[XrayImage], with_cam: bool = True,
            level: float | None = None) -> list[Analysis]:
    """Preprocess, predict, Grad-CAM, run both checks and give each film its one answer."""
    from medcore.explain.gradcam import gradcam
    from medcore.imaging import ood

    if not images:
        return []
    inputs = model_inputs(bundle, images)
    x = batch(inputs)
    probs, feats = scores(bundle, x)
    cams = gradcam(bundle.model, x)[0] if with_cam else [None] * len(images)
    checks = ood.check(bundle.extras["ood"], feats, np.stack(inputs),
                       np.array([im.chroma for im in images]), [im.facts for im in images])
    label = model_label(bundle)
    probs = answer.recalibrate(probs, bundle.extras["answer"])
    reads = readings(bundle, probs, [c.status for c in checks], level)
    return [Analysis(im, inp, float(p), chk, label, rd, cam)
            for im, inp, p, chk, rd, cam in zip(images, inputs, probs, checks, reads, cams,
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
    keys = [upload_key(name, data) for name, data in files]
    films, failed = {}, {}
    for key, got in zip(keys, uploads.each(files, load_upload), strict=True):
        (failed if isinstance(got, uploads.Failed) else films)[key] = got
    out: dict[str, dict] = {k: {"name": f.name, "error": f.error} for k, f in failed.items()}
    for key, res in zip(films, analyse(bundle, list(films.values())), strict=True):
        out[key] = {"name": res.image.name, "summary": res.summary(), "p": res.probability,
                    "check_status": res.check.status,
                    "film": _film(res.image.pixels), "model_input": res.model_input,
                    "cam": res.cam, "tags": dict(res.image.dicom_tags),
                    "synthetic": res.image.name in synthetic}
    return out


# Partition explainer calls: 800 gave 69 regions (12 row x 8 column cuts, refined where the
# attribution is largest) on a test film, against 39 (8 x 7) at v3's 300; about 2.3x the time.
SHAP_EVALS = 800


def explain_shap(bundle, model_input: np.ndarray) -> tuple[np.ndarray, float]:
    """SHAP values of the network's log-odds for one image (partition explainer, blur masker).
    Values plus the base value sum to the image's log-odds."""
    from medcore.explain.shap_image import shap_image

    return shap_image(lambda x: predict_logit(bundle, x), model_input, max_evals=SHAP_EVALS)


def reread(bundle, entry: dict, level: float | None = None,
           prevalence: float | None = None) -> dict:
    """One result (an ``analyse_uploads`` entry) read at a level and at the user's pneumonia
    prevalence: the probability moves by Bayes' rule; set, status and decision move with it
    (:func:`readings`). Unchanged reading at the model's own prevalence and default level."""
    new = readings(bundle, np.array([entry["p"]]), [entry["check_status"]], level,
                   prevalence)[0]
    return {**entry, "summary": {**entry["summary"], **new}}


STATUS = {"decided": "result", "uncertain": "uncertain: both classes",
          "fits_neither": "fits neither class", "not_chest_xray": "withheld: not a chest X-ray",
          "unlike_training": "withheld: unlike the training films"}
ANSWER_WORDS = {"uncertain": "uncertain", "fits_neither": "fits neither class",
                "not_chest_xray": "withheld: not a chest X-ray",
                "unlike_training": "withheld: unlike the training films"}


def answer_text(summary: dict) -> str:
    """The answer in words: the class when decided, else what the set or the check says."""
    return summary["prediction"] or ANSWER_WORDS[summary["status"]]


def results_table(entries: list[dict], card: dict):
    """One row per file, failed files included, with what a result must travel with: the
    answer, the warning, the file's notes, the model id and version, the prediction set and its
    level (the CSV download is this table; ``threshold`` says there is none)."""
    import pandas as pd

    from medcore import provenance

    rows, notes, sets, levels = [], [], [], []
    for e in entries:
        if "summary" not in e:
            rows.append({"file": e["name"], "status": "error", "warning": e["error"]})
            notes.append("")
            sets.append(None)
            levels.append(None)
            continue
        s = e["summary"]
        rows.append({"file": s["file"], "status": STATUS[s["status"]],
                     "prediction": s["prediction"] or "", "answer": answer_text(s),
                     "P(pneumonia)": (None if s["status"] == "not_chest_xray"
                                      else s["probability_pneumonia"]),
                     "at_prevalence": s.get("prevalence"), "warning": s["message"],
                     "synthetic": e.get("synthetic", False), "format": s["source"],
                     "original_size": "x".join(map(str, s["original_size"]))})
        notes.append(s["notes"])
        sets.append(s["prediction_set"])
        levels.append(s["level"])
    return provenance.with_columns(pd.DataFrame(rows), card, notes=notes, threshold=RULE_SHORT,
                                   prediction_set=sets, level=levels)


RULE_SHORT = "none: the answer is read from the prediction set"

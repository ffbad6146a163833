"""Analyse a batch of uploads for the page: per-file errors, results as plain dicts.

One bad file yields ``{"name", "error"}`` and never stops the others. Results hold only the
arrays the page draws (the film at display size, the model input, Grad-CAM) so a session can
keep them in memory.
"""

from __future__ import annotations

import hashlib

import numpy as np

from medcore.errors import InputError
from medcore.imaging import infer
from medcore.imaging.io import load_upload

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
    for key, res in zip(keys, infer.analyse(bundle, good), strict=True):
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

    return shap_image(lambda x: infer.predict_logit(bundle, x), model_input)


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
    label = infer.decide(p, entry["threshold"], class_names)
    return {**entry, "p": p, "summary": {
        **summary, "probability_pneumonia": round(p, 4), "prevalence": prevalence,
        "prediction": label if summary["status"] == "ok" else None}}


SET_MEANING = {0: "neither class fits this film well", 1: "the model is sure at this level",
               2: "uncertain: both classes"}
def prediction_set(bundle, entry: dict, level: float) -> list[str]:
    """The film's conformal set at ``level``, from its probability at the model's own prevalence
    (the sets were calibrated there), whatever prevalence the page reads it at."""
    return infer.conformal_sets(bundle, np.array([entry["p"]]), level)[0]


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


def example_upload(gan_bundle, seed: int = 7, label: int = 1) -> tuple[str, bytes]:
    """A GAN-generated X-ray (upscaled to 224 px PNG) for "Try an example"; no data needed."""
    from PIL import Image

    from medcore.imaging.figures import png_bytes
    from medcore.imaging.gan import generate_images

    img = generate_images(gan_bundle, 1, seed=seed, label=label)[0]
    big = np.asarray(Image.fromarray(img, mode="L").resize((224, 224), Image.Resampling.BICUBIC))
    kind = "pneumonia" if label else "normal"
    return f"synthetic_{kind}_seed{seed}.png", png_bytes(big)


def generate_gallery(gan_bundle, n: int, seed: int, label: int | None
                     ) -> tuple[list[np.ndarray], list[str]]:
    """``n`` generated images and their file names (``<i>_<class>_seed<seed>.png``)."""
    from medcore.imaging.gan import generate_images

    images = generate_images(gan_bundle, n, seed=seed, label=label)
    classes = [label if label is not None else i % 2 for i in range(n)]
    names = [f"{i:03d}_{'pneumonia' if c else 'normal'}_seed{seed}.png"
             for i, c in enumerate(classes)]
    return list(images), names

"""A film's report from an ``imaging.service.analyse_uploads`` entry (the page's result)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from medcore import conformal
from medcore.imaging import figures, service
from medcore.report import Case, Failure, Figure, Table, model_facts, read_files, rgb_png

SIDE = 640  # longest side of the film in the report: readable, and a report stays small
OPACITY = 0.4  # the page's default overlay opacity


def _small(pixels: np.ndarray) -> np.ndarray:
    from PIL import Image

    im = Image.fromarray(np.asarray(pixels, np.uint8))
    im.thumbnail((SIDE, SIDE), Image.Resampling.LANCZOS)
    return np.asarray(im)


def _checks(details: dict) -> Table:
    rows = [[k, v if isinstance(v, int | float | str | bool) or v is None
             else json.dumps(v, default=float)] for k, v in details.items()]
    return Table("The checks behind this answer", ["check", "value"], rows)


def case(bundle, entry: dict, level: float = conformal.LEVEL, show_tags: bool = False,
         shap: np.ndarray | None = None, set_from: dict | None = None) -> Case:
    """The report of one analysed film. DICOM patient tags appear only with ``show_tags``
    (the page's toggle); SHAP values are drawn when the page has computed them. ``set_from``
    is the entry at the model's own prevalence when ``entry`` was re-read at the user's (the
    sets were calibrated there)."""
    s = entry["summary"]
    ok, withheld = s["status"] == "ok", s["status"] == "unlike_training"
    W, H = s["original_size"]
    tags = entry.get("tags") or {}
    inputs = [("File", s["file"]), ("Format", s["source"]), ("Original size", f"{W}x{H} px")]
    inputs += [("Preprocessing", n) for n in s["notes"]]
    if s.get("prevalence") is not None:
        inputs.append(("Read at pneumonia prevalence", f"{s['prevalence']:.1%}"))
    if tags and show_tags:
        inputs += [(f"DICOM {k}", v) for k, v in tags.items()]
    elif tags:
        inputs.append(("DICOM patient tags", f"{len(tags)} hidden (shown only on request)"))
    film = _small(entry["film"])
    figs = []
    if s["status"] != "not_chest_xray":
        figs.append(Figure("Grad-CAM over the film", rgb_png(figures.blend(
            film, entry["cam"], OPACITY)), caption="Where the last convolution looked "
            "(red: most). A map on the chest is necessary, not sufficient, for trust."))
        if shap is not None:
            figs.append(Figure("SHAP on log-odds", rgb_png(figures.blend(
                film, shap, OPACITY, diverging=True)),
                caption="Red pushed towards pneumonia, blue towards normal."))
        figs.append(Figure("What the model saw", rgb_png(entry["model_input"]),
                           caption="The film reduced as the training films were."))
    if ok:
        result = f"{s['prediction']} (P(pneumonia) {s['probability_pneumonia']:.3f})"
    else:
        result = service.STATUS[s["status"]]
    return Case(
        kind="film", name=s["file"], model=model_facts(bundle.card), result=result,
        inputs=inputs,
        probability=None if s["status"] == "not_chest_xray" else s["probability_pneumonia"],
        probability_of="of pneumonia" + (" (not a result: unlike the training films)"
                                         if withheld else ""),
        threshold=s["threshold"],
        prediction_set=(service.prediction_set(bundle, set_from or entry, level) if ok
                        else None),
        level=level if ok else None,
        warnings=[s["message"]] if s["message"] else [],
        tables=[_checks(s["check"])], figures=figs, synthetic=bool(entry.get("synthetic")))


def cases_from_paths(bundle, paths: list[Path]) -> list[Case | Failure]:
    """The page's path for files on disk: one case per film, one failure per unreadable file."""
    files, unread = read_files(paths)
    entries = service.analyse_uploads(bundle, files)
    return unread + [Failure(e["name"], e["error"]) if "error" in e else case(bundle, e)
                     for e in entries.values()]

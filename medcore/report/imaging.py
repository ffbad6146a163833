"""A film's report from an ``imaging.service.FilmResult`` (the page's result)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from medcore import uploads
from medcore.imaging import figures, service
from medcore.imaging.ood import check_rows
from medcore.report import Case, Failure, Figure, Table, model_facts, rgb_png

SIDE = 640  # longest side of the film in the report: readable, and a report stays small
OPACITY = 0.4  # the page's default overlay opacity


def _small(pixels: np.ndarray) -> np.ndarray:
    from PIL import Image

    im = Image.fromarray(np.asarray(pixels, np.uint8))
    im.thumbnail((SIDE, SIDE), Image.Resampling.LANCZOS)
    return np.asarray(im)


def _checks(details: dict) -> Table:
    return Table("The checks behind this answer", ["check", "this film", "limit", "verdict"],
                 [list(r) for r in check_rows(details)])


def case(bundle, result: service.FilmResult, show_tags: bool = False) -> Case:
    """The report of one analysed film, as read on the page (from ``service.analyse_uploads``,
    re-read by ``service.set_level`` at the page's level and prevalence). DICOM patient tags
    appear only with ``show_tags`` (the page's toggle); SHAP is drawn when the result has it
    (``service.explain``)."""
    s = result.to_row()
    withheld = s["status"] in ("unlike_training", "not_chest_xray")
    W, H = s["original_size"]
    tags = result.image.dicom_tags or {}
    shap = result.shap[0] if result.shap is not None else None
    inputs = [("File", s["file"]), ("Format", s["source"]), ("Original size", f"{W}x{H} px")]
    inputs += [("Preprocessing", n) for n in s["notes"]]
    if s.get("prevalence") is not None:
        inputs.append(("Read at pneumonia prevalence", f"{s['prevalence']:.1%}"))
    if tags and show_tags:
        inputs += [(f"DICOM {k}", v) for k, v in tags.items()]
    elif tags:
        inputs.append(("DICOM patient tags", f"{len(tags)} hidden (shown only on request)"))
    film = _small(result.image.pixels)
    figs = []
    if withheld:
        figs.append(Figure("The film as uploaded", rgb_png(figures.blend(film, None, 0)),
                           caption="No answer is given for this film: " + s["message"]))
    if s["status"] != "not_chest_xray":
        figs.append(Figure("Grad-CAM over the film", rgb_png(figures.blend(
            film, result.cam, OPACITY)), caption="Where the last convolution looked, on the "
            "Jet scale: blue 0 (least) to red 1 (most). A map on the chest is necessary, not "
            "sufficient, for trust."))
        if shap is not None:
            figs.append(Figure("SHAP on the model's log-odds", rgb_png(figures.blend(
                film, shap, OPACITY, diverging=True)),
                caption=f"Red pushed towards pneumonia, blue towards normal; full colour = "
                        f"{figures.shap_limit(shap):.3g} log-odds."))
        figs.append(Figure("What the model saw", rgb_png(result.model_input),
                           caption="The film reduced as the training films were."))
    decided = s["status"] == "decided"
    if decided:
        headline = f"{s['prediction']} (P(pneumonia) {s['probability_pneumonia']:.3f})"
    elif withheld:
        headline = service.STATUS[s["status"]]
    else:
        headline = f"no answer (P(pneumonia) {s['probability_pneumonia']:.3f})"
    band = s["band"]
    inputs.append(("Decision rule", f"{service.RULE_SHORT}: at {s['level']:.0%}, normal below "
                   f"P {band['normal_below']:.2f}, pneumonia from {band['pneumonia_from']:.2f}"))
    return Case(
        kind="film", name=s["file"], model=model_facts(bundle.card), result=headline,
        inputs=inputs,
        probability=None if s["status"] == "not_chest_xray" else s["probability_pneumonia"],
        probability_of="of pneumonia" + (" (not a result: unlike the training films)"
                                         if s["status"] == "unlike_training" else
                                         " (recalibrated on official test films)"),
        threshold=None,
        prediction_set=s["prediction_set"],
        level=s["level"] if s["prediction_set"] is not None else None,
        warnings=[s["message"]] if s["message"] else [],
        tables=[_checks(s["check"])], figures=figs, synthetic=result.synthetic)


def cases_from_paths(bundle, paths: list[Path]) -> list[Case | Failure]:
    """The page's path for files on disk: one case per film, one failure per unreadable file."""
    files, unread = uploads.partition(uploads.each(paths, lambda name, data: (name, data)))
    results = service.analyse_uploads(bundle, files)
    return unread + [Failure(r.name, r.error) if isinstance(r, uploads.Failed) else
                     case(bundle, r) for r in results.values()]

"""Model module for ``xray-cnn``: pneumonia vs normal on the Kermany films at 224 px.

A VGG-style CNN with a strided stem (``cnn_model``), trained with augmentation and
temperature-scaled on validation. Validation has the training ratio (74 % pneumonia), the test
split more normals (62.5 %): probabilities are moved to the deployment prevalence and the
network's own figures use 0.5 (``calibration.fit_operating_point``); ``prevalence=None`` keeps
v1's rule, Youden's J on validation. What users get is not that threshold but one answer read
from each film's prediction set (:mod:`medcore.imaging.answer`, fitted on the calibration half
of the test films). The test split is scored once, at the end of ``train``, through
:func:`_held_out_metrics`; ``python -m medcore.imaging.refit`` refits the answer rule and the
checks of the shipped network and rescores.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from medcore import calibration, conformal, metrics
from medcore.imaging import answer
from medcore.imaging import data as xdata
from medcore.imaging.cnn_card import build_card
from medcore.imaging.cnn_fit import fit_member

log = logging.getLogger(__name__)
CUSTOM_OBJECTS: dict = {}
EXPLANATION: str | None = "gradcam_peak"  # Grad-CAM peak, share in the chest box
MODEL_ID = "xray-cnn"
# v3's design, pre-committed in the card (design_v3) before its one scoring of the test split.
SIZE, MEMBERS, STEM, WIDTH, CONVS, EPOCHS, BATCH = 224, 1, 24, 32, (2, 2, 2), 30, 32
AUGMENT: dict = {"brightness": 0.1, "contrast": 0.3}  # on top of cnn_model.AUGMENT
RESIZE = "stretch"  # the whole film to a square, as the kermany224 copy was made
CALIBRATION = "conformal.npz"


def fit_network(size: int = SIZE, *, quick: bool = False, members: int = MEMBERS,
                stem: int = STEM, width: int = WIDTH, convs: tuple[int, ...] = CONVS,
                epochs: int = EPOCHS, augment: dict | None = None, seed: int = 0,
                out: Path | None = None) -> list:
    """The trained members (no calibration, no test data): the long part of ``train``.

    ``out``: also save them as one ``.keras`` file for ``train(..., network=out)``.
    """
    from medcore.imaging import cnn_model
    from medcore.settings import data_dir

    train_s = xdata.load_kermany(data_dir(), size)["train"]
    if quick:
        members, width, stem, epochs = 1, 8, 8, 1
        train_s = xdata.subset(train_s, 256)
    augment = {**cnn_model.AUGMENT, **AUGMENT, **(augment or {})}
    fitted = [fit_member(train_s, size, width, epochs, seed + i, f"m{i}", convs=tuple(convs),
                         augment=augment, stem=stem, batch_size=BATCH) for i in range(members)]
    if out is not None:
        cnn_model.export_ensemble(fitted, size, width, temperature=1.0, convs=tuple(convs),
                                  stem=stem).save(out)
    return fitted


def train(out_dir: Path, *, quick: bool = False, size: int = SIZE, members: int = MEMBERS,
          stem: int = STEM, width: int = WIDTH, convs: tuple[int, ...] = CONVS,
          epochs: int = EPOCHS, augment: dict | None = None,
          prevalence: float | None = xdata.DEPLOYMENT_PREVALENCE, seed: int = 0,
          network: str | None = None, **_options) -> dict:
    """Train the network, fit the operating point on validation, score test once.

    ``prevalence``: the share of pneumonia where the model is used; probabilities are moved
    there and the threshold is 0.5. ``None`` keeps validation's ratio and Youden's threshold.
    ``network``: a ``.keras`` file of members saved by :func:`fit_network` (same settings) to
    finish a run whose fitting was done separately.
    """
    import keras

    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    from medcore.imaging import cnn_model
    from medcore.imaging.cnn_model import export_ensemble, logit_model
    from medcore.settings import data_dir

    splits = xdata.load_kermany(data_dir(), size)
    if quick:
        members, width, stem, epochs = 1, 8, 8, 1
    convs = tuple(convs)
    shape = {"convs": convs, "stem": stem}
    if network:  # its layers carry every member's weights under the same names
        fitted = [keras.saving.load_model(network)] * members
    else:
        fitted = fit_network(size, quick=quick, members=members, stem=stem, width=width,
                             convs=convs, epochs=epochs, augment=augment, seed=seed)
    raw = export_ensemble(fitted, size, width, temperature=1.0, **shape)
    val_s = splits["val"]
    point = calibration.fit_operating_point(_predict(logit_model(raw), val_s.x), val_s.y,
                                            prevalence)
    model = export_ensemble(fitted, size, width, temperature=point["temperature"],
                            offset=point["offset"], **shape)
    prep = {"size": size, "temperature": round(point["temperature"], 6),
            "offset": round(point["offset"], 6), "threshold": round(point["threshold"], 6),
            "prevalence": prevalence, "class_names": xdata.CLASS_NAMES,
            "resize": RESIZE, "interpolation": "PIL bicubic",
            "input_range": "0-255 grayscale, shape (size, size, 1)", "quick": quick}
    model.save(out_dir / "model.keras")
    (out_dir / "preprocess.json").write_text(json.dumps(prep, indent=2))
    save_calibration(model, splits["test"], out_dir)
    fit_checks(model, splits, out_dir, data_dir(), quick)
    extras = load_extras(out_dir, {})
    held_out, curves = _held_out_metrics(model, extras, data_dir(), with_curves=True)
    keras.backend.clear_session(free_memory=False)
    config = {"size": size, "members": members, "stem": stem, "width": width,
              "convs": list(convs), "epochs": epochs, "batch_size": BATCH,
              "augment": {**cnn_model.AUGMENT, **AUGMENT, **(augment or {})},
              "prevalence": prevalence, "seed": seed, "quick": quick}
    return build_card(model, prep, held_out, curves, xdata.class_counts(splits), config)


def load_extras(folder: Path, card: dict) -> dict:
    from medcore.imaging.ood import load_ood

    extras = json.loads((Path(folder) / "preprocess.json").read_text())
    extras["ood"] = load_ood(Path(folder))
    with np.load(Path(folder) / CALIBRATION) as f:
        extras["calibration"] = {"p": f["p"], "y": f["y"]}
    extras["answer"] = answer.load(Path(folder))
    return extras


def save_calibration(model, test: xdata.Split, folder: Path) -> None:
    """P(pneumonia) and labels of one stratified half of the official test films: the
    calibration set of the conformal prediction sets (any level can be asked for at run time,
    so the scores ship, not one threshold). Not the validation films: those are carved from
    the training folder and differ from the test films (sets calibrated on them covered 0.74
    of test films at 90 %, and 0.35 of normal ones)."""
    cal, _ = conformal.halves(test.y)
    p_cal = _predict(model, test.x[cal])
    np.savez(Path(folder) / CALIBRATION, p=p_cal, y=test.y[cal])
    answer.save(answer.fit(p_cal, test.y[cal], float(np.mean(test.y[cal]))), folder)


def features_of(model):
    """uint8 (n, size, size) -> the model's pooled features (what the second check measures)."""
    from medcore.imaging.cnn_model import feature_model

    fm = feature_model(model)
    return lambda x: np.asarray(fm.predict(x[..., None].astype(np.float32), batch_size=256,
                                           verbose=0), np.float64)


def _predict(model, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(x[..., None].astype(np.float32), batch_size=512,
                                    verbose=0)).ravel()


def fit_checks(model, splits: dict, folder: Path, data_dir: Path, quick: bool = False) -> None:
    """Fit both checks (``ood.fit_ood``) on training films, the fit part of the adult films and
    generated images; limits on validation films."""
    from medcore.imaging.ood import fit_ood

    adult = xdata.load_adult_normal(data_dir, splits["train"].x.shape[1])["fit"].x
    if quick:  # tiny test models: both checks fitted on slices (the full run reads them all)
        fit_ood(features_of(model), xdata.subset(splits["train"], 256).x,
                xdata.subset(splits["val"], 128).x, folder, adult[:64], n_films=140,
                n_per_family=40, epochs=1)
    else:
        fit_ood(features_of(model), splits["train"].x, splits["val"].x, folder, adult)


def _forward(model):
    """uint8 (n, size, size) -> (P(pneumonia), pooled features) from one forward pass: the
    checks and the answer read the same films, so evaluating them costs one pass, not two
    (the outputs are bitwise those of the two separate models)."""
    import keras

    from medcore.imaging.cnn_model import feature_model

    both = keras.Model(model.inputs, [model.output, feature_model(model).output])

    def run(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p, f = both.predict(x[..., None].astype(np.float32), batch_size=256, verbose=0)
        return np.asarray(p).ravel(), np.asarray(f, np.float64)
    return run


def decider(model, extras: dict, level: float | None = None):
    """uint8 (n, size, size) -> (the decided class per film (-1: uncertain or fits neither),
    the pooled features), by the page's rule at its default level (checks not applied)."""
    params = extras["answer"]
    level = params["level"] if level is None else level
    p_cal = answer.recalibrate(extras["calibration"]["p"], params)
    y_cal = np.asarray(extras["calibration"]["y"], int)
    forward = _forward(model)

    def decide(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p, feats = forward(x)
        masks = answer.set_masks(answer.recalibrate(p, params), p_cal, y_cal, level)
        return np.where(masks.sum(axis=1) == 1, np.argmax(masks, axis=1), -1), feats
    return decide


def _answer_metrics(model, extras: dict, test: xdata.Split, p_test: np.ndarray,
                    flagged_test: np.ndarray, adult: np.ndarray) -> dict:
    """The one answer measured: on the test films not used for calibration (flags included),
    on all test films (flags), per level (curve), and on the adult normals kept aside."""
    from medcore.imaging import ood

    params = extras["answer"]
    cal, rest = conformal.halves(test.y)
    shipped = extras["calibration"]
    if not np.allclose(shipped["p"], p_test[cal], atol=1e-4):
        raise ValueError("conformal.npz does not hold this model's calibration films")
    p_cal = answer.recalibrate(p_test[cal], params)
    p_rest = answer.recalibrate(p_test[rest], params)
    y_cal, y_rest = test.y[cal], test.y[rest]
    level = params["level"]
    measured = answer.figures(p_rest, y_rest, flagged_test[rest], p_cal, y_cal, level)
    curve = [{"level": lv, **{k: v for k, v in answer.figures(
        p_rest, y_rest, flagged_test[rest], p_cal, y_cal, lv).items()
        if k in ("decided", "wrong_and_decided", "uncertain", "fits_neither")}}
        for lv in conformal.CURVE_LEVELS]
    p_adult, f_adult = _forward(model)(adult)
    checks = ood.check(extras["ood"], f_adult, adult)
    flag = np.array([c.flagged for c in checks])
    p_adult = answer.recalibrate(p_adult, params)
    a = answer.figures(p_adult, np.zeros(len(adult), int), flag, p_cal, y_cal, level)
    masks = answer.set_masks(p_adult, p_cal, y_cal, level)
    called = (~flag) & masks[:, 1] & ~masks[:, 0]
    return {
        "rule": params["rule"], "level": level, "calibrated_on": params["calibrated_on"],
        "chosen_within_calibration": {
            "decided": params["decided_within_calibration"],
            "wrong_and_decided": params["wrong_and_decided_within_calibration"]},
        "test_measured_half": {**measured, "note": "the 312 official test films not used to "
                               "recalibrate or calibrate the sets (stratified, seed 0)"},
        "test_all_flagged": round(float(flagged_test.mean()), 4),
        "ece_measured_half": {
            "network": round(metrics.expected_calibration_error(y_rest, p_test[rest]), 4),
            "recalibrated": round(metrics.expected_calibration_error(y_rest, p_rest), 4)},
        "curve": curve,
        "adult_normals_aside": {
            "n": int(len(adult)), "flagged": a["flagged"],
            "unlike_training": round(float(np.mean([c.status == "unlike_training"
                                                    for c in checks])), 4),
            "not_chest_xray": round(float(np.mean([c.status == "not_chest_xray"
                                                   for c in checks])), 4),
            "pneumonia_without_flag": round(float(called.mean()), 4),
            "normal_without_flag": round(float(((~flag) & masks[:, 0] & ~masks[:, 1]).mean()),
                                         4),
            "uncertain_without_flag": a["uncertain"],
            "pneumonia_if_unchecked": round(float((masks[:, 1] & ~masks[:, 0]).mean()), 4),
            "note": xdata.ADULT_NORMAL["split"]},
        "goals": GOALS}


GOALS = {"test_flagged_at_most": 0.05, "test_wrong_and_decided_at_most": 0.05,
         "test_decided_at_least": 0.85, "adult_normals_pneumonia_without_flag_at_most": 0.05,
         "real_films_not_chest_xray_at_most": 0.002}


def _real_films(params: dict, splits: dict, adult: dict, quick: bool) -> dict:
    """Every real film the project has through the "not a chest X-ray" check: the Kermany
    splits, the adult films (fit and kept-aside parts) and the test films read back from DICOM
    (MONOCHROME2 16-bit, MONOCHROME1, windowed); changed versions of the test films and the
    kept-aside adults (low contrast, portable, rotated)."""
    from medcore.imaging import ood
    from medcore.imaging.dicom import write
    from medcore.imaging.io import load_upload
    from medcore.imaging.preprocess import to_model_input

    size = splits["test"].x.shape[1]
    step = 8 if quick else 1
    via_dicom = np.stack([to_model_input(load_upload("f.dcm", write(
        im, **variant)).pixels, size, RESIZE) for i, im in enumerate(splits["test"].x[::step])
        for variant in ({"photometric": "MONOCHROME2", "scale": 16},
                        {"photometric": "MONOCHROME1", "scale": 1},
                        {"photometric": "MONOCHROME2", "scale": 16, "window": True})
        if i % 3 == 0 or not quick])
    films = {"kermany_test": splits["test"].x[::step], "adult_aside": adult["aside"].x[::step]}
    out = ood.not_xray_on_real_films(params, films)
    rest = {"kermany_train": splits["train"].x[::step], "kermany_val": splits["val"].x[::step],
            "adult_fit": adult["fit"].x[::step], "test_films_via_dicom": via_dicom}
    for name, x in rest.items():
        refused = ood._detect(params, x)[:, 0] < params["xray_limit"]
        out[name] = {"n": int(len(x)), "not_chest_xray": round(float(refused.mean()), 4)}
    n = sum(v["n"] for v in out.values())
    out["all_real_films"] = {"n": n, "not_chest_xray": round(sum(
        v["n"] * v["not_chest_xray"] for v in out.values()) / n, 4)}
    return out


def _held_out_metrics(model, extras: dict, data_dir: Path, with_curves: bool = False):
    """Test-split report of the network at 0.5, baselines, the one answer and both checks'
    figures (the same code for the card and ``evaluate``).

    ``logreg_pixels`` (L2 logistic regression on the films at 32 px) gets the model's
    operating-point rule on validation. ``other_thresholds`` shows the test split at 0.5 and at
    Youden's J on validation. ``answer``: the page's answer (read from the prediction set) on
    the test films not used for calibration, and on the adult normals kept aside.
    ``gradcam_in_chest_box``: over the pneumonia test films, the mean share of Grad-CAM mass
    inside the chest box (``service.CHEST_BOX``) and the share of films with most of it there.
    """
    from medcore.explain.gradcam import gradcam
    from medcore.imaging import ood
    from medcore.imaging.cnn_baselines import logreg_pixels
    from medcore.imaging.service import chest_box_mass

    quick = bool(extras.get("quick"))
    splits = xdata.load_kermany(data_dir, extras["size"])
    adult = xdata.load_adult_normal(data_dir, extras["size"])
    if quick:  # tiny test models: baselines on a small training slice
        splits["train"] = xdata.subset(splits["train"], 256)
    test, val = splits["test"], splits["val"]
    p_test, f_test = _forward(model)(test.x)
    report = metrics.binary_report(test.y, p_test, extras["threshold"],
                                   n_boot=200 if quick else 1000)
    report["baselines"] = {"logreg_pixels": logreg_pixels(splits, extras.get("prevalence"))}
    flagged = np.array([c.flagged for c in ood.check(extras["ood"], f_test, test.x)])
    aside = adult["aside"].x[:64] if quick else adult["aside"].x
    report["answer"] = _answer_metrics(model, extras, test, p_test, flagged, aside)
    probe = xdata.subset(test, 128) if quick else test
    report["ood"] = ood.report(decider(model, extras), extras["ood"], probe.x, probe.y)
    report["real_films_not_chest_xray"] = _real_films(extras["ood"], splits, adult, quick)
    p_val = _predict(model, val.x)
    youden = calibration.youden_threshold(val.y, p_val)
    report["other_thresholds"] = {
        name: {"threshold": round(thr, 4), **{
            k: v for k, v in metrics.binary_report(test.y, p_test, thr, n_boot=0).items()
            if k in ("accuracy", "sensitivity", "specificity")}}
        for name, thr in (("0.5", 0.5), ("youden_on_validation", youden))
    }
    sick = test.x[test.y == 1]
    masses = np.array([chest_box_mass(cam) for i in range(0, len(sick), 64)
                       for cam in gradcam(model, sick[i:i + 64, ..., None]
                                          .astype(np.float32))[0]])
    report["gradcam_in_chest_box"] = {"mean_mass": round(float(masses.mean()), 4),
                                      "share_over_half": round(float((masses > 0.5).mean()), 4),
                                      "n": len(masses)}
    if with_curves:
        return report, metrics.binary_curves(test.y, p_test, extras["threshold"])
    return report


def card_text(card: dict) -> dict:
    """The card's words for the shipped v3 network with v4's answer and checks (``refit``)."""
    from medcore.imaging import cnn_card

    size = int(card["input_spec"]["shape"][0])
    revisions = [r for r in card.get("revisions", []) if r.get("change") !=
                 cnn_card.REVISION_V4["change"]]
    choice = card["input_spec"]["threshold_choice"].split(" The network's figures")[0]
    return {"version": cnn_card.VERSION, "checks": cnn_card.checks_text(),
            "intended_use": cnn_card.INTENDED_USE, "limitations": cnn_card.limitations(size),
            "design_v4": cnn_card.DESIGN_V4, "revisions": [*revisions, cnn_card.REVISION_V4],
            "dataset": {**card["dataset"], "adult_normal": xdata.ADULT_NORMAL},
            "input_spec": {**card["input_spec"], "threshold_choice": choice + (
                " The network's figures (roc_auc, accuracy, ...) use it; the page's answer does "
                "not: it is read from the prediction set (design_v4, metrics.answer).")}}


def evaluate(bundle, data_dir: Path) -> dict:
    return _held_out_metrics(bundle.model, bundle.extras, Path(data_dir))


def predict_paths(bundle, paths: list[Path]) -> list[dict]:
    """One dict per file: probability, label, OOD flag, Grad-CAM peak; errors per file."""
    from medcore import uploads
    from medcore.imaging import service

    return uploads.per_file(
        paths, lambda name, data: service.analyse_bytes(bundle, name, data).to_row())

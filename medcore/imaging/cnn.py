"""Model module for ``xray-cnn``: pneumonia vs normal on the Kermany films at 224 px.

A VGG-style CNN with a strided stem (``cnn_model``), trained with augmentation and
temperature-scaled on validation. Validation has the training ratio (74 % pneumonia), the test
split more normals (62.5 %): probabilities are moved to the deployment prevalence and the
decision is 0.5 (``calibration.fit_operating_point``); ``prevalence=None`` keeps v1's rule,
Youden's J on validation. The test split is scored once, at the end of ``train``, through
:func:`_held_out_metrics`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from medcore import calibration, conformal, metrics
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
# Keras fit trains this model, so the bench times fit (no own training loop to time).
train_throughput = None


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
    from medcore.imaging.ood import fit_ood
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
    if quick:  # tiny test models: both checks fitted on slices (the full run reads them all)
        fit_ood(features_of(model), xdata.subset(splits["train"], 256).x,
                xdata.subset(val_s, 128).x, out_dir, n_films=140, n_per_family=40, epochs=1)
    else:
        fit_ood(features_of(model), splits["train"].x, val_s.x, out_dir)
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
    return extras


def save_calibration(model, test: xdata.Split, folder: Path) -> None:
    """P(pneumonia) and labels of one stratified half of the official test films: the
    calibration set of the conformal prediction sets (any level can be asked for at run time,
    so the scores ship, not one threshold). Not the validation films: those are carved from
    the training folder and differ from the test films (sets calibrated on them covered 0.74
    of test films at 90 %, and 0.35 of normal ones)."""
    cal, _ = conformal.halves(test.y)
    np.savez(Path(folder) / CALIBRATION, p=_predict(model, test.x[cal]), y=test.y[cal])


def features_of(model):
    """uint8 (n, size, size) -> the model's pooled features (what the second check measures)."""
    from medcore.imaging.cnn_model import feature_model

    fm = feature_model(model)
    return lambda x: np.asarray(fm.predict(x[..., None].astype(np.float32), batch_size=256,
                                           verbose=0), np.float64)


def _predict(model, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(x[..., None].astype(np.float32), batch_size=512,
                                    verbose=0)).ravel()


def _held_out_metrics(model, extras: dict, data_dir: Path, with_curves: bool = False):
    """Test-split report at the operating threshold, baselines and both checks' figures (the
    same code for the card and ``evaluate``).

    ``logreg_pixels`` (L2 logistic regression on the films at 32 px) gets the model's
    operating-point rule on validation. ``other_thresholds`` shows the test split at 0.5 and at
    Youden's J on validation beside the operating threshold. ``gradcam_in_chest_box``: over the
    pneumonia test films, the mean share of Grad-CAM mass inside the chest box
    (``service.CHEST_BOX``) and the share of films with most of it there.
    """
    from medcore.explain.gradcam import gradcam
    from medcore.imaging import ood
    from medcore.imaging.cnn_baselines import logreg_pixels
    from medcore.imaging.service import chest_box_mass

    splits = xdata.load_kermany(data_dir, extras["size"])
    if extras.get("quick"):  # tiny test models: baselines on a small training slice
        splits["train"] = xdata.subset(splits["train"], 256)
    test, val = splits["test"], splits["val"]
    p_test = _predict(model, test.x)
    report = metrics.binary_report(test.y, p_test, extras["threshold"],
                                   n_boot=200 if extras.get("quick") else 1000)
    report["baselines"] = {"logreg_pixels": logreg_pixels(splits, extras.get("prevalence"))}
    cal, rest = conformal.halves(test.y)
    shipped = extras["calibration"]
    if not np.allclose(shipped["p"], p_test[cal], atol=1e-4):
        raise ValueError("conformal.npz does not hold this model's calibration films")
    report["conformal"] = {
        **conformal.report(conformal.binary(p_test[rest]), test.y[rest],
                           conformal.binary(p_test[cal]), test.y[cal], extras["class_names"]),
        "note": "calibrated on one stratified half of the official test films (seed 0), "
                "measured on the other half"}
    p_val = _predict(model, val.x)
    on_val = conformal.report(conformal.binary(p_test), test.y, conformal.binary(p_val), val.y,
                              extras["class_names"])
    report["conformal_validation_calibrated"] = {
        k: on_val[k] for k in ("level", "coverage", "set_size", "share_empty", "per_class")}
    probe = xdata.subset(test, 128) if extras.get("quick") else test
    report["ood"] = ood.report(lambda x: _predict(model, x), features_of(model), extras["ood"],
                               probe.x, probe.y, extras["threshold"])
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


def evaluate(bundle, data_dir: Path) -> dict:
    return _held_out_metrics(bundle.model, bundle.extras, Path(data_dir))


def predict_paths(bundle, paths: list[Path]) -> list[dict]:
    """One dict per file: probability, label, OOD flag, Grad-CAM peak; errors per file."""
    from medcore import uploads
    from medcore.imaging import service

    return uploads.per_file(
        paths, lambda name, data: service.analyse_bytes(bundle, name, data).summary())


def bench(bundle, quick: bool = False) -> dict:
    from medcore.imaging.speed import run_bench

    return run_bench(bundle, quick=quick)

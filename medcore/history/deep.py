"""Shared training / evaluation path of history-rnn and history-cnn.

Why shared: both models read the same grid, use the same split, calibration, baselines and
held-out scoring, so their cards are comparable. Set C is scored once, at the end of ``train``,
through ``held_out_metrics`` — the same function ``evaluate`` calls.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from medcore import calibration, conformal, ensemble, metrics, registry
from medcore.errors import ModelIntegrityError
from medcore.explain import background
from medcore.history import baselines, crossfit, data, grid, mapping, summary
from medcore.history import variables as V

log = logging.getLogger(__name__)
N_BACKGROUND = 32  # SHAP background rows, expanded from the stored centroids
N_CENTROIDS = 16  # k-means summary of the training grids shipped as background.npz
CALIBRATION = "conformal.npz"  # set-A held-out risks and outcomes: the conformal calibration
CLASS_NAMES = ["survived", "died_in_hospital"]
MEAN_NAME = "fold_mean"  # the Average layer of a cross-fitted ensemble
CONFORMAL_NOTE = ("calibrated on set-A risks from a model that never trained on the stay (out of "
                  "fold for a cross-fitted ensemble, else the validation part), measured on set C")
SUMMARY_SPEC = (" Then, repeated per hour, first/last/min/max/mean/count of the raw observations "
                "of each of the 40 variables in 0-48 h and a never-observed flag per variable "
                "(training medians fill the gaps; standardised with training statistics, "
                "clipped to +-5).")


def _fit(model, x_tr, y_tr, x_va, y_va, epochs: int, batch: int, lr: float,
         seed: int = data.SEED) -> int:
    import keras

    from medcore.pipeline import dataset

    keras.utils.set_random_seed(seed)
    model.compile(optimizer=keras.optimizers.Adam(lr, clipnorm=1.0),
                  loss="binary_crossentropy", metrics=[keras.metrics.AUC(name="auc")])
    stop = keras.callbacks.EarlyStopping(monitor="val_auc", mode="max", patience=6,
                                         restore_best_weights=True)
    hist = model.fit(dataset(x_tr, y_tr, batch, seed=seed),
                     validation_data=dataset(x_va, y_va, 512, shuffle=False), epochs=epochs,
                     callbacks=[stop], verbose=2, shuffle=False)  # the dataset shuffles
    aucs = hist.history["val_auc"]
    return int(np.argmax(aucs)) + 1


def raw_scores(model, x: np.ndarray) -> np.ndarray:
    """The model's uncalibrated sigmoid outputs, 512 rows per call.

    ``predict_on_batch`` per 512 rows computes what ``predict(batch_size=512)`` does without
    building a dataset per call, which cost ~0.2 s for a single patient.
    """
    if not len(x):
        return np.zeros(0)
    return np.concatenate([np.asarray(model.predict_on_batch(x[i:i + 512]), float).ravel()
                           for i in range(0, len(x), 512)])


def risks_and_members(model, x: np.ndarray, temperature: float
                      ) -> tuple[np.ndarray, np.ndarray | None]:
    """Calibrated risk and, for a fold ensemble, each member's risk (n, k), from one pass.

    Members get the ensemble's temperature, so their spread is on the scale of the risk shown.
    """
    both = ensemble.with_members(model, MEAN_NAME)
    if both is None or not len(x):
        return predict_proba(model, x, temperature), None
    outs = [[np.asarray(o, float).reshape(len(x[i:i + 512]), -1) for o in
             both.predict_on_batch(x[i:i + 512])] for i in range(0, len(x), 512)]
    mean = np.concatenate([o[0] for o in outs]).ravel()
    each = np.concatenate([np.concatenate(o[1:], axis=1) for o in outs])
    return (calibration.apply_temperature(calibration.logit(mean), temperature),
            calibration.apply_temperature(calibration.logit(each), temperature))


def predict_proba(model, x: np.ndarray, temperature: float) -> np.ndarray:
    """Calibrated risk: temperature-scaled sigmoid of the model's logit (deterministic)."""
    return calibration.apply_temperature(calibration.logit(raw_scores(model, x)), temperature)


def test_cohort(data_dir: Path, limit: int | None) -> data.Cohort:
    """Set C (a seeded-order prefix of ``limit`` stays for quick runs)."""
    c = data.load_set(data_dir, "c")
    return data.subset(c, np.arange(limit)) if limit else c


def held_out_metrics(model, extras: dict, data_dir: Path) -> dict:
    """Set-C metrics of the model and of the stored baseline predictions (card == evaluate)."""
    pre = extras["preprocess"]
    n_boot = pre.get("n_boot", 1000)
    c = test_cohort(data_dir, pre.get("test_limit"))
    g = grid.build(c.records, pre["stats"], c.patients, pre.get("summary"))
    p = predict_proba(model, g.x, pre["temperature"])
    out = metrics.binary_report(c.y, p, pre["threshold"], n_boot=n_boot)
    if "calibration" in extras:
        cal = extras["calibration"]
        out["conformal"] = {**conformal.report(conformal.binary(p), c.y, conformal.binary(cal["p"]),
                                               cal["y"], CLASS_NAMES),
                            "note": CONFORMAL_NOTE}
    base = baseline_predictions(extras["baselines"], c, pre)
    out["baselines"] = {
        name: metrics.binary_report(c.y, base[name], pre["baseline_thresholds"][name],
                                    n_boot=n_boot)
        for name in baselines.NAMES
    }
    out["_pred"] = p  # popped by callers that need curves; never stored
    return out


def baseline_predictions(stored: dict, c: data.Cohort, pre: dict) -> dict[str, np.ndarray]:
    """Set-C baseline risks in the cohort's order: stored ones after an id check, SAPS-I fresh.

    Why the check: labels now come from the data folder, so a stored prediction must be proven
    to belong to the same record before it is scored against that record's outcome.
    """
    ids = [str(i) for i in stored["record_id"]]
    if ids != c.patients:
        raise ModelIntegrityError(
            "baselines.npz holds predictions for other set-C records than the data folder "
            f"({len(ids)} stored, {len(c.patients)} in the data).",
            "Point MEDCORE_DATA_DIR at the PhysioNet 2012 files the model was trained with, "
            "or retrain.")
    out = {name: stored[name] for name in baselines.STORED}
    out["saps1"] = baselines.predict_saps1(pre["saps1_fit"], c.saps)
    return out


def save_baselines(out_dir: Path, c: data.Cohort, predictions: dict[str, np.ndarray]) -> None:
    """Store only model predictions and the record ids they belong to (no labels, no scores)."""
    np.savez_compressed(out_dir / "baselines.npz", record_id=np.asarray(c.patients, str),
                        **{name: predictions[name] for name in baselines.STORED})


def load_extras(folder: Path, card: dict) -> dict:
    with np.load(folder / "baselines.npz") as b:
        stored = {k: b[k] for k in b.files}
    out = {"preprocess": json.loads((folder / "preprocess.json").read_text()),
           "baselines": stored,
           "background": background.load(folder / "background.npz", N_BACKGROUND)}
    if (folder / CALIBRATION).exists():
        with np.load(folder / CALIBRATION) as f:
            out["calibration"] = {"p": f["p"], "y": f["y"]}
    return out


def save_calibration(folder: Path, p_cal: np.ndarray, y_cal: np.ndarray) -> None:
    """Calibrated held-out risks and outcomes (any level can be asked for, so scores ship)."""
    np.savez(Path(folder) / CALIBRATION, p=np.asarray(p_cal, float), y=np.asarray(y_cal, int))


def held_out_set_a(model, pre: dict, folds: int, data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Calibrated set-A risks of stays the scoring model never trained on, and their outcomes.

    Why: recomputes, from the shipped model alone, the calibration cases training used: each
    fold's held-out stays scored by the member fitted without them, or the 80/20 validation
    part for a single model. Same seeds, same splits, so no retraining is needed.
    """
    a = data.load_set(Path(data_dir), "a")
    quick = pre.get("test_limit") is not None
    if folds > 1:
        if quick:
            a = data.subset(a, np.arange(450))
        g = grid.build(a.records, pre["stats"], a.patients, pre.get("summary"))
        raw = np.full(len(a.y), np.nan)
        parts = crossfit.splits(a.y, folds, data.SEED)
        for m, (_, va) in zip(ensemble.members(model), parts, strict=True):
            raw[va] = raw_scores(m, g.x[va])
        y = a.y
    else:
        _, va = data.split_a(a)
        va = va[:150] if quick else va
        v = data.subset(a, va)
        raw = raw_scores(model, grid.build(v.records, pre["stats"], v.patients,
                                           pre.get("summary")).x)
        y = v.y
    return calibration.apply_temperature(calibration.logit(raw), pre["temperature"]), y


def evaluate(bundle, data_dir: Path) -> dict:
    m = held_out_metrics(bundle.model, bundle.extras, Path(data_dir))
    m.pop("_pred")
    return m


@dataclass
class Fitted:
    """What either training path hands to the shared tail of ``train_model``."""

    model: object
    raw_cal: np.ndarray  # uncalibrated scores of stays the scoring member never trained on
    y_cal: np.ndarray
    base_cal: dict[str, np.ndarray]  # baseline risks for the same stays (their thresholds)
    baselines: dict
    stats: dict
    summary: dict | None
    x_fit: np.ndarray  # training grids (SHAP background summary)
    counts: dict
    validation: dict
    split_text: str


def _holdout(a: data.Cohort, build: Callable, opts: dict) -> Fitted:
    """One model: set A split 80/20, validation for early stopping and calibration."""
    tr, va = data.split_a(a)
    if opts["quick"]:
        tr, va = tr[:300], va[:150]
    a_tr, a_va = data.subset(a, tr), data.subset(a, va)
    stats = grid.fit_stats(a_tr.records)
    fsum = summary.fit(a_tr.records, a_tr.patients) if opts["summary_features"] else None
    g_tr = grid.build(a_tr.records, stats, a_tr.patients, fsum)
    g_va = grid.build(a_va.records, stats, a_va.patients, fsum)
    import keras

    keras.utils.set_random_seed(opts["seed"])
    model = build(g_tr.x.shape[1:])
    best = _fit(model, g_tr.x, a_tr.y, g_va.x, a_va.y, opts["epochs"], opts["batch"],
                opts["lr"], opts["seed"])
    f_tr = baselines.features(a_tr.records, a_tr.patients)
    f_va = baselines.features(a_va.records, a_va.patients)
    fitted = baselines.fit_all(f_tr, a_tr.y, a_tr.saps, gb_iter=opts["gb_iter"])
    return Fitted(model, raw_scores(model, g_va.x), a_va.y,
                  baselines.predict_all(fitted, f_va, a_va.saps), fitted, stats, fsum, g_tr.x,
                  {"train": data.counts(a_tr.y), "validation": data.counts(a_va.y)},
                  {"best_epoch": best},
                  f"Set A split {1 - data.VAL_FRACTION:.0%}/{data.VAL_FRACTION:.0%} "
                  f"(stratified, seed {data.SEED}) into train/validation; validation used for "
                  "early stopping, temperature and threshold.")


def _crossfit(a: data.Cohort, build: Callable, opts: dict) -> Fitted:
    """K members on K stratified folds of all of set A, averaged; calibrated out of fold."""
    import keras

    if opts["quick"]:
        a = data.subset(a, np.arange(450))
    k = opts["folds"]
    folds = crossfit.splits(a.y, k, data.SEED)
    stats = grid.fit_stats(a.records)  # label-free scaling statistics of all set A
    fsum = summary.fit(a.records, a.patients) if opts["summary_features"] else None
    g = grid.build(a.records, stats, a.patients, fsum)
    best: list[int] = []

    def member(tr: np.ndarray, va: np.ndarray, i: int):
        seed = opts["seed"] + i
        keras.utils.set_random_seed(seed)
        m = build(g.x.shape[1:])
        best.append(_fit(m, g.x[tr], a.y[tr], g.x[va], a.y[va], opts["epochs"], opts["batch"],
                         opts["lr"], seed))
        log.info("fold %d/%d trained (best epoch %d)", i + 1, k, best[-1])
        return m, raw_scores(m, g.x[va])

    members, raw_oof = crossfit.out_of_fold(member, folds, len(a.y))
    f = baselines.features(a.records, a.patients)

    base_oof = {name: np.empty(len(a.y)) for name in baselines.NAMES}
    for tr, va in folds:  # one fit per fold serves all three baselines' thresholds
        fold_fit = baselines.fit_all(f[tr], a.y[tr], a.saps[tr], gb_iter=opts["gb_iter"])
        for name, p in baselines.predict_all(fold_fit, f[va], a.saps[va]).items():
            base_oof[name][va] = p
    fitted = baselines.fit_all(f, a.y, a.saps, gb_iter=opts["gb_iter"])
    name = members[0].name
    model = ensemble.average(members, mean_name=MEAN_NAME, name=name,
                             member_names=[f"{name}_fold{i}" for i in range(len(members))])
    n = len(a.y)
    return Fitted(model, raw_oof, a.y, base_oof, fitted, stats, fsum, g.x,
                  {"train": data.counts(a.y), "validation": data.counts(a.y)},
                  {"best_epoch": best, "folds": k},
                  f"All {n:,} set-A stays in {k} stratified folds (seed {data.SEED}): {k} "
                  f"members, each trained on {k - 1} folds with early stopping on the fold it "
                  "did not see, averaged into one model; temperature and thresholds fitted on "
                  "the out-of-fold predictions (each stay scored by the member that never "
                  "trained on it); baselines refitted on all of set A, thresholds likewise "
                  "out of fold.")


def train_model(out_dir: Path, build: Callable, card_text: dict, *, quick: bool,
                epochs: int, batch: int = 64, lr: float = 1e-3, data_dir: Path | None = None,
                summary_features: bool = False, seed: int = data.SEED,
                validation_only: bool = False, folds: int = 1) -> dict:
    """Train one deep model plus the baselines, calibrate on held-out set A, score set C once.

    ``summary_features`` adds the whole-stay summary channels (``medcore.history.summary``).
    ``folds`` > 1 cross-fits ``folds`` members on all of set A (``medcore.history.crossfit``)
    instead of one model on an 80/20 split.
    ``validation_only`` stops after calibration on set-A validation: nothing is written and
    set C is not read, so designs (and seeds, for their spread) can be compared before the
    one held-out scoring.
    """
    from medcore import settings

    t0 = time.time()
    data_dir = Path(data_dir or settings.data_dir())
    a = data.load_set(data_dir, "a")
    opts = {"quick": quick, "epochs": 1 if quick else epochs, "batch": batch, "lr": lr,
            "seed": seed, "summary_features": summary_features, "folds": folds,
            "gb_iter": 20 if quick else 250}
    fit = (_crossfit if folds > 1 else _holdout)(a, build, opts)
    temperature = calibration.fit_temperature(calibration.logit(fit.raw_cal), fit.y_cal)
    p_cal = calibration.apply_temperature(calibration.logit(fit.raw_cal), temperature)
    threshold = calibration.youden_threshold(fit.y_cal, p_cal)
    log.info("model trained in %.0f s", time.time() - t0)
    val_auc = metrics.binary_point_metrics(fit.y_cal, p_cal, threshold)["roc_auc"]
    validation = {"roc_auc": round(float(val_auc), 4), **fit.validation,
                  "temperature": round(temperature, 4)}
    if validation_only:
        return {"validation": {**validation, "seed": seed,
                               "event1": round(metrics.event1_score(fit.y_cal, p_cal), 4)}}

    limit = 300 if quick else None
    model, stats, fitted_summary = fit.model, fit.stats, fit.summary
    c = test_cohort(data_dir, limit)
    p_base_c = baselines.predict_all(fit.baselines,
                                     baselines.features(c.records, c.patients), c.saps)
    save_baselines(out_dir, c, p_base_c)
    background.save(out_dir / "background.npz", fit.x_fit, N_CENTROIDS)
    pre = {"variables": list(V.TIME_SERIES), "static": list(V.STATIC), "hours": grid.HOURS,
           "stats": stats, "log_variables": sorted(grid.LOG_VARS),
           **({"summary": fitted_summary} if fitted_summary else {}),
           "temperature": temperature, "threshold": threshold,
           "test_limit": limit, "n_boot": 50 if quick else 1000,
           "saps1_fit": fit.baselines["saps1"],
           "baseline_thresholds": {k: calibration.youden_threshold(fit.y_cal, v)
                                   for k, v in fit.base_cal.items()}}
    (out_dir / "preprocess.json").write_text(json.dumps(pre, indent=1))
    save_calibration(out_dir, p_cal, fit.y_cal)
    model.save(out_dir / "model.keras")
    log.info("baselines fitted at %.0f s", time.time() - t0)

    # Set C, once: reload the saved model and score it exactly as evaluate() does.
    saved = registry.load_keras_file(out_dir / "model.keras")
    extras = load_extras(out_dir, {})
    m = held_out_metrics(saved, extras, data_dir)
    p_c = m.pop("_pred")
    from medcore.history import explain

    importance = explain.global_importance(saved, extras["background"],
                                           grid.build(c.records, stats, c.patients,
                                                      fitted_summary).x,
                                           n=5 if quick else 60,
                                           nsamples=10 if quick else 20)
    log.info("held-out scored at %.0f s", time.time() - t0)
    return {
        **{k: v for k, v in card_text.items() if k != "architecture_text"},
        "task": "In-hospital mortality from the first 48 h of an ICU stay (binary)",
        "architecture": {"text": card_text["architecture_text"],
                         "params": int(saved.count_params())},
        "dataset": {
            "name": "PhysioNet/Computing in Cardiology Challenge 2012 (sets A and C)",
            "source": data.SOURCE, "licence": "ODC-By 1.0", "citation": data.CITATION,
            "split": (fit.split_text + " Set C (the challenge's hidden test set) scored once "
                      "at the end of training." + (" QUICK run: small slice, 1 epoch." if quick
                                                   else "")),
            "counts": {**fit.counts, "test": data.counts(c.y)},
        },
        "metrics": m,
        "validation": validation,
        "anchors": [
            {"name": "GRU-D (Che et al. 2018, Sci Rep)", "value": 0.842, "metric": "roc_auc",
             "source": "https://doi.org/10.1038/s41598-018-24271-9"},
            {"name": "Challenge 2012 event-1 winner (Johnson et al. 2012)", "value": 0.535,
             "metric": "event1", "source": "https://physionet.org/content/challenge-2012/"},
        ],
        "input_spec": {"shape": [grid.HOURS, int(fit.x_fit.shape[-1])],
                       "preprocessing": ("Long CSV -> hourly 48 h grid of 37 variables: "
                                         "standardised value (0 if unobserved), mask, hours "
                                         "since last observation / 48, last observed value; "
                                         "Age, Gender, Height + their masks repeated per hour. "
                                         "Log for skewed labs; clip to training 0.5-99.5 %."
                                         + (SUMMARY_SPEC if fitted_summary else "")),
                       "variables": mapping.variable_table()},
        "headline_metrics": ["roc_auc", "event1", "pr_auc"],
        "class_names": ["survived", "died_in_hospital"],
        "curves": metrics.binary_curves(c.y, p_c, threshold),
        "global_importance": importance,
        "train_seconds": round(time.time() - t0, 1),
    }

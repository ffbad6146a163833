"""Baselines trained in the same run as the deep models, so users see if depth earns its keep.

SAPS-I alone (a logistic fit of the score), logistic regression and HistGradientBoosting on
per-variable first/last/min/max/mean/count features over the same 0-48 h window.
The set-C predictions of the two feature models are stored (baselines.npz, with the record ids
they belong to) so ``evaluate`` recomputes the metrics. The SAPS-I fit is stored as its three
numbers instead (preprocess.json): its predictions would be a one-to-one copy of the data's SAPS-I
column, so ``evaluate`` reads SAPS-I from the data folder and applies the fit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from medcore.history import variables as V

STATS = ("first", "last", "min", "max", "mean", "count")
STORED = ("logistic_regression", "gradient_boosting")  # predictions kept in baselines.npz
NAMES = {"saps1": "SAPS-I score alone", "logistic_regression": "Logistic regression",
         "gradient_boosting": "HistGradientBoosting"}


def features(records: pd.DataFrame, patients: list[str]) -> np.ndarray:
    """(patients, variables x 6) summary features; NaN where a variable was never observed."""
    r = records[(records["minutes"] >= 0) & (records["minutes"] <= 48 * 60)
                & records["variable"].isin(V.KNOWN)]
    # first/last follow time, not row order, so a shuffled file scores the same (same-minute
    # ties keep the file's order, as io's sort does; the trained models saw exactly that)
    r = r.sort_values("minutes", kind="stable")
    agg = r.groupby(["patient_id", "variable"], sort=False)["value"].agg(list(STATS))
    wide = agg.unstack("variable")
    cols = pd.MultiIndex.from_product([STATS, V.KNOWN])
    wide = wide.reindex(index=patients, columns=cols)
    counts = wide["count"].fillna(0.0)
    wide.loc[:, "count"] = counts.to_numpy()
    return wide.to_numpy(float)


def fit_saps1(saps_tr: np.ndarray, y_tr: np.ndarray) -> dict[str, float]:
    """Logistic fit of the SAPS-I score alone, as plain numbers so it can live in JSON."""
    from sklearn.linear_model import LogisticRegression

    fill = float(np.nanmedian(saps_tr))
    fit = LogisticRegression().fit(np.nan_to_num(saps_tr, nan=fill)[:, None], y_tr)
    return {"intercept": float(fit.intercept_[0]), "slope": float(fit.coef_[0, 0]), "fill": fill}


def predict_saps1(params: dict[str, float], saps: np.ndarray) -> np.ndarray:
    """Risk from SAPS-I (NaN scores take the training median, as in the fit)."""
    from scipy.special import expit

    z = params["intercept"] + params["slope"] * np.nan_to_num(saps, nan=params["fill"])
    return expit(z)


def fit_all(x_tr: np.ndarray, y_tr: np.ndarray, saps_tr: np.ndarray, gb_iter: int = 250
            ) -> dict:
    """Fit the three baselines on the training split (deterministic, seeded)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    lr = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler(),
                       LogisticRegression(C=0.05, max_iter=3000))
    lr.fit(x_tr, y_tr)
    gb = HistGradientBoostingClassifier(learning_rate=0.05, max_iter=gb_iter, max_leaf_nodes=15,
                                        l2_regularization=1.0, min_samples_leaf=40,
                                        random_state=0, early_stopping=False)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # OpenMP threads thrash on a busy 2-core machine
        gb.fit(x_tr, y_tr)
    return {"saps1": fit_saps1(saps_tr, y_tr), "logistic_regression": lr, "gradient_boosting": gb}


def predict_all(models: dict, x: np.ndarray, saps: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "saps1": predict_saps1(models["saps1"], saps),
        "logistic_regression": models["logistic_regression"].predict_proba(x)[:, 1],
        "gradient_boosting": models["gradient_boosting"].predict_proba(x)[:, 1],
    }

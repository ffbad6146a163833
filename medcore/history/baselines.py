"""Baselines trained in the same run as the deep models, so users see if depth earns its keep.

SAPS-I alone (a logistic fit of the score), logistic regression and HistGradientBoosting on
per-variable first/last/min/max/mean/count features over the same 0-48 h window.
Their set-C predictions are stored (baselines.npz) so ``evaluate`` recomputes the metrics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from medcore.history import variables as V

STATS = ("first", "last", "min", "max", "mean", "count")
NAMES = {"saps1": "SAPS-I score alone", "logistic_regression": "Logistic regression",
         "gradient_boosting": "HistGradientBoosting"}


def features(records: pd.DataFrame, patients: list[str]) -> np.ndarray:
    """(patients, variables x 6) summary features; NaN where a variable was never observed."""
    r = records[(records["minutes"] >= 0) & (records["minutes"] <= 48 * 60)
                & records["variable"].isin(V.KNOWN)]
    agg = r.groupby(["patient_id", "variable"], sort=False)["value"].agg(list(STATS))
    wide = agg.unstack("variable")
    cols = pd.MultiIndex.from_product([STATS, V.KNOWN])
    wide = wide.reindex(index=patients, columns=cols)
    counts = wide["count"].fillna(0.0)
    wide.loc[:, "count"] = counts.to_numpy()
    return wide.to_numpy(float)


def fit_all(x_tr: np.ndarray, y_tr: np.ndarray, saps_tr: np.ndarray, gb_iter: int = 250
            ) -> dict:
    """Fit the three baselines on the training split (deterministic, seeded)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    saps_fill = float(np.nanmedian(saps_tr))
    saps = LogisticRegression().fit(np.nan_to_num(saps_tr, nan=saps_fill)[:, None], y_tr)
    lr = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler(),
                       LogisticRegression(C=0.05, max_iter=3000))
    lr.fit(x_tr, y_tr)
    gb = HistGradientBoostingClassifier(learning_rate=0.05, max_iter=gb_iter, max_leaf_nodes=15,
                                        l2_regularization=1.0, min_samples_leaf=40,
                                        random_state=0, early_stopping=False)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # OpenMP threads thrash on a busy 2-core machine
        gb.fit(x_tr, y_tr)
    return {"saps1": (saps, saps_fill), "logistic_regression": lr, "gradient_boosting": gb}


def predict_all(models: dict, x: np.ndarray, saps: np.ndarray) -> dict[str, np.ndarray]:
    saps_model, fill = models["saps1"]
    return {
        "saps1": saps_model.predict_proba(np.nan_to_num(saps, nan=fill)[:, None])[:, 1],
        "logistic_regression": models["logistic_regression"].predict_proba(x)[:, 1],
        "gradient_boosting": models["gradient_boosting"].predict_proba(x)[:, 1],
    }

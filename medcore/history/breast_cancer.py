"""The one-visit tabular example: Wisconsin breast-cancer records shipped with scikit-learn.

Needs no data folder. A scaled logistic regression (fitted in about a second) predicts
malignancy; SHAP (LinearExplainer) gives an exact per-feature waterfall for any record.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SEED = 0
CITATION = ("Wolberg WH, Street WN, Mangasarian OL. Breast Cancer Wisconsin (Diagnostic). "
            "UCI ML Repository, 1995; copy shipped in scikit-learn (load_breast_cancer).")


@dataclass
class BreastCancerModel:
    pipeline: object
    feature_names: list[str]
    x_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    metrics: dict


def fit() -> BreastCancerModel:
    """Stratified 75/25 split (seed 0); malignant = 1; metrics on the held-out quarter."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from medcore.metrics import binary_report

    ds = load_breast_cancer()
    y = 1 - ds.target  # sklearn: 0 = malignant
    x_tr, x_te, y_tr, y_te = train_test_split(ds.data, y, test_size=0.25, random_state=SEED,
                                              stratify=y)
    pipe = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=2000))
    pipe.fit(x_tr, y_tr)
    report = binary_report(y_te, pipe.predict_proba(x_te)[:, 1], 0.5, n_boot=200)
    return BreastCancerModel(pipe, [str(f) for f in ds.feature_names], x_tr, x_te, y_te, report)


def explain(m: BreastCancerModel, row: np.ndarray, top: int = 10) -> dict:
    """Waterfall data for one record: base log-odds, top features, the rest summed, final."""
    from medcore.explain.shap_tabular import linear_shap

    scaler, lr = m.pipeline[0], m.pipeline[-1]
    values, base = linear_shap(lr, scaler.transform(m.x_train), scaler.transform(row[None]))
    values = values[0]
    order = np.argsort(-np.abs(values))
    rest = float(values[order[top:]].sum())
    logit = base + float(values.sum())
    return {
        "base_logit": base,
        "features": [{"feature": str(m.feature_names[j]), "value": float(row[j]),
                      "shap": float(values[j])} for j in order[:top]],
        "other_features_shap": rest,
        "logit": logit,
        "probability_malignant": float(1 / (1 + np.exp(-logit))),
    }

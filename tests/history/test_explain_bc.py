"""Reasons ranking and the breast-cancer SHAP waterfall (no data folder needed)."""

from __future__ import annotations

import numpy as np
import pytest

from medcore.history import breast_cancer, explain, grid


def test_top_reasons_pick_largest_window():
    attr = np.zeros((grid.HOURS, len(explain.VARIABLES)))
    attr[13, explain.VARIABLES.index("Lactate")] = 0.3
    attr[14, explain.VARIABLES.index("Lactate")] = 0.1
    attr[2, explain.VARIABLES.index("GCS")] = -0.25
    attr[0, explain.VARIABLES.index("Age")] = 0.05
    r = explain.top_reasons(attr, k=3)
    assert [x["variable"] for x in r] == ["Lactate", "GCS", "Age"]
    assert r[0]["window"] == "12-18 h" and r[0]["contribution"] == pytest.approx(0.4)
    assert r[1]["direction"] == "lowers risk" and r[2]["window"] == "admission"


def test_breast_cancer_waterfall_adds_up():
    m = breast_cancer.fit()
    assert m.metrics["roc_auc"] > 0.95 and m.metrics["n"] == 143
    row = m.x_test[3]
    w = breast_cancer.explain(m, row)
    total = w["base_logit"] + sum(f["shap"] for f in w["features"]) + w["other_features_shap"]
    assert total == pytest.approx(w["logit"])
    assert w["probability_malignant"] == pytest.approx(m.pipeline.predict_proba(row[None])[0, 1])
    assert len(w["features"]) == 10
    assert abs(w["features"][0]["shap"]) >= abs(w["features"][-1]["shap"])

"""baselines.npz holds model predictions and record ids only; labels and SAPS-I come from data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from medcore.errors import ModelIntegrityError
from medcore.history import baselines, data, deep


def _cohort(ids: list[str]) -> data.Cohort:
    n = len(ids)
    return data.Cohort(pd.DataFrame(), ids, np.zeros(n, int), np.array([10.0, np.nan, 20.0][:n]))


def test_saps1_fit_as_numbers_matches_sklearn():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    saps = rng.integers(5, 30, 200).astype(float)
    y = (rng.random(200) < saps / 40).astype(int)
    saps[:5] = np.nan
    params = baselines.fit_saps1(saps, y)
    fill = np.nan_to_num(saps, nan=params["fill"])[:, None]
    ref = LogisticRegression().fit(fill, y).predict_proba(fill)[:, 1]
    np.testing.assert_allclose(baselines.predict_saps1(params, saps), ref, rtol=1e-12)


def test_save_and_check_record_order(tmp_path):
    c = _cohort(["1", "2", "3"])
    preds = {name: np.array([0.1, 0.2, 0.3]) for name in baselines.NAMES}
    deep.save_baselines(tmp_path, c, preds)
    with np.load(tmp_path / "baselines.npz") as f:
        stored = {k: f[k] for k in f.files}
    assert sorted(stored) == sorted(["record_id", *baselines.STORED])
    pre = {"saps1_fit": {"intercept": 0.0, "slope": 0.0, "fill": 0.0}}
    got = deep.baseline_predictions(stored, c, pre)
    assert set(got) == set(baselines.NAMES) and got["saps1"].tolist() == [0.5] * 3
    with pytest.raises(ModelIntegrityError, match="other set-C records"):
        deep.baseline_predictions(stored, _cohort(["1", "3", "2"]), pre)


@pytest.mark.parametrize("fixture", ["rnn_bundle", "cnn_bundle"])
def test_shipped_baselines_hold_no_labels(fixture, request):
    stored = request.getfixturevalue(fixture).extras["baselines"]
    assert sorted(stored) == sorted(["record_id", *baselines.STORED])

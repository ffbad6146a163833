"""The hourly grid: masks and deltas describe what was observed; nothing is invented."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from medcore.history import grid
from medcore.history import variables as V

NV = len(V.TIME_SERIES)
HR = V.TIME_SERIES.index("HR")


def _stats():
    return {n: {"lo": -1e9, "hi": 1e9, "mean": 0.0, "sd": 1.0} for n in V.KNOWN}


def _rec(rows):
    return pd.DataFrame(rows, columns=["patient_id", "minutes", "variable", "value"])


def test_mask_delta_last_and_mean_per_hour():
    rec = _rec([("A", 30, "HR", 80), ("A", 130, "HR", 90), ("A", 150, "HR", 100),
                ("A", 0, "Age", 70), ("A", 3000, "HR", 200), ("B", 60, "Temp", 37)])
    g = grid.build(rec, _stats())
    x = g.x[0]
    value, mask = x[:, HR], x[:, NV + HR]
    delta, last = x[:, 2 * NV + HR], x[:, 3 * NV + HR]
    assert mask[:4].tolist() == [1, 0, 1, 0] and mask.sum() == 2  # 3000 min is outside 48 h
    assert value[0] == 80 and value[2] == 95 and value[1] == 0  # hour mean; unobserved = 0
    assert delta[1] == pytest.approx(1 / 48) and delta[2] == pytest.approx(2 / 48)
    assert delta[3] == pytest.approx(1 / 48)
    assert last[1] == 80 and last[3] == 95 and last[47] == 95
    assert np.isnan(g.observed[0, 1, HR]) and g.observed[0, 2, HR] == 95
    age = grid.n_channels() - 2 * len(V.STATIC) + V.STATIC.index("Age")
    assert (x[:, age] == 70).all() and (x[:, age + len(V.STATIC)] == 1).all()
    assert g.x[1, :, NV + HR].sum() == 0  # patient B never had HR
    assert g.patients == ["A", "B"]


def test_never_observed_variable_before_first_observation():
    g = grid.build(_rec([("A", 600, "HR", 80)]), _stats())
    x = g.x[0]
    assert x[:10, 3 * NV + HR].sum() == 0  # no last value before the first observation
    assert x[5, 2 * NV + HR] == pytest.approx(6 / 48)  # time since admission


def test_stats_clip_and_log():
    rec = _rec([("A", i, "Urine", v) for i, v in enumerate([0, 10, 100, 1000, 1e7])])
    st = grid.fit_stats(rec)["Urine"]
    assert st["hi"] < np.log1p(1e7) and st["lo"] >= 0


def test_per_variable_keeps_the_total():
    rng = np.random.default_rng(0)
    attr = rng.normal(size=(2, grid.HOURS, grid.n_channels()))
    pv = grid.per_variable(attr)
    assert pv.shape == (2, grid.HOURS, len(V.KNOWN))
    assert np.allclose(pv.sum(-1), attr.sum(-1))


def test_summary_channels_keep_raw_counts_and_extremes():
    """Within-hour extremes and counts, which the hourly mean loses, reach the model."""
    from medcore.history import summary

    train = _rec([(p, m, "HR", v) for p, m, v in
                  [("A", 10, 60), ("A", 20, 140), ("B", 30, 80), ("C", 40, 100)]]
                 + [("A", 0, "Age", 50), ("B", 0, "Age", 70)])
    params = summary.fit(train, ["A", "B", "C"])
    raw = summary._raw(train, ["A", "B", "C"])
    hr = V.KNOWN.index("HR")
    col = {s: summary.baselines.STATS.index(s) * len(V.KNOWN) + hr for s in ("max", "count")}
    assert raw[0, col["max"]] == 140 and raw[0, col["count"]] == 2  # both in hour 0
    never_age = len(summary.baselines.STATS) * len(V.KNOWN) + V.KNOWN.index("Age")
    assert raw[:, never_age].tolist() == [0, 0, 1]  # C never had an age
    g = grid.build(train, _stats(), ["A", "B", "C"], params)
    assert g.x.shape[-1] == grid.n_channels() + summary.n_channels()
    block = g.x[:, :, grid.n_channels():]
    assert (block == block[:, :1]).all()  # the same vector at every hour
    first_age = V.KNOWN.index("Age")  # "first" is the first statistic
    assert block[2, 0, first_age] == pytest.approx(0.0)  # C: training median 60 = the mean
    assert block[0, 0, col["max"]] > block[1, 0, col["max"]]
    plain = grid.build(train, _stats(), ["A", "B", "C"])
    np.testing.assert_array_equal(g.x[:, :, :grid.n_channels()], plain.x)


def test_per_variable_counts_summary_channels_for_their_variable():
    from medcore.history import summary

    attr = np.zeros((1, grid.HOURS, grid.n_channels() + summary.n_channels()))
    age_max = grid.n_channels() + summary.baselines.STATS.index("max") * len(V.KNOWN) \
        + V.KNOWN.index("Age")
    attr[0, :, age_max] = 1.0
    pv = grid.per_variable(attr)
    assert pv[0, :, V.KNOWN.index("Age")].sum() == pytest.approx(grid.HOURS)
    assert pv.sum() == pytest.approx(grid.HOURS)
    with pytest.raises(ValueError, match="channels"):
        grid.per_variable(np.zeros((1, grid.HOURS, 7)))

"""Split conformal sets: the guarantee holds on exchangeable data, per class (Mondrian)."""

from __future__ import annotations

import numpy as np
import pytest

from medcore import conformal


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Imbalanced binary data (75 % positive) with an informative, noisy probability."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.75).astype(int)
    p = 1 / (1 + np.exp(-(2.0 * (2 * y - 1) + rng.normal(0, 1.5, n))))
    return conformal.binary(p), y


@pytest.mark.parametrize("level", [0.8, 0.9, 0.95])
def test_coverage_holds_per_class_on_exchangeable_data(level):
    p_cal, y_cal = _data(2000, 0)
    p_test, y_test = _data(20000, 1)
    out = conformal.report(p_test, y_test, p_cal, y_cal, ["normal", "pneumonia"], level)
    assert out["coverage"] >= level - 0.02
    for name in ("normal", "pneumonia"):  # Mondrian: each class, not just on average
        assert out["per_class"][name]["coverage"] >= level - 0.02
    assert out["coverage"] <= level + 0.03  # not trivially wide either


def test_higher_level_gives_larger_sets_and_too_few_cases_gives_every_class():
    p_cal, y_cal = _data(500, 2)
    sizes = [conformal.prediction_sets(p_cal, conformal.thresholds(p_cal, y_cal, lv)).sum()
             for lv in (0.5, 0.8, 0.95)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    q = conformal.thresholds(p_cal[:5], y_cal[:5], 0.99)  # a handful of cases cannot give 99 %
    assert np.isinf(q).all()
    assert conformal.prediction_sets(p_cal[:3], q).all()
    with pytest.raises(ValueError):
        conformal.thresholds(p_cal, y_cal, 1.0)


def test_a_call_is_made_only_from_a_one_class_set():
    assert conformal.call(["EI"]) == "EI" and conformal.call(["EI"], "EI") == "EI"
    assert conformal.call(["IE"], "EI") == "uncertain: {IE}"  # not the most probable class
    assert conformal.call(["EI", "N"]) == "uncertain: {EI, N}"
    assert conformal.call([], empty="none") == "none"

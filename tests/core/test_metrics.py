import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from medcore import calibration, metrics


def _data(n=400, seed=1):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    p = np.clip(0.5 * y + rng.normal(0.25, 0.2, n), 0, 1)
    return y, p


def test_binary_report_matches_sklearn_and_counts():
    y, p = _data()
    rep = metrics.binary_report(y, p, 0.5, n_boot=50)
    assert rep["roc_auc"] == round(roc_auc_score(y, p), 4)
    pred = p >= 0.5
    assert rep["sensitivity"] == round((pred & (y == 1)).sum() / (y == 1).sum(), 4)
    assert rep["specificity"] == round((~pred & (y == 0)).sum() / (y == 0).sum(), 4)
    assert rep["n"] == 400 and rep["n_positive"] == int(y.sum())
    lo, hi = rep["ci95"]["roc_auc"]
    assert lo <= rep["roc_auc"] <= hi and hi - lo < 0.2


def test_bootstrap_is_repeatable_with_seed():
    y, p = _data()
    a = metrics.binary_report(y, p, 0.5, n_boot=30, seed=3)["ci95"]
    b = metrics.binary_report(y, p, 0.5, n_boot=30, seed=3)["ci95"]
    assert a == b


def test_ece_zero_for_perfect_calibration_and_large_for_overconfidence():
    y = np.array([0, 1] * 50)
    assert metrics.expected_calibration_error(y, np.full(100, 0.5)) == pytest.approx(0.0)
    assert metrics.expected_calibration_error(y, np.full(100, 0.99)) == pytest.approx(0.49)


def test_event1_is_max_min_of_sensitivity_and_ppv():
    y = np.array([1, 1, 0, 0, 0])
    p = np.array([0.9, 0.2, 0.8, 0.1, 0.05])
    # threshold 0.8: se 0.5, ppv 0.5; threshold 0.2: se 1, ppv 2/3 -> best min is 2/3
    assert metrics.event1_score(y, p) == pytest.approx(2 / 3)


def test_multiclass_report_perfect_and_confusion():
    y = np.array([0, 1, 2, 2])
    proba = np.eye(3)[y] * 0.9 + 0.1 / 3
    rep = metrics.multiclass_report(y, proba, ["a", "b", "c"], n_boot=0)
    assert rep["accuracy"] == 1.0 and rep["macro_f1"] == 1.0
    assert rep["confusion"]["matrix"] == [[1, 0, 0], [0, 1, 0], [0, 0, 2]]
    assert rep["per_class_error"] == {"a": 0.0, "b": 0.0, "c": 0.0}


def test_temperature_scaling_recovers_overconfidence():
    rng = np.random.default_rng(0)
    z = rng.normal(0, 2, 5000)
    y = (rng.random(5000) < 1 / (1 + np.exp(-z))).astype(int)
    t = calibration.fit_temperature(z * 3, y)  # logits 3x too confident
    assert t == pytest.approx(3.0, rel=0.15)
    p = calibration.apply_temperature(z * 3, t)
    assert metrics.expected_calibration_error(y, p) < 0.03


def test_youden_threshold_separates_classes():
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.8])
    thr = calibration.youden_threshold(y, p)
    assert 0.3 < thr <= 0.6


def _two_gaussians(n: int, prevalence: float, seed: int):
    """x | y ~ N(+-1, 1): the true log-odds at ``prevalence`` is 2x + logit(prevalence)."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < prevalence).astype(int)
    x = rng.normal(2 * y - 1, 1.0)
    return x, y


def test_prior_shift_gives_the_true_posterior_at_the_new_prevalence():
    x, y = _two_gaussians(20000, 0.74, 0)
    z = 2 * x + calibration.logit(np.array([0.74]))[0]  # calibrated at validation's ratio
    point = calibration.fit_operating_point(z, y, prevalence=0.4)
    assert point["temperature"] == pytest.approx(1.0, abs=0.05)
    assert point["threshold"] == 0.5
    truth = 1 / (1 + np.exp(-(2 * x + np.log(0.4 / 0.6))))
    np.testing.assert_allclose(calibration.apply_operating_point(z, point), truth, atol=0.03)
    plain = calibration.fit_operating_point(z, y)
    assert plain["offset"] == 0.0
    assert plain["threshold"] == pytest.approx(calibration.youden_threshold(
        y, calibration.apply_temperature(z, plain["temperature"])))
    with pytest.raises(ValueError, match="between 0 and 1"):
        calibration.prior_shift_offset(0.74, 1.0)


def test_prior_shift_threshold_is_more_accurate_where_the_ratio_changed():
    x, y = _two_gaussians(5000, 0.74, 1)
    z = 2 * x + calibration.logit(np.array([0.74]))[0]
    shifted = calibration.fit_operating_point(z, y, prevalence=0.3)
    youden = calibration.fit_operating_point(z, y)
    xt, yt = _two_gaussians(50000, 0.3, 2)
    zt = 2 * xt + calibration.logit(np.array([0.74]))[0]

    def accuracy(point):
        return np.mean((calibration.apply_operating_point(zt, point) >= point["threshold"]) == yt)

    assert accuracy(shifted) > accuracy(youden) + 0.01


def test_move_prevalence_round_trips_and_matches_the_operating_point():
    p = np.array([0.01, 0.3, 0.5, 0.9, 0.999])
    np.testing.assert_allclose(calibration.move_prevalence(p, 0.6, 0.6), p, atol=1e-9)
    lower = calibration.move_prevalence(p, 0.6, 0.1)
    assert np.all(lower < p)
    np.testing.assert_allclose(calibration.move_prevalence(lower, 0.1, 0.6), p, atol=1e-6)
    z = np.array([-2.0, 0.0, 3.0])
    point = {"temperature": 1.0, "offset": calibration.prior_shift_offset(0.74, 0.3)}
    np.testing.assert_allclose(calibration.apply_operating_point(z, point),
                               calibration.move_prevalence(1 / (1 + np.exp(-z)), 0.74, 0.3))


def test_curves_have_roc_calibration_and_confusion():
    y, p = _data()
    c = metrics.binary_curves(y, p, 0.5)
    assert c["roc"]["fpr"][0] == 0.0 and c["roc"]["tpr"][-1] == 1.0
    assert sum(b["count"] for b in c["calibration"]) == len(y)
    assert np.array(c["confusion"]["matrix"]).sum() == len(y)


@pytest.mark.parametrize("seed", range(40))
def test_point_metrics_equal_scikit_learn_to_the_last_bit(seed):
    """The bootstrap's shortcut (curves computed once, counts by bincount) must give exactly
    what the scikit-learn functions give: cards store these figures to 4 decimals."""
    from sklearn import metrics as skm

    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 3000))
    y = rng.integers(0, 2, n) if seed else np.ones(n, int)  # seed 0: one class only
    p = np.round(rng.random(n), int(rng.integers(1, 6)))  # ties, as rounded risks have
    got = metrics.binary_point_metrics(y, p, 0.5)
    tn, fp, fn, tp = skm.confusion_matrix(y, (p >= 0.5).astype(int), labels=[0, 1]).ravel()
    assert (got["sensitivity"], got["accuracy"]) == (
        tp / (tp + fn) if tp + fn else got["sensitivity"], (tp + tn) / n)
    if seed:
        assert got["roc_auc"] == roc_auc_score(y, p)
        assert got["pr_auc"] == skm.average_precision_score(y, p)
        assert got["event1"] == metrics.event1_score(y, p)
    else:
        assert np.isnan(got["roc_auc"]) and np.isnan(got["pr_auc"])

"""Local validation core: the figures equal scikit-learn's (and an independent computation) on
the same cases, recalibration improves calibration on cases it did not see, the site profile
round-trips and refuses another model's or a tampered one."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.optimize import minimize
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from medcore import conformal
from medcore.validation import figures, profile, recalibrate

NAMES = ["negative", "positive"]


def _cases(n: int = 600, seed: int = 0, prevalence: float = 0.3, spread: float = 2.5):
    """Labels and over-confident probabilities (a model whose logits are too large)."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < prevalence).astype(int)
    z = rng.normal(1.6 * y - 0.8, 1.0)
    return y, 1 / (1 + np.exp(-spread * z))


def test_binary_figures_equal_scikit_learn():
    y, p = _cases()
    f = figures.binary(y, p, 0.4, NAMES, n_boot=50)
    call = (p >= 0.4).astype(int)
    assert f["roc_auc"] == round(skm.roc_auc_score(y, p), 4)
    assert f["sensitivity"] == round(skm.recall_score(y, call), 4)
    assert f["specificity"] == round(skm.recall_score(y, call, pos_label=0), 4)
    assert f["ppv"] == round(skm.precision_score(y, call), 4)
    assert f["brier"] == round(skm.brier_score_loss(y, p), 4)
    assert f["confusion"]["matrix"] == skm.confusion_matrix(y, call).tolist()
    true, pred = calibration_curve(y, p, n_bins=10)
    assert f["calibration"]["prob_true"] == [round(v, 4) for v in true]
    assert f["calibration"]["prob_pred"] == [round(v, 4) for v in pred]
    # ECE from the histogram, computed independently
    counts, edges = np.histogram(p, bins=np.linspace(0, 1, 11))
    assert sum(f["calibration"]["count"]) == len(y) and f["calibration"]["count"] == [
        int(c) for c in counts if c]
    assert f["ece"] == pytest.approx(
        sum(c / len(y) * abs(t - q) for c, t, q in zip([c for c in counts if c], true, pred,
                                                       strict=True)), abs=1e-4)
    lo, hi = f["ci95"]["roc_auc"]
    assert lo < f["roc_auc"] < hi


def test_calibration_slope_and_intercept_equal_a_direct_likelihood_fit():
    y, p = _cases(spread=2.5)
    z = np.log(p / (1 - p))

    def nll(w):
        s = w[0] * z + w[1]
        return float(np.sum(np.logaddexp(0, s) - y * s))

    a, b = minimize(nll, [1.0, 0.0], method="BFGS").x
    got = figures.calibration_line(y, p)
    assert got["calibration_slope"] == pytest.approx(a, abs=2e-3)
    assert got["calibration_intercept"] == pytest.approx(b, abs=2e-3)
    assert got["calibration_slope"] < 0.8  # the cases are over-confident: slope well under 1
    fit = LogisticRegression(C=np.inf, max_iter=1000).fit(z.reshape(-1, 1), y)
    assert figures.logistic_on_logit(z, y) == pytest.approx(
        (fit.coef_[0, 0], fit.intercept_[0]), abs=1e-4)


def test_sets_subgroups_and_wrong_confident_first():
    y, p = _cases(n=300)
    sets = np.stack([p < 0.7, p > 0.3], axis=1)
    f = figures.binary(y, p, 0.5, NAMES, sets=sets, ids=[f"c{i}" for i in range(300)],
                       n_boot=0)
    covered = sets[np.arange(300), y]
    assert f["prediction_sets"]["coverage"] == round(covered.mean(), 4)
    assert f["prediction_sets"]["share_uncertain"] == round((sets.sum(1) == 2).mean(), 4)
    wrong = f["wrong_and_confident"]
    assert wrong and all(w["label"] != w["call"] for w in wrong)
    conf = [w["probability_of_call"] for w in wrong]
    assert conf == sorted(conf, reverse=True)
    group = ["a"] * 200 + ["b"] * 90 + ["c"] * 10
    sub = figures.per_subgroup(
        {"unit": group}, lambda m: figures.binary(y[m], p[m], 0.5, NAMES, n_boot=0), 300)
    assert sub["unit"]["a"]["roc_auc"] == round(skm.roc_auc_score(y[:200], p[:200]), 4)
    assert sub["unit"]["c"]["n"] == 10 and "roc_auc" not in sub["unit"]["c"]


def test_multiclass_figures_equal_scikit_learn():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 300)
    logits = rng.normal(size=(300, 3)) + 2.0 * np.eye(3)[y]
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    f = figures.multiclass(y, proba, ["EI", "IE", "N"], n_boot=0)
    assert f["roc_auc"] == round(skm.roc_auc_score(y, proba, multi_class="ovr"), 4)
    assert f["sensitivity"]["IE"] == round(skm.recall_score(y, proba.argmax(1), average=None)[1],
                                           4)
    assert f["confusion"]["matrix"] == skm.confusion_matrix(y, proba.argmax(1)).tolist()


def test_too_few_cases_is_a_clear_input_error():
    y, p = _cases(n=49)
    with pytest.raises(figures.TooFewCasesError, match="at least 50"):
        recalibrate.fit_task(p, y, NAMES, 0.5)
    y = np.r_[np.zeros(90, int), np.ones(9, int)]
    with pytest.raises(figures.TooFewCasesError, match="9 'positive'"):
        recalibrate.fit_task(np.linspace(0.01, 0.99, 99), y, NAMES, 0.5)


def test_recalibration_improves_calibration_on_cases_it_did_not_see():
    y, p = _cases(n=1000, seed=3)
    fit = recalibrate.fit_task(p, y, NAMES, 0.5, target="sensitivity", value=0.9,
                               shipped_q=np.array([0.5, 0.5]))
    before, after = fit["check"]["before"], fit["check"]["after"]
    assert after["ece"] < before["ece"] / 2
    assert after["sensitivity"] >= 0.85  # asked 0.9 on the fit half; the check half is close
    assert abs(after["prediction_sets"]["coverage"] - 0.9) < 0.04
    assert fit["task"]["n_fit"] + fit["task"]["n_check"] == 1000
    assert "exchangeable" in fit["guarantee"]


def test_isotonic_map_equals_isotonic_regression_and_ppv_threshold_holds():
    y, p = _cases(n=400, seed=4)
    m = recalibrate.fit_isotonic(p, y)
    floor = 1 / (2 * len(y))  # kept off 0 and 1
    iso = IsotonicRegression(y_min=floor, y_max=1 - floor, out_of_bounds="clip").fit(p, y)
    grid = np.linspace(0, 1, 101)
    assert np.allclose(recalibrate.apply_map(m, grid), iso.predict(grid))
    t = recalibrate.threshold_for(p, y, "ppv", 0.8)
    assert y[p >= t].mean() >= 0.8 and y[p >= np.nextafter(t, 0)].mean() >= 0.8
    below = p[p < t]
    assert below.size == 0 or y[p >= below.max()].mean() < 0.8


def _profile() -> tuple[dict, dict, np.ndarray]:
    y, p = _cases(n=400, seed=5)
    card = {"id": "history-rnn", "version": 3, "sha256": "ab" * 32}
    fit = recalibrate.fit_task(p, y, NAMES, 0.5)
    return profile.build(card, {profile.SINGLE: fit["task"]}, 400, date="2026-12-05"), card, p


def test_profile_round_trips_and_says_so():
    prof, card, p = _profile()
    back = profile.loads(profile.to_bytes(prof), card)
    assert back == prof
    assert profile.label(back) == "recalibrated on 400 local cases, 2026-12-05"
    got = profile.apply(back, p)
    direct = recalibrate.apply_task(prof["tasks"]["main"], p)
    assert np.array_equal(got["decision"], direct["decision"])
    # without a target the threshold keeps the shipped threshold's sensitivity
    assert "sensitivity" in prof["tasks"]["main"]["threshold_rule"]
    y, _ = _cases(n=400, seed=5)
    shipped = (p[y == 1] >= 0.5).mean()
    assert abs(got["decision"][y == 1].mean() - shipped) < 0.05
    rows = profile.named(back, p[:2])
    assert rows[0]["site_profile"] == profile.label(back)
    for row, d in zip(rows, got["decision"][:2], strict=True):  # one answer: set and call agree
        assert row["call"] == conformal.call(row["prediction_set"], NAMES[d])


def test_profile_for_another_model_or_tampered_is_refused():
    prof, card, _ = _profile()
    data = profile.to_bytes(prof)
    with pytest.raises(profile.SiteProfileError, match="made for history-rnn, not tox-cnn"):
        profile.loads(data, {**card, "id": "tox-cnn"})
    with pytest.raises(profile.SiteProfileError, match="another version"):
        profile.loads(data, {**card, "sha256": "cd" * 32})
    obj = json.loads(data)
    obj["tasks"]["main"]["threshold"] = 0.01
    with pytest.raises(profile.SiteProfileError, match="does not match its sha256"):
        profile.loads(json.dumps(obj).encode(), card)
    with pytest.raises(profile.SiteProfileError, match="not JSON"):
        profile.loads(b"\x89PNG not a profile", card)


def test_labelled_inputs_zip_folders_labels_and_subgroups():
    import io
    import zipfile

    from medcore.errors import SchemaError
    from medcore.validation import cases

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("films/NORMAL/a.png", b"A")
        z.writestr("films/PNEUMONIA/b.png", b"B")
        z.writestr("__MACOSX/films/._a.png", b"junk")
    assert cases.expand([("films.zip", buf.getvalue()), ("c.png", b"C")]) == [
        ("films/NORMAL/a.png", b"A"), ("films/PNEUMONIA/b.png", b"B"), ("c.png", b"C")]
    names = ["survived", "died_in_hospital"]
    assert [cases.class_index(v, names) for v in ("0", "1", "yes", "Died_in_hospital", "")] == [
        0, 1, 1, 1, None]
    with pytest.raises(SchemaError, match="none of the classes"):
        cases.class_index("maybe", names)
    table = (b"RecordID;In-hospital_death;sex;SAPS-I\n"
             + b"".join(f"{i};{i % 2};{'fm'[i % 2]};{i}\n".encode() for i in range(40)))
    labels, extra = cases._label_table("outcomes.csv", table, ("patient_id", "recordid"),
                                       ("died", "in-hospital_death"), names)
    assert labels["3"] == 1 and labels["4"] == 0
    assert extra["3"] == {"sex": "m"}  # a column with 40 distinct values is not a subgroup
    with pytest.raises(SchemaError, match="needs a column 'patient_id'"):
        cases._label_table("x.csv", b"a,b\n1,2\n", ("patient_id",), ("died",), names)


def test_vectorised_bootstrap_equals_scikit_learn_on_each_resample():
    from medcore import metrics

    y, p = _cases(n=200, seed=6)
    p = np.round(p, 2)  # ties, as rounded probabilities have
    counts = np.random.default_rng(0).multinomial(200, np.full(200, 1 / 200), size=20)
    got = figures.boot_samples(y, p, counts)
    for k, c in enumerate(counts):
        idx = np.repeat(np.arange(200), c)
        assert got["roc_auc"][k] == pytest.approx(skm.roc_auc_score(y[idx], p[idx]), abs=1e-12)
        assert got["ece"][k] == pytest.approx(
            metrics.expected_calibration_error(y[idx], p[idx]), abs=1e-12)


def test_isotonic_is_tried_only_with_enough_cases_of_each_class():
    y, p = _cases(n=300, seed=7)  # about 45 positives per fit half
    assert set(recalibrate.choose_map(p, y)["cv_log_loss"]) == {"platt"}
    y, p = _cases(n=2000, seed=7)
    assert set(recalibrate.choose_map(p, y)["cv_log_loss"]) == {"platt", "isotonic"}

"""Every answer's set is calibrated for its input shape, and one rule turns a set into words."""

from __future__ import annotations

import numpy as np

from medcore.genomics import calibrate, data, network, service
from medcore.genomics.io import SeqRecord


def test_one_rule_from_set_to_decision_words_and_tone():
    sure, unsure, none = (service.verdict(s) for s in (["IE"], ["EI", "N"], []))
    assert (sure.decision, sure.words, sure.tone) == ("IE", "IE", "sure")
    assert sure.sentence == "IE (acceptor)"
    assert (unsure.decision, unsure.words, unsure.tone) == ("uncertain", "uncertain: {EI, N}",
                                                            "uncertain")
    assert (none.decision, none.tone) == ("fits none", "none") and "empty" in none.words
    assert [v.after_set for v in (sure, unsure, none)] == ["IE (acceptor)", "uncertain",
                                                           "fits none"]


def test_shapes_follow_the_receptive_field():
    assert calibrate.SEEN == network.CONTEXT + 1 == 249
    assert calibrate.shape_of(400) == calibrate.shape_of(249) == "window"
    assert calibrate.shape_of(248) == calibrate.shape_of(60) == "short"
    note = calibrate.unseen_note(60)
    assert "bases 1-60 (30 before the junction, 30 after)" in note and "189" in note
    assert calibrate.unseen_note(249) is None
    seq = "A" * 170 + "C" * 30 + "G" * 30 + "T" * 170
    assert calibrate.short_cut(seq) == "C" * 30 + "G" * 30  # bases 171-230


def test_joined_records_know_their_junctions():
    seqs = ["A" * 400, "C" * 400, "G" * 400]
    recs = calibrate.joined(seqs, np.array([0, 1, 2]), per_record=2)
    assert [len(s) for s, _ in recs] == [800, 400]
    for seq, truth in recs:
        sites = np.flatnonzero(truth != network.N)
        assert all(i % 400 == 200 for i in sites)
        # each marked junction is the centre of the window of its class
        assert all({0: "A", 1: "C"}[int(truth[i])] == seq[i] for i in sites)


def test_each_shape_ships_its_calibration_and_its_measured_coverage(cnn_bundle):
    cal = cnn_bundle.extras["calibration"]
    assert set(cal) == set(calibrate.SHAPES)
    assert len(cal["window"]["y"]) == len(cal["short"]["y"]) == 456  # one half of 913
    assert len(cal["scan"]["y"]) > 456 and set(np.unique(cal["scan"]["y"])) == {0, 1, 2}
    shapes = cnn_bundle.card["metrics"]["conformal_by_shape"]
    assert set(shapes) == set(calibrate.SHAPE_KEYS.values())
    for shape, key in calibrate.SHAPE_KEYS.items():
        m, rule = shapes[key], cal[shape]["rule"]
        # measured at the level the shape's rule chose on the calibration half, with its kind
        assert m["rule"] == rule and m["level"] == rule["level"] in calibrate.LEVEL_GRID
        assert rule["kind"] in calibrate.KINDS and rule["cases"] == len(cal[shape]["y"])
        assert 0 <= m["wrong_and_sure"] <= 1 - m["coverage"] + 1e-9
        assert m["n"] >= 457 and m["note"]
        point = next(c for c in m["curve"] if c["level"] == m["level"])
        assert point["coverage"] == m["coverage"] and point["wrong_and_sure"] == m[
            "wrong_and_sure"]
    assert "Chosen: window: " in cnn_bundle.card["design_v4_sets"]
    assert cnn_bundle.card["metrics"]["scan"]["precision_at_k"]["sites"] == {"EI": 198,
                                                                            "IE": 200}


def test_windows_take_their_shapes_calibration(cnn_bundle, data_dir):
    gue = data.gue_split(data_dir)
    seqs = gue.x_test[:30]
    recs = [SeqRecord(f"l{i}", s) for i, s in enumerate(seqs)] + \
        [SeqRecord(f"s{i}", calibrate.short_cut(s)) for i, s in enumerate(seqs)]
    res = service.analyse(cnn_bundle, recs, explain_top=0)
    assert {r.shape for r in res[:30]} == {"window"} and {r.shape for r in res[30:]} == {"short"}
    assert all(any("Shorter than the 249 nt" in n for n in r.notes) for r in res[30:])
    # the set of a short window is the short calibration's, not the long one's
    p = np.array([[r.probabilities[n] for n in data.CLASS_NAMES] for r in res[30:]])
    assert [r.prediction_set for r in res[30:]] == service.prediction_sets(
        cnn_bundle, p, None, "short")
    for r in res:
        j = r.to_row()
        assert j["decision"] == service.verdict(j["prediction_set"]).decision
        assert j["calibration"] == r.shape


def test_scan_sites_carry_sets_that_follow_the_level(cnn_bundle, data_dir):
    gue = data.gue_split(data_dir)
    seq = "".join(gue.x_test[:6])
    res = service.analyse(cnn_bundle, [SeqRecord("long", seq)], explain_top=0)[0]
    assert res.kind == "scan" and res.sites
    assert all(s.prediction_set == service.prediction_sets(
        cnn_bundle, np.array([[s.probabilities[n] for n in data.CLASS_NAMES]]), None,
        "scan")[0] for s in res.sites)
    before = [list(s.prediction_set) for s in res.sites]
    high = service.set_level(cnn_bundle, [res], 0.99)[0]
    assert all(set(a) <= set(s.prediction_set) for a, s in zip(before, high.sites, strict=True))
    assert high.to_row()["sites"][0]["call"] == high.sites[0].verdict.words
    assert [list(s.prediction_set) for s in res.sites] == before


def test_a_window_has_one_answer_its_sites_carry_no_set(cnn_bundle, data_dir):
    """A window's junction is answered by its own (window or short) set; the other positions it
    lists are scores, not a second answer from the scan calibration."""
    gue = data.gue_split(data_dir)
    res = service.analyse(cnn_bundle, [SeqRecord("w", gue.x_test[0])], explain_top=0)[0]
    res = service.fill_scores(cnn_bundle, res)
    assert res.prediction_set is not None
    assert all(s.prediction_set is None and s.to_row()["call"] is None for s in res.sites)


def test_marginal_quantile_is_one_threshold_over_all_cases():
    from medcore import conformal

    p = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.3, 0.7]])
    y = np.array([0, 0, 1, 0])  # scores 1 - p_true: 0.1, 0.4, 0.2, 0.7
    assert np.allclose(conformal.marginal_thresholds(p, y, 0.6), [0.4, 0.4])  # rank 3 of 4
    assert np.isinf(conformal.marginal_thresholds(p, y, 0.9)).all()  # rank 5 of 4


def test_rule_choice_meets_the_goals_where_it_can_and_else_wrong_and_sure_first():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    top = rng.uniform(0.7, 0.99, 300)
    easy = np.repeat(((1 - top) / 2)[:, None], 3, axis=1)
    easy[np.arange(300), y] = top  # always right and sure: the lowest level meets all goals
    rule = calibrate.choose(easy, y, np.arange(300))
    assert rule["goals_met_on_calibration_half"] == "all three goals"
    cv = rule["calibration_half_cv"]
    assert cv["wrong_and_sure"] == 0 and abs(cv["coverage"] - rule["level"]) <= 0.02
    assert cv["share_uncertain"] + cv["share_empty"] <= calibrate.GOAL_NOT_ANSWERED
    hard = rng.dirichlet(np.ones(3), 300)  # probabilities unrelated to the truth
    rule = calibrate.choose(hard, y, np.arange(300))
    cv = rule["calibration_half_cv"]
    assert rule["goals_met_on_calibration_half"] != "all three goals"
    # wrong-and-sure comes first: the uncertain share is given up, not the error
    assert cv["wrong_and_sure"] <= calibrate.GOAL_WRONG_SURE
    assert cv["share_uncertain"] + cv["share_empty"] > calibrate.GOAL_NOT_ANSWERED
    # too few cases (a quick model's scan may list none): the default rule, said so
    few = calibrate.choose(hard[:5], y[:5], np.arange(5))
    assert (few["kind"], few["level"]) == (calibrate.DEFAULT_RULE["kind"],
                                           calibrate.DEFAULT_RULE["level"])
    assert few["goals_met_on_calibration_half"].startswith("not chosen")


def test_the_page_cli_and_report_read_each_shapes_default_and_its_measured_figures(
        cnn_bundle, data_dir):
    gue = data.gue_split(data_dir)
    recs = [SeqRecord("w", gue.x_test[0]), SeqRecord("s", calibrate.short_cut(gue.x_test[0]))]
    res = service.analyse(cnn_bundle, recs, explain_top=0)
    for r in res:
        assert r.level == service.default_level(cnn_bundle, r.shape)
        assert r.to_row()["level"] == r.level
        p = np.array([[r.probabilities[n] for n in data.CLASS_NAMES]])
        assert r.prediction_set == service.prediction_sets(cnn_bundle, p, None, r.shape)[0]
        m = cnn_bundle.card["metrics"]["conformal_by_shape"][calibrate.SHAPE_KEYS[r.shape]]
        text = service.measured_text(cnn_bundle, r.shape, r.level)
        assert f"Measured at {r.level:.0%}" in text
        assert f"{m['coverage']:.1%}" in text and f"{m['wrong_and_sure']:.1%}" in text
    assert "nearest measured level, 90%" in service.measured_text(cnn_bundle, "window", 0.91)

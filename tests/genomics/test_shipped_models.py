"""The shipped dna-cnn / dna-rnn: evaluate equals the card, windows, scans, variants, motifs."""

from __future__ import annotations

import numpy as np
import pytest

from medcore.genomics import cnn, data, motifs, rnn, service, synthetic
from medcore.genomics.io import SeqRecord, parse_text


@pytest.mark.slow
def test_cnn_evaluate_equals_card(cnn_bundle, data_dir):
    metrics = cnn.evaluate(cnn_bundle, data_dir)
    assert metrics == cnn_bundle.card["metrics"]
    uci = metrics["uci_test"]
    assert uci["accuracy"] > uci["baselines"]["positional_onehot_logreg"]["accuracy"] - 0.02
    assert metrics["variant_effect"]["donor_GT"]["changes"] == \
        15 * metrics["variant_effect"]["donor_GT"]["windows"]


def _within(got: dict, want: dict, tol: float) -> None:
    for method in want:
        assert got[method]["n_clusters"] == want[method]["n_clusters"], method
        for k in ("ari", "nmi", "noise_fraction"):
            assert abs(got[method][k] - want[method][k]) <= tol, (method, k)


def test_rnn_evaluate_equals_card(rnn_bundle, data_dir):
    """Exact, except the clustering figures: within the tolerance the card states, on any CPU."""
    metrics = rnn.evaluate(rnn_bundle, data_dir)
    card = rnn_bundle.card["metrics"]
    tol = rnn_bundle.card["tolerance"]
    assert tol["metrics.clustering"] <= 0.02 and tol["why"]

    def exact(m: dict) -> dict:
        return {k: v for k, v in m.items() if k not in ("clustering", "gue_validation")}

    assert exact(metrics) == exact(card)
    assert exact(metrics["gue_validation"]) == exact(card["gue_validation"])
    _within(metrics["clustering"]["bigru_embedding"], card["clustering"]["bigru_embedding"],
            tol["metrics.clustering"])
    _within(metrics["gue_validation"]["clustering"]["bigru_embedding"],
            card["gue_validation"]["clustering"]["bigru_embedding"],
            tol["metrics.gue_validation.clustering"])


def test_card_fields(cnn_bundle, rnn_bundle):
    for b in (cnn_bundle, rnn_bundle):
        card = b.card
        assert card["class_names"] == ["EI", "IE", "N"]
        assert card["dataset"]["counts"]["test"] == {"EI": 153, "IE": 154, "N": 331}
        assert card["dataset"]["gue"]["counts"]["validation"] == {"EI": 198, "IE": 200,
                                                                   "N": 515}
        assert all(k in card["metrics"] for k in card["headline_metrics"])
    card = cnn_bundle.card
    assert card["cross_validation"]["folds"] == 5 and card["design_v3"]
    assert card["version"] == 3 and card["revisions"][-1]["previous_version"]


def test_window_and_scan_results(cnn_bundle):
    records = parse_text(synthetic.example_fasta()).records
    results = service.analyse(cnn_bundle, records, explain_top=0)
    windows = [r for r in results if r.kind == "window"]
    assert all(r.class_name in ("EI", "IE", "N") and r.scores is None for r in windows)
    long = results[-1]
    assert long.kind == "scan" and long.class_name is None and long.scores.shape == (3000, 3)
    as_json = long.to_row()
    assert "class" not in as_json and as_json["sites"], "a scan reports sites, not a class"
    assert all("|" in s["context"] for s in as_json["sites"])
    # the planted donors (junctions after 800 and 2400) are among the listed sites
    donors = {s.junction_after for s in long.sites if s.class_name == "EI"}
    assert any(abs(p - 800) <= 2 for p in donors) or any(abs(p - 2400) <= 2 for p in donors)


def test_a_400nt_record_is_one_window_and_a_longer_one_a_scan(cnn_bundle, data_dir):
    gue = data.gue_split(data_dir)
    donor = next(s for s, y in zip(gue.x_test, gue.y_test, strict=True) if y == 0)
    res = service.analyse(cnn_bundle, [SeqRecord("w", donor), SeqRecord("long", donor + donor)],
                          explain_top=0)
    assert res[0].kind == "window" and res[0].to_row()["junction_after"] == 200
    assert set(res[0].to_row()["probabilities"]) == {"EI", "IE", "N"}
    assert res[1].kind == "scan" and "class" not in res[1].to_row()


def test_explanation_centres_on_the_junction(cnn_bundle, data_dir):
    gue = data.gue_split(data_dir)
    donor = next(s for s, y in zip(gue.x_test, gue.y_test, strict=True)
                 if y == 0 and s[200:202] == "GT")
    res = service.analyse(cnn_bundle, [SeqRecord("d", donor)])[0]
    assert res.contrib is not None and res.explain_start == 200 - 128 + 1
    assert len(res.contrib) == 2 * 128 + 1
    top = [p["position"] for p in res.to_row()["explanation"]["top_positions"]]
    assert any(195 <= p <= 210 for p in top), top  # the bases at the junction matter


def test_changing_a_donors_gt_removes_it(cnn_bundle, data_dir, tmp_path):
    gue = data.gue_split(data_dir)
    donors = [s for s, y in zip(gue.x_test, gue.y_test, strict=True)
              if y == 0 and s[200:202] == "GT"]
    seq = next(s for s in donors if service.analyse(
        cnn_bundle, [SeqRecord("d", s)], explain_top=0)[0].probabilities["EI"] > 0.9)
    path = tmp_path / "donor.fa"
    path.write_text(f">donor\n{seq}\n")
    rows = cnn.predict_paths(cnn_bundle, [path], variant="201 G>C")
    eff = rows[-1]["variant_effect"]
    assert eff["deltas"]["donor_loss"]["score"] >= 0.5
    assert eff["deltas"]["donor_loss"]["junction_after"] == 200
    assert len(eff["scores"]) == 101
    bad = cnn.predict_paths(cnn_bundle, [path], variant="201 A>C")
    assert "does not match" in bad[-1]["error"]


def test_motifs_have_pwms(cnn_bundle):
    pwms = cnn_bundle.extras["motifs"]
    assert len(pwms) == 32
    assert np.allclose(np.sum(pwms[0]["pwm"], axis=1), 1, atol=1e-3)


def test_consensus_matcher():
    donor = np.full((9, 4), 0.02)
    for i, b in enumerate("CAGGTAAGT"):
        donor[i, "ACGT".index(b)] = 0.94
    names = [m["motif"] for m in motifs.match_consensus(donor)]
    assert names and names[0].startswith("donor")
    assert motifs.match_consensus(np.full((9, 4), 0.25)) == []


def test_predict_paths_keeps_going(cnn_bundle, rnn_bundle, tmp_path):
    good = tmp_path / "good.fa"
    good.write_text(synthetic.example_fasta(n_per_class=2, long_length=600))
    bad = tmp_path / "bad.fa"
    bad.write_bytes(b"\x00\x01\x02")
    out = cnn.predict_paths(cnn_bundle, [bad, good])
    assert out[0]["file"] == "bad.fa" and "binary" in out[0]["error"]
    assert len(out) == 1 + 7 and out[1]["class"] in ("EI", "IE", "N")
    assert "explanation" in out[1]
    out = rnn.predict_paths(rnn_bundle, [good, bad])
    assert len(out) == 8 and "kmeans_cluster" in out[-1]


def test_stored_motif_matches_are_current(cnn_bundle):
    stored = cnn_bundle.extras["motifs"]
    assert motifs.annotate(stored) == stored


def test_prediction_sets_follow_the_level(cnn_bundle, data_dir):
    gue = data.gue_split(data_dir)
    recs = [SeqRecord(f"w{i}", s) for i, s in enumerate(gue.x_test[:60])]
    res = service.analyse(cnn_bundle, recs, explain_top=0)
    low = [list(r.prediction_set) for r in res]
    high = service.set_level(cnn_bundle, res, 0.99)
    assert all(set(a) <= set(r.prediction_set) for a, r in zip(low, high, strict=True))
    assert high[0].to_row()["level"] == 0.99
    assert [list(r.prediction_set) for r in res] == low, "the given results are unchanged"
    card = cnn_bundle.card["metrics"]["conformal"]  # the 400-nt windows' shipped rule
    assert card["level"] == service.default_level(cnn_bundle, "window")
    assert card["coverage"] == cnn_bundle.card["metrics"]["conformal_by_shape"][
        "window_400"]["coverage"] and 0 <= card["share_uncertain"] <= 1


def test_windows_report_their_members_spread(cnn_bundle):
    """The 3-member ensemble's probability of the called class lies within its members' range;
    the mean is what ``classify`` returns (same pass)."""
    from medcore.genomics import scan

    seqs = ["ACGT" * 15, "CAGGTAAGT" * 6 + "ACGTAC"]
    mean, each = scan.classify_with_members(cnn_bundle.model, seqs)
    assert each.shape == (2, 3, 3) and np.allclose(each.mean(axis=1), mean, atol=1e-6)
    assert np.allclose(scan.classify(cnn_bundle.model, seqs), mean)
    for r in service.analyse(cnn_bundle, [SeqRecord(f"s{i}", s) for i, s in enumerate(seqs)],
                             explain_top=0):
        s = r.member_spread
        p = r.probabilities[r.class_name]
        assert s["members"] == 3 and s["min"] - 1e-4 <= p <= s["max"] + 1e-4
        assert r.to_row()["member_spread"] == s

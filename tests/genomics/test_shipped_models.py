"""The shipped dna-cnn / dna-rnn: evaluate equals the card, predictions, scans, explanations."""

from __future__ import annotations

import numpy as np

from medcore.genomics import analyse, cnn, motifs, rnn, scan, synthetic
from medcore.genomics.io import parse_text


def test_cnn_evaluate_equals_card(cnn_bundle, data_dir):
    metrics = cnn.evaluate(cnn_bundle, data_dir)
    assert metrics == cnn_bundle.card["metrics"]
    assert metrics["accuracy"] > metrics["baselines"]["positional_onehot_logreg"]["accuracy"] - 0.02


def test_rnn_evaluate_equals_card(rnn_bundle, data_dir):
    """Exact, except the clustering figures: within the tolerance the card states, on any CPU."""
    metrics = rnn.evaluate(rnn_bundle, data_dir)
    card = rnn_bundle.card["metrics"]
    tol = rnn_bundle.card["tolerance"]["metrics.clustering"]
    assert tol <= 0.02 and rnn_bundle.card["tolerance"]["why"]
    assert {k: v for k, v in metrics.items() if k != "clustering"} == \
        {k: v for k, v in card.items() if k != "clustering"}
    got, want = metrics["clustering"]["bigru_embedding"], card["clustering"]["bigru_embedding"]
    assert set(got) == set(want) == {"kmeans", "hdbscan"}
    for method in want:
        assert got[method]["n_clusters"] == want[method]["n_clusters"], method
        for k in ("ari", "nmi", "noise_fraction"):
            assert abs(got[method][k] - want[method][k]) <= tol, (method, k)


def test_card_fields(cnn_bundle, rnn_bundle):
    for b in (cnn_bundle, rnn_bundle):
        card = b.card
        assert card["class_names"] == ["EI", "IE", "N"]
        assert card["dataset"]["counts"]["test"] == {"EI": 153, "IE": 154, "N": 331}
        assert all(k in card["metrics"] for k in card["headline_metrics"])
    assert cnn_bundle.card["cross_validation"]["folds"] == 10


def test_synthetic_example_classified_sensibly(cnn_bundle):
    records = parse_text(synthetic.example_fasta()).records
    results = analyse.analyse(cnn_bundle, records, explain_limit=0)
    windows = [r for r in results if r.kind == "window"]
    correct = sum(r.class_name == r.label for r in windows)
    assert correct >= 0.8 * len(windows)
    long = results[-1]
    assert long.kind == "scan" and long.track is not None
    centres, proba = long.track
    assert len(centres) == 3000 - 60 + 1 and proba.shape == (len(centres), 3)
    # planted sites (junctions after 800, 1700, 2400) are found near the top
    hits = {(s["class"], s["junction_after"]) for s in long.sites}
    assert any(c == "EI" and abs(p - 800) <= 2 for c, p in hits)
    assert any(c == "IE" and abs(p - 1700) <= 2 for c, p in hits)


def test_explanation_highlights_donor_consensus(cnn_bundle):
    rec = parse_text(">d\n" + synthetic.window("EI", np.random.default_rng(3))).records
    res = analyse.analyse(cnn_bundle, rec)[0]
    assert res.class_name == "EI" and res.contrib.shape == (60, 4)
    top = [p["position"] for p in res.to_json()["explanation"]["top_positions"]]
    assert any(29 <= p <= 34 for p in top), top  # the G|GT at the junction matters


def test_scan_matches_windowed_classification(cnn_bundle):
    rng = np.random.default_rng(1)
    seq = "".join(rng.choice(list("ACGT"), 200))
    centres, proba = scan.scan(cnn_bundle.model, seq, 60, step=7)
    direct = scan.classify(cnn_bundle.model, [seq[c - 30:c + 30] for c in centres], 60)
    np.testing.assert_allclose(proba, direct, atol=1e-5)


def test_motifs_have_pwms(cnn_bundle):
    pwms = cnn_bundle.extras["motifs"]
    assert len(pwms) == 32
    assert np.allclose(np.sum(pwms[0]["pwm"], axis=1), 1, atol=1e-3)
    assert any(m["matches"] for m in pwms), "some filter should match the GT/AG consensus"


def test_consensus_matcher():
    donor = np.full((9, 4), 0.02)
    for i, b in enumerate("CAGGTAAGT"):
        donor[i, "ACGT".index(b)] = 0.94
    names = [m["motif"] for m in motifs.match_consensus(donor)]
    assert names and names[0].startswith("donor")
    assert motifs.match_consensus(np.full((9, 4), 0.25)) == []


def test_predict_paths_keeps_going(cnn_bundle, rnn_bundle, tmp_path):
    good = tmp_path / "good.fa"
    good.write_text(synthetic.example_fasta(n_per_class=2, long_length=200))
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
    kinds = {x["motif"].split()[0] for m in stored for x in m["matches"]}
    assert kinds == {"donor", "acceptor"}

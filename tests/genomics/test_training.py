"""The splice network, its exact scanning, variant alignment, and a quick training run."""

from __future__ import annotations

import numpy as np
import pytest

from medcore import ensemble, registry
from medcore.genomics import data, network, rnn, scan, variant


@pytest.fixture(scope="module")
def untrained():
    return ensemble.average([network.build_model(seed=i, name=f"member{i}") for i in range(2)],
                            mean_name="ensemble_mean", name="dna_cnn")


def _dna(n: int, seed: int = 0) -> str:
    return "".join(np.random.default_rng(seed).choice(list("ACGT"), n))


def test_models_are_functional_and_small():
    m = network.build_model()
    assert m.get_layer("motif_conv").kernel_size == (9,)
    assert m.count_params() < 200_000
    assert m(np.zeros((2, 75, 4), np.float32)).shape == (2, 75, 3)  # a score per position
    r = rnn.build_model()
    x = np.zeros((2, 75, 4), np.float32)  # the GRU accepts any length
    assert r(x).shape == (2, 3)
    assert rnn.embedder(r)(x).shape == (2, 64)


def test_scores_do_not_depend_on_chunking_or_batching(untrained, monkeypatch):
    seq = _dna(1500, 1)
    whole = scan.site_scores(untrained, seq)
    monkeypatch.setattr(scan, "CHUNK", 317)
    np.testing.assert_allclose(scan.site_scores(untrained, seq), whole, atol=1e-5)
    # a window's class is its score at the junction, as if scanned alone
    windows = [seq[i:i + 400] for i in (0, 333, 1100)] + [seq[50:110]]
    direct = np.stack([scan.site_scores(untrained, w)[data.junction_index(len(w))]
                       for w in windows])
    np.testing.assert_allclose(scan.classify(untrained, windows), direct, atol=1e-5)
    np.testing.assert_allclose(scan.window_scores(untrained, windows[:3])[1],
                               scan.site_scores(untrained, windows[1]), atol=1e-5)


def test_targets_rule_out_what_each_window_kind_excludes():
    seqs = ["A" * 400, "C" * 400, "G" * 400, "T" * 60]
    x, allowed, weight = network.targets(seqs, np.array([0, 1, 2, 0]))
    assert x.shape == (4, 400, 4) and weight[:, 200].tolist() == [1, 1, 1, 1]
    assert allowed[0, 200].tolist() == [1, 0, 0] and allowed[0, 10].tolist() == [0, 1, 1]
    assert allowed[1, 200].tolist() == [0, 1, 0] and allowed[1, 390].tolist() == [1, 0, 1]
    assert allowed[2, 5].tolist() == [0, 0, 1]
    # a 60-nt record sits with its junction at 200; outside it nothing is learnt
    assert weight[3, 169] == 0 and weight[3, 170] == network.OFF_CENTRE_WEIGHT
    assert x[3, 169].sum() == 0 and x[3, 170:230].sum() == 60


def test_alignment_of_indels():
    alt = np.arange(12, dtype=np.float32)[:, None]  # alternative scores = their alt index
    # deletion of 2 bases (REF 3 at index 4, ALT 1): positions 5, 6 deleted, then shift by -2
    out = variant.align(alt, start=4, ref_len=3, alt_len=1, length=14)[:, 0]
    assert out.tolist() == [0, 1, 2, 3, 4, 0, 0, 5, 6, 7, 8, 9, 10, 11]
    # insertion of 2 bases after index 4: the anchor takes the max of the stretch, then shift +2
    out = variant.align(alt, start=4, ref_len=1, alt_len=3, length=10)[:, 0]
    assert out.tolist() == [0, 1, 2, 3, 6, 7, 8, 9, 10, 11]


def test_effect_scores_are_the_record_scores(untrained):
    seq = _dna(900, 3)
    v = variant.parse(f"450 {seq[449]}>{'A' if seq[449] != 'A' else 'C'}", seq)
    eff = variant.effect(untrained, seq, v)
    full = scan.site_scores(untrained, seq)
    assert eff.junction_after[0] == 449 - variant.DISTANCE
    assert len(eff.junction_after) == 2 * variant.DISTANCE + 1
    np.testing.assert_allclose(eff.donor_ref, full[eff.junction_after, 0], atol=1e-5)
    assert set(eff.deltas) == {"acceptor_gain", "acceptor_loss", "donor_gain", "donor_loss"}
    for d in eff.deltas.values():
        assert d["score"] >= 0 and abs(d["offset"]) <= variant.DISTANCE
    # near the start of the record the window is cut, not padded with invented bases
    v = variant.parse(f"3 {seq[2]}>{'A' if seq[2] != 'A' else 'C'}", seq)
    assert variant.effect(untrained, seq, v).junction_after[0] == 0


@pytest.mark.slow
@pytest.mark.parametrize("model_id", ["dna-cnn"])
def test_quick_train_load_evaluate(model_id, data_dir, tmp_path, monkeypatch):
    from medcore.train import train

    card = train(model_id, tmp_path / model_id, quick=True)
    assert card["training"]["quick"] is True
    assert 0 <= card["metrics"]["accuracy"] <= 1 and -1 <= card["metrics"]["mcc"] <= 1
    assert "positional_onehot_logreg" in card["metrics"]["uci_test"]["baselines"]
    assert set(card["metrics"]["localisation"]) == {"EI", "IE"}
    monkeypatch.setenv("MEDCORE_MODELS_DIR", str(tmp_path))
    bundle = registry.load(model_id)
    assert registry.module(model_id).evaluate(bundle, data_dir) == card["metrics"]
    # a tampered extra file is refused
    (tmp_path / model_id / "preprocess.json").write_text("{}")
    with pytest.raises(Exception, match="sha256"):
        registry.load(model_id)

"""Quick (tiny, 1-epoch) training runs through the real entry point, then load + evaluate."""

from __future__ import annotations

import numpy as np
import pytest

from medcore import ensemble, registry
from medcore.genomics import cnn, rnn


def test_models_are_functional_and_small():
    m = cnn.build_model()
    assert m.get_layer("motif_conv").kernel_size == (9,)
    assert m.count_params() < 200_000
    r = rnn.build_model()
    x = np.zeros((2, 75, 4), np.float32)  # the GRU accepts any length
    assert r(x).shape == (2, 3)
    assert rnn.embedder(r)(x).shape == (2, 64)


@pytest.mark.parametrize("model_id", ["dna-cnn"])
def test_quick_train_load_evaluate(model_id, data_dir, tmp_path, monkeypatch):
    from medcore.train import train

    card = train(model_id, tmp_path / model_id, quick=True)
    assert card["training"]["quick"] is True
    assert 0 <= card["metrics"]["accuracy"] <= 1
    assert "positional_onehot_logreg" in card["metrics"]["baselines"]
    monkeypatch.setenv("MEDCORE_MODELS_DIR", str(tmp_path))
    bundle = registry.load(model_id)
    assert registry.module(model_id).evaluate(bundle, data_dir) == card["metrics"]
    # a tampered extra file is refused
    (tmp_path / model_id / "preprocess.json").write_text("{}")
    with pytest.raises(Exception, match="sha256"):
        registry.load(model_id)


def test_fast_scan_equals_window_by_window():
    from medcore.genomics import encode, fastscan, scan

    model = ensemble.average([cnn.build_model(seed=i, name=f"member{i}") for i in range(2)],
                             mean_name="ensemble_mean", name="dna_cnn")
    assert fastscan.supported(model)
    seq = "".join(np.random.default_rng(2).choice(list("ACGTN"), 500))
    centres, fast = scan.scan(model, seq, 60)
    windows = np.lib.stride_tricks.sliding_window_view(encode.one_hot(seq), (60, 4))[:, 0]
    slow = scan.predict_windows(model, np.ascontiguousarray(windows))
    assert fast.shape == slow.shape == (441, 3)
    np.testing.assert_allclose(fast, slow, atol=1e-5)
    assert centres[0] == 30 and centres[-1] == 470

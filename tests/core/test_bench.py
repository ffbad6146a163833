"""`python -m medcore bench --quick` writes BENCHMARKS.md and benchmarks.json with ms timings."""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from medcore import registry

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_bench_writes_report_with_targets(tmp_path):
    if not registry.is_trained("dna-cnn"):
        import pytest

        pytest.skip("dna-cnn is not trained in this checkout")
    res = subprocess.run(
        [sys.executable, "-m", "medcore", "bench", "--quick", "--no-browser", "--json",
         "--out", str(tmp_path), "--models", "dna-cnn"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    report = json.loads((tmp_path / "benchmarks.json").read_text())
    model = report["models"]["dna-cnn"]
    assert model["load_ms"] > 0
    assert any(k.endswith("_ms") for k in model["speed"]), model["speed"]
    assert report["machine"]["cores"] >= 1 and "keras" in report["machine"]["versions"]
    rows = [t for t in report["targets"] if t["model"] == "dna-cnn"]
    assert rows and all(isinstance(t["pass"], bool) for t in rows)
    assert model["speed"]["report_ms"] > 0  # one case report, on the download's path
    assert any(t["name"].startswith("one case report") for t in rows)
    shared = model["keras"]
    assert shared["train_samples_per_s"] > 0 and shared["predict_batch_per_s"] > 0
    assert shared["tutorial_ms_per_input"] > shared["medcore_ms_per_input"] > 0
    assert shared["single_p95_ms"] >= shared["single_p50_ms"] > 0
    text = (tmp_path / "BENCHMARKS.md").read_text()
    assert "## Targets" in text and "dna-cnn" in text
    assert "## Training and inference, every model" in text


# Their own quick benches take about 20 s each on 2 cores (1,000 films, 256 stays): this test
# times their case report and the shared wiring; the dna-cnn test above runs one whole.
_OWN_BENCH_TOO_SLOW = ("xray-cnn", "history-rnn")


@pytest.mark.slow
@pytest.mark.parametrize("model_id", ["xray-cnn", "history-rnn", "tox-cnn", "dna-cnn"])
def test_quick_bench_runs_every_predictive_model(model_id, monkeypatch):
    """``bench_model(quick=True)`` for each predictive model, on the path the command runs:
    load, the card's quality, the module's own speed figures and one case report built the
    way the download button builds it. The shared Keras timings (a training loop per model,
    tens of seconds) are left out here; they are tested on a tiny model below."""
    from medcore.bench import case_report
    from medcore.bench import run as bench
    from medcore.cards import load_card

    if not registry.is_trained(model_id):
        pytest.skip(f"{model_id} is not trained in this checkout")
    monkeypatch.setattr(case_report, "REPEATS", 1)
    monkeypatch.setattr(bench, "keras_figures", lambda bundle, quick: {})
    if model_id in _OWN_BENCH_TOO_SLOW:
        spec = registry.spec(model_id)
        monkeypatch.setitem(registry.MODELS, model_id, dataclasses.replace(
            spec, measure=dataclasses.replace(spec.measure, speed=None)))
    out = bench.bench_model(model_id, quick=True)
    card = load_card(registry.model_folder(model_id))
    assert out["load_ms"] > 0 and out["quality"] == card["metrics"]
    assert out["speed"]["report_ms"] > 0
    names = [t["name"] for t in out["targets"]]
    assert any(n.startswith("one case report") for n in names), names
    assert all(isinstance(t["pass"], bool) for t in out["targets"])
    if model_id not in _OWN_BENCH_TOO_SLOW:
        assert len(out["targets"]) > 1 and any(k.endswith("_ms") and k != "report_ms"
                                               for k in out["speed"]), out["speed"]


def test_every_measure_names_a_bench_function_and_every_goal_a_card_metric():
    """What the registry says the bench measures must exist: a renamed bench function or card
    metric would otherwise leave a hook that never runs or a goal read as "not measured"."""
    from medcore.bench import run as bench
    from medcore.cards import load_card

    for model_id, spec in registry.MODELS.items():
        for name in ("speed", "training", "case_report", "validation"):
            if getattr(spec.measure, name):
                fn = spec.measure.ref(name)
                assert callable(fn) and fn.__module__.startswith("medcore.bench."), (model_id,
                                                                                     name)
        assert (spec.measure.validation is None) == (spec.measure.validation_s is None)
        if spec.measure.goals and registry.is_trained(model_id):
            metrics = load_card(registry.model_folder(model_id))["metrics"]
            for goal in spec.measure.goals:
                assert bench._lookup(metrics, goal.metric) is not None, (model_id, goal)


def _tiny_model():
    import keras

    inp = keras.Input((None, 4))
    h = keras.layers.Conv1D(8, 3, padding="same", activation="relu")(inp)
    h = keras.layers.GlobalMaxPooling1D()(h)
    return keras.Model(inp, keras.layers.Dense(3, activation="softmax")(h))


def test_shared_keras_timings_on_a_tiny_model():
    from medcore.bench import training as bench_train

    model = _tiny_model()
    x = bench_train.random_inputs(model, 16, steps=20)
    assert x[0].shape == (16, 20, 4)
    y = bench_train.random_targets(model, 16)
    assert y.shape == (16, 3) and (y.sum(axis=1) == 1).all()  # one-hot for a softmax head
    out = bench_train.train_throughput(model, n=64, batch_size=16, steps=20)
    assert out["train_samples_per_s"] > 0 and out["train_samples"] == 64
    ratio = bench_train.tutorial_ratio(model, lambda xs: model.predict(xs[0], verbose=0),
                                       n=32, n_tutorial=4, steps=20)
    # one predict call per input pays Keras' per-call overhead every time: batching must win
    assert ratio["tutorial_ratio"] > 1


def test_targets_follow_the_head_also_behind_an_average_layer():
    """Ensembles end in Average: sigmoid members need 0/1 targets, softmax members one-hot."""
    import keras

    from medcore.bench import training as bench_train

    inp = keras.Input((6,))

    def averaged(width, activation):
        heads = [keras.layers.Dense(width, activation=activation)(inp) for _ in range(2)]
        return keras.Model(inp, keras.layers.Average()(heads))

    for width, activation in ((1, "sigmoid"), (3, "sigmoid"), (3, "softmax")):
        y = bench_train.random_targets(averaged(width, activation), 64)
        assert y.shape == (64, width)
        one_hot = bool((y.sum(axis=1) == 1).all())
        assert one_hot == (activation == "softmax"), (width, activation)


def test_gan_throughput_uses_the_fastest_runs_and_never_reports_a_negative_time(monkeypatch):
    """fit(n) costs a tracing overhead plus n units; the clock is simulated, nothing sleeps."""
    from medcore.bench import training as bench_train

    clock = {"now": 0.0}
    monkeypatch.setattr(bench_train.time, "perf_counter", lambda: clock["now"])
    overheads = iter([5.0, 1.0, 1.0, 3.0])  # tracing jitter: fit(u), fit(2u), fit(u), fit(2u)

    def fit(n):
        clock["now"] += next(overheads) + 0.5 * n

    out = bench_train.epoch_difference(fit, 4, 10)
    # fastest fit(4) = 1 + 2 s, fastest fit(8) = 1 + 4 s: 4 units of 10 samples in 2 s
    assert out == {"train_samples": 40, "train_samples_per_s": 20.0}

    overheads = iter([5.0, 1.0, 5.0, 1.0])
    out = bench_train.epoch_difference(lambda n: fit(0), 4, 10)  # the longer run is no slower
    assert "train_samples_per_s" not in out and "not measured" in out["train_note"]


def test_mixed_precision_clone_keeps_the_output_layer_in_float32():
    from medcore.bench import training as bench_train

    model = _tiny_model()
    clone = bench_train.fresh_copy(model, "mixed_float16")
    policies = [layer.dtype_policy.name for layer in clone.layers[1:]]
    assert policies[:-1] == ["mixed_float16"] * (len(policies) - 1)
    assert policies[-1] == "float32"
    assert model.layers[1].dtype_policy.name == "float32"  # the original is untouched


@pytest.mark.slow
def test_gpu_bench_runs_on_any_backend_and_reports_each_policy(tmp_path):
    """The GPU bench needs only Keras: here it runs on the CPU under TensorFlow (with the
    smallest recurrent model: float16 on a CPU is slow, and the path is the same for all)."""
    if not registry.is_trained("dna-rnn"):
        import pytest

        pytest.skip("dna-rnn is not trained in this checkout")
    from medcore.bench.gpu import POLICIES, run_gpu_bench

    report = run_gpu_bench(tmp_path, quick=True, models=["dna-rnn"])
    res = report["models"]["dna-rnn"]
    assert [p for p in POLICIES if res[p]["predict_batch_per_s"] > 0] == list(POLICIES)
    assert res["float32"]["train_b64_samples_per_s"] > 0
    text = (tmp_path / "BENCHMARKS_GPU.md").read_text()
    assert "| dna-rnn | mixed_float16 |" in text and report["machine"]["backend"] == "tensorflow"


def test_memory_with_every_model_loaded_is_measured():
    from medcore.bench.app import all_models_rss_mb

    if not all(registry.is_trained(m) for m in registry.MODELS):
        import pytest

        pytest.skip("not every model is trained in this checkout")
    mb = all_models_rss_mb()
    assert mb is not None and 200 < mb < 16_000  # TensorFlow alone is a few hundred MB


def test_update_rebenches_only_the_named_model_and_keeps_the_rest(tmp_path, monkeypatch):
    import pytest

    from medcore.bench import run as bench
    from medcore.errors import MedcoreError

    with pytest.raises(MedcoreError, match="No benchmarks.json"):
        bench.update_bench(["dna-cnn"], tmp_path)
    full = json.loads((ROOT / "benchmarks.json").read_text())
    (tmp_path / "benchmarks.json").write_text(json.dumps(full))
    fresh = {"load_ms": 1.0, "quality_source": "card",
             "quality": {"mcc": 0.5, "uci_test": {"accuracy": 0.5}},
             "speed": {}, "targets": [{"name": "new timing", "target": 1.0, "value": 2.0,
                                       "pass": False}]}
    monkeypatch.setattr(bench, "bench_model", lambda mid, quick: fresh)
    report = bench.update_bench(["dna-cnn"], tmp_path)
    assert report["models"]["dna-cnn"] == fresh and "dna-cnn" in report["updated"]
    assert report["models"]["xray-cnn"] == full["models"]["xray-cnn"]
    mine = [t for t in report["targets"] if t["model"] == "dna-cnn"]
    assert [t["name"] for t in mine] == ["held-out mcc", "held-out uci_test.accuracy",
                                         "new timing"]
    assert mine[0]["pass"] is mine[1]["pass"] is False  # 0.5 is below the 0.85 and 0.97 goals
    app = [t for t in report["targets"] if t["model"] == "app"]
    assert app == [t for t in full["targets"] if t["model"] == "app"] and app
    assert "Re-measured with `--update`" in (tmp_path / "BENCHMARKS.md").read_text()
    full["quick"] = True
    (tmp_path / "benchmarks.json").write_text(json.dumps(full))
    with pytest.raises(MedcoreError, match="--quick"):
        bench.update_bench(["dna-cnn"], tmp_path)

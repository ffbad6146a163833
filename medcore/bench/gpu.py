"""``python -m medcore bench --gpu``: shared Keras timings on a GPU, float32 vs mixed precision.

Reported apart from the CPU bench (``benchmarks_gpu.json``, ``BENCHMARKS_GPU.md``). It needs only
Keras and a backend that sees a GPU, so it also runs where TensorFlow is not installed: with
``KERAS_BACKEND=jax`` on a JAX+CUDA machine. The shipped ``.keras`` files are loaded as they are
(hash-checked, ``safe_mode``); inputs are random tensors of each model's input shape.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

from medcore import registry
from medcore.bench import env as bench_env
from medcore.cards import load_card

POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


def _devices() -> list[str]:
    import keras

    backend = keras.backend.backend()
    try:
        if backend == "jax":
            import jax

            return [str(d.device_kind) for d in jax.devices() if d.platform == "gpu"]
        if backend == "tensorflow":
            import tensorflow as tf

            return [d.name for d in tf.config.list_physical_devices("GPU")]
        if backend == "torch":
            import torch

            return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    except Exception:  # noqa: BLE001 - a backend without GPU support simply reports none
        return []
    return []


def _machine() -> dict:
    import keras

    return {"backend": keras.backend.backend(), "gpus": _devices(), "cores": os.cpu_count(),
            "python": platform.python_version(),
            "versions": bench_env.versions(("keras", "jax", "jaxlib", "tensorflow", "torch",
                                            "numpy"))}


def _load(model_id: str):
    """The shipped model only (no extras: those may need TensorFlow), hash-checked."""
    from medcore.history import layers  # noqa: F401 - registers DecayImpute for loading

    folder = registry.model_folder(model_id)
    card = load_card(folder)
    registry.verify_files(folder, {"id": model_id, "sha256": card["sha256"]})
    return registry.load_keras_file(folder / "model.keras")


def _steps(model_id: str) -> int:
    from medcore.bench.training import steps_for

    pre = registry.model_folder(model_id) / "preprocess.json"
    return steps_for(json.loads(pre.read_text()) if pre.exists() else {})


def bench_model(model_id: str, quick: bool) -> dict:
    """Per policy: batched inference, and (classifiers) training throughput at batch 64 and 512."""
    from medcore.bench import training as bench_train

    model = _load(model_id)
    steps = _steps(model_id)
    is_gan = model_id.endswith("-gan")  # generators: timed on generation, not a classifier fit
    n_big = 1024 if quick else 8192
    out: dict = {"input_steps_if_variable": steps}
    for policy in POLICIES:
        runs: dict = {}
        clone = model if policy == "float32" else bench_train.fresh_copy(model, policy)
        runs.update(bench_train.predict_throughput(clone, n=n_big, batch_size=1024, steps=steps))
        if not is_gan:
            big = bench_train.train_throughput(model, n=n_big, batch_size=512, steps=steps,
                                               dtype_policy=None if policy == "float32"
                                               else policy)
            runs["train_b512_samples_per_s"] = big["train_samples_per_s"]
            if policy == "float32":
                small = bench_train.train_throughput(model, n=n_big // 4, batch_size=64,
                                                     steps=steps)
                runs["train_b64_samples_per_s"] = small["train_samples_per_s"]
        out[policy] = runs
    return out


def run_gpu_bench(out_dir: Path = Path("."), quick: bool = False,
                  models: list[str] | None = None) -> dict:
    """Bench every trained model under each dtype policy; write the JSON and Markdown reports."""
    report: dict = {"date": time.strftime("%Y-%m-%d %H:%M"), "quick": quick,
                    "machine": _machine(), "models": {}}
    for mid in models or list(registry.MODELS):
        if registry.is_trained(mid):
            start = time.perf_counter()
            report["models"][mid] = bench_model(mid, quick)
            report["models"][mid]["bench_ms"] = round((time.perf_counter() - start) * 1000)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "benchmarks_gpu.json").write_text(json.dumps(report, indent=2) + "\n")
    (out_dir / "BENCHMARKS_GPU.md").write_text(render(report))
    return report


def render(report: dict) -> str:
    """One table: inference and training throughput per model and dtype policy."""
    m = report["machine"]
    lines = ["# medcore GPU benchmarks", "",
             f"Measured {report['date']} by `python -m medcore bench --gpu` with the Keras "
             f"{m['backend']} backend on: {', '.join(m['gpus']) or 'no GPU'}, {m['cores']} CPU "
             f"cores, Python {m['python']}.", "",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()), "",
             "Random inputs of each model's input shape; training runs a fresh copy of the "
             "shipped architecture (second epoch timed); mixed precision keeps the output layer "
             "in float32. GANs: generation only.", "",
             "| model | policy | inference /s (batch 1024) | training samples/s (batch 512) "
             "| training samples/s (batch 64) |", "|---|---|---|---|---|"]
    for mid, res in report["models"].items():
        for policy in POLICIES:
            r = res.get(policy, {})
            lines.append(f"| {mid} | {policy} | {r.get('predict_batch_per_s', '–')} | "
                         f"{r.get('train_b512_samples_per_s', '–')} | "
                         f"{r.get('train_b64_samples_per_s', '–')} |")
    return "\n".join(lines) + "\n"

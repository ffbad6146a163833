"""``bench`` for xray-cnn: the issue's speed targets, measured against a tutorial baseline.

The tutorial baseline is what most Keras tutorials do per image: ``model.predict(x)``, which
builds a data pipeline on every call. medcore scores with the shipped TFLite graph
(``medcore.imaging.tflite``; a compiled ``tf.function`` where a model has none).
Times are wall-clock on whatever else the machine is running; p50 of repeated calls.
"""

from __future__ import annotations

import io

import numpy as np

TARGETS = {  # name: (target, unit, higher_is_better)
    "predict_p50_ms": (5.0, "ms", False),
    "speedup_vs_tutorial": (5.0, "x", True),
    "batch_per_s": (3000.0, "images/s", True),
    "gradcam_ms": (50.0, "ms", False),
    "shap_ms": (2000.0, "ms", False),
}


def _images(size: int, n: int) -> np.ndarray:
    """Real test X-rays when the data folder exists, else smooth random images."""
    from medcore.imaging.data import load_splits, npz_path
    from medcore.settings import data_dir

    if size == 28 and npz_path(data_dir()).exists():
        x = load_splits(data_dir())["test"].x
        return x[np.arange(n) % len(x)]
    rng = np.random.default_rng(0)
    return np.clip(rng.normal(128, 30, (n, size, size)), 0, 255).astype(np.uint8)


def run_bench(bundle, quick: bool = False) -> dict:
    from PIL import Image

    from medcore.bench.training import times_ms
    from medcore.explain.gradcam import gradcam
    from medcore.imaging.batch import explain_shap
    from medcore.imaging.infer import analyse_bytes, predict_proba

    size = int(bundle.extras["size"])
    reps = 30 if quick else 200
    imgs = _images(size, 2048 if not quick else 512)
    one = imgs[:1, ..., None].astype(np.float32)

    def fn(x: np.ndarray) -> np.ndarray:
        return predict_proba(bundle, x)

    for _ in range(5):
        fn(one)
        bundle.model.predict(one, verbose=0)
        gradcam(bundle.model, one)
    ours = times_ms(lambda: fn(one), reps)
    tutorial = times_ms(lambda: bundle.model.predict(one, verbose=0), 10 if quick else 40)
    big = imgs[..., None].astype(np.float32)
    fn(big)
    batch_ms = np.median(times_ms(lambda: fn(big), 3 if quick else 10))
    cam = times_ms(lambda: gradcam(bundle.model, one), 10 if quick else 50)
    explain_shap(bundle, imgs[0])
    shap = times_ms(lambda: explain_shap(bundle, imgs[1]), 1 if quick else 5)
    buf = io.BytesIO()
    Image.fromarray(np.kron(imgs[2], np.ones((16, 16), np.uint8))).save(buf, format="PNG")
    png = buf.getvalue()
    e2e = times_ms(lambda: analyse_bytes(bundle, "bench.png", png), 5 if quick else 20)
    figures = {
        "predict_p50_ms": round(float(np.percentile(ours, 50)), 3),
        "predict_p95_ms": round(float(np.percentile(ours, 95)), 3),
        "tutorial_predict_p50_ms": round(float(np.percentile(tutorial, 50)), 3),
        "speedup_vs_tutorial": round(float(np.percentile(tutorial, 50) / np.percentile(ours, 50)),
                                     2),
        "batch_per_s": round(len(big) / (batch_ms / 1000), 1),
        "gradcam_ms": round(float(np.percentile(cam, 50)), 3),
        "shap_ms": round(float(np.percentile(shap, 50)), 1),
        "upload_448px_png_to_result_ms": round(float(np.percentile(e2e, 50)), 2),
    }
    targets = []
    for name, (target, unit, higher) in TARGETS.items():
        value = figures[name]
        targets.append({"name": name, "value": value, "target": target, "unit": unit,
                        "op": ">=" if higher else "<=",
                        "pass": bool(value >= target if higher else value <= target)})
    return {"figures": figures, "targets": targets}

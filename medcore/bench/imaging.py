"""Speed of the imaging models: xray-cnn on the path the page, ``predict`` and ``score`` run;
xray-gan generating and its own adversarial training loop.

``analyse`` (decode -> stretch to the model's size -> probability -> both checks) is what every
caller runs; Grad-CAM and SHAP are timed on their own because the page draws them after the
probability. Times are wall-clock p50 of repeated calls on whatever else the machine is doing.
"""

from __future__ import annotations

import io
import time

import numpy as np

from medcore.bench import samples
from medcore.bench.training import epoch_difference, times_ms

TARGETS = {  # name: (target, unit, higher_is_better)
    "jpeg_2000px_to_probability_p50_ms": (100.0, "ms", False),
    "gradcam_ms": (300.0, "ms", False),
    "shap_ms": (3000.0, "ms", False),
    "batch_films_per_s": (100.0, "films/s", True),
}


def _films(n: int) -> list[np.ndarray]:
    """Real test films when the data folder has them, else smooth random images."""
    from medcore.errors import DataUnavailableError

    try:
        films = [samples.xray_film(i) for i in range(min(n, 64))]
        return [films[i % len(films)] for i in range(n)]
    except (DataUnavailableError, FileNotFoundError):
        rng = np.random.default_rng(0)
        return [np.clip(rng.normal(128, 30, (224, 224)), 0, 255).astype(np.uint8)
                for _ in range(n)]


def bench_cnn(bundle, quick: bool = False) -> dict:
    """xray-cnn: a 2000 px JPEG to its probability, a batch, Grad-CAM and SHAP, against targets."""
    from PIL import Image

    from medcore.explain.gradcam import gradcam
    from medcore.imaging.figures import png_bytes
    from medcore.imaging.io import XrayImage
    from medcore.imaging.service import analyse, analyse_bytes, batch, model_inputs, shap_values

    films = _films(64 if quick else 512)
    big = Image.fromarray(films[0]).resize((2000, 2000), Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    big.save(buf, format="JPEG", quality=92)
    jpeg = buf.getvalue()
    decoded = [XrayImage(f"f{i}.png", f, "png", f.shape[::-1]) for i, f in enumerate(films)]
    one = batch(model_inputs(bundle, decoded[:1]))
    for _ in range(3):
        analyse_bytes(bundle, "bench.jpg", jpeg, explain_top=0)
        gradcam(bundle.model, one)
    to_prob = times_ms(lambda: analyse_bytes(bundle, "bench.jpg", jpeg, explain_top=0),
                       5 if quick else 30)
    analyse(bundle, decoded[:64], explain_top=0)
    batch_ms = np.median(times_ms(lambda: analyse(bundle, decoded, explain_top=0),
                                  1 if quick else 3))
    cam = times_ms(lambda: gradcam(bundle.model, one), 5 if quick else 30)
    shap_values(bundle, model_inputs(bundle, decoded[:1])[0])
    shap = times_ms(lambda: shap_values(bundle, model_inputs(bundle, decoded[1:2])[0]),
                    1 if quick else 5)
    png = png_bytes(films[2])
    figures = {
        "jpeg_2000px_to_probability_p50_ms": round(float(np.percentile(to_prob, 50)), 2),
        "jpeg_2000px_to_probability_p95_ms": round(float(np.percentile(to_prob, 95)), 2),
        "batch_films_per_s": round(len(decoded) / (batch_ms / 1000), 1),
        "gradcam_ms": round(float(np.percentile(cam, 50)), 2),
        "shap_ms": round(float(np.percentile(shap, 50)), 1),
        "png_224px_to_result_with_gradcam_ms": round(float(np.percentile(
            times_ms(lambda: analyse_bytes(bundle, "bench.png", png), 5 if quick else 20),
            50)), 2),
    }
    targets = []
    for name, (target, unit, higher) in TARGETS.items():
        value = figures[name]
        targets.append({"name": name, "value": value, "target": target, "unit": unit,
                        "op": ">=" if higher else "<=",
                        "pass": bool(value >= target if higher else value <= target)})
    return {"figures": figures, "targets": targets}


def bench_gan(bundle, quick: bool = False) -> dict:
    """xray-gan: generated images per second (no target: teaching material, not a hot path)."""
    from medcore.imaging.gan import generate_images

    generate_images(bundle, 8)
    start = time.perf_counter()
    n = 64 if quick else 512
    generate_images(bundle, n, seed=1)
    ms = (time.perf_counter() - start) * 1000
    return {"figures": {"generate_per_s": round(n / (ms / 1000), 1),
                        "generate_batch_ms": round(ms, 2)}, "targets": []}


def gan_training(bundle, quick: bool = False) -> dict:
    """Images per second of xray-gan's adversarial loop (generator + discriminator step)."""
    from medcore.imaging.gan_fit import fit_gan

    size = int(bundle.extras["size"])
    n = 256 if quick else 1024
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (n, size, size)).astype(np.uint8)
    y = rng.integers(0, 2, n)
    width = int(bundle.extras.get("gan_width", 32))
    return epoch_difference(lambda e: fit_gan(x, y, size, e, width=width), 1, n)

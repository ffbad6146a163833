"""Measure the OOD check: flag rates on real test X-rays vs photos, text scans and noise.

All non-X-ray probes are generated in code with a fixed seed (scikit-learn's two sample
photos, text pages rendered with PIL, random noise), so ``train`` and ``evaluate`` agree.
"""

from __future__ import annotations

import numpy as np

from medcore.imaging.preprocess import to_model_input

WORDS = ("patient report chest radiograph findings impression lungs clear no acute "
         "cardiopulmonary process dated signed physician hospital").split()


def _photos(rng: np.random.Generator, n: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Random crops (any aspect) of the sklearn sample photos: (rgb crops, gray crops)."""
    from sklearn.datasets import load_sample_images

    imgs = load_sample_images().images
    rgb = []
    for i in range(n):
        im = imgs[i % len(imgs)]
        h, w = im.shape[:2]
        ch, cw = rng.integers(h // 4, h), rng.integers(w // 4, w)
        y, x = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)
        rgb.append(im[y:y + ch, x:x + cw])
    gray = [np.round(c.astype(float) @ [0.299, 0.587, 0.114]).astype(np.uint8) for c in rgb]
    return rgb, gray


def _text_pages(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    from PIL import Image, ImageDraw, ImageFont

    pages = []
    for _ in range(n):
        w, h = int(rng.integers(300, 700)), int(rng.integers(300, 900))
        im = Image.new("L", (w, h), int(rng.integers(220, 256)))
        draw = ImageDraw.Draw(im)
        size = int(rng.integers(10, 28))
        try:
            font = ImageFont.truetype("DejaVuSans.ttf", size)
        except OSError:
            font = ImageFont.load_default()
        for y in range(10, h - size, int(size * 1.5)):
            line = " ".join(rng.choice(WORDS, int(rng.integers(3, 10))))
            draw.text((10, y), line, fill=int(rng.integers(0, 60)), font=font)
        pages.append(np.asarray(im))
    return pages


def _noise(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    out = []
    for i in range(n):
        shape = (int(rng.integers(64, 512)), int(rng.integers(64, 512)))
        if i % 3 == 0:
            out.append(rng.integers(0, 256, shape).astype(np.uint8))
        elif i % 3 == 1:
            out.append(np.clip(rng.normal(128, 40, shape), 0, 255).astype(np.uint8))
        else:
            out.append(((rng.random(shape) > 0.5) * 255).astype(np.uint8))
    return out


def probe_sets(seed: int = 0, n: int = 60) -> dict[str, tuple[list[np.ndarray], np.ndarray]]:
    """name -> (grayscale images of any size, chroma of the original per image)."""
    rng = np.random.default_rng(seed)
    rgb, gray = _photos(rng, n)
    chroma = np.array([(c.max(2).astype(float) - c.min(2)).mean() / 255.0 for c in rgb])
    zeros = np.zeros(n)
    return {"colour_photos": (gray, chroma), "grayscale_photos": (gray, zeros),
            "text_scans": (_text_pages(rng, n), zeros), "noise": (_noise(rng, n), zeros)}


def ood_report(model, params: dict, test_x: np.ndarray, size: int) -> dict:
    """Share flagged per set; ``xray_test`` is the false-alarm rate on real held-out X-rays."""
    from medcore.imaging import ood

    out = {"xray_test_flagged": _rate(ood.check(params, ood._features(model, test_x), test_x))}
    for name, (images, chroma) in probe_sets().items():
        x = np.stack([to_model_input(im, size) for im in images])
        out[f"{name}_flagged"] = _rate(ood.check(params, ood._features(model, x), x, chroma))
    out["n_per_probe_set"] = len(chroma)
    return out


def _rate(flags: list[dict]) -> float:
    return round(float(np.mean([f["flag"] for f in flags])), 4)

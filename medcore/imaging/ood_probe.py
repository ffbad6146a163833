"""Images the two X-ray checks are fitted and measured on, all generated in code with a seed.

Non-X-rays come in families (photos, documents, noise, drawn shapes, negative films) so the
"not a chest X-ray" check can say what an upload looks like. Films "from elsewhere" are real
test films changed the way films from other hospitals differ (collimation borders, exposure,
burnt-in markers, tubes and electrodes, rotation, framing, low contrast, portable films): real
films of other hospitals are only the adult normals of ``xray/adult-normal``. ``train`` fits
on seed 1 and ``evaluate`` measures on seed 0, so no measured image was seen in fitting; the
photos are crops of scikit-learn's two sample photos in both (the only photos on disk).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

WORDS = ("patient report chest radiograph findings impression lungs clear no acute "
         "cardiopulmonary process dated signed physician hospital").split()
NOT_XRAY = ("photo", "document", "noise", "drawing", "negative_film")


def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default()


def photos(rng: np.random.Generator, n: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Random crops (any aspect) of the sklearn sample photos: gray crops and their chroma."""
    from sklearn.datasets import load_sample_images

    imgs = load_sample_images().images
    gray, chroma = [], []
    for i in range(n):
        im = imgs[i % len(imgs)]
        h, w = im.shape[:2]
        ch, cw = rng.integers(h // 4, h), rng.integers(w // 4, w)
        y, x = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)
        crop = im[y:y + ch, x:x + cw]
        chroma.append((crop.max(2).astype(float) - crop.min(2)).mean() / 255.0)
        gray.append(np.round(crop.astype(float) @ [0.299, 0.587, 0.114]).astype(np.uint8))
    return gray, np.array(chroma)


def documents(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    from PIL import Image, ImageDraw

    pages = []
    for _ in range(n):
        w, h = int(rng.integers(300, 700)), int(rng.integers(300, 900))
        im = Image.new("L", (w, h), int(rng.integers(200, 256)))
        draw = ImageDraw.Draw(im)
        size = int(rng.integers(10, 28))
        font = _font(size)
        for y in range(10, h - size, int(size * rng.uniform(1.2, 2.0))):
            line = " ".join(rng.choice(WORDS, int(rng.integers(3, 10))))
            draw.text((10, y), line, fill=int(rng.integers(0, 60)), font=font)
        pages.append(np.asarray(im))
    return pages


def noise(rng: np.random.Generator, n: int) -> list[np.ndarray]:
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


def drawings(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """Flat shapes, gradients and blank frames: screenshots, logos, diagrams."""
    from PIL import Image, ImageDraw

    out = []
    for i in range(n):
        w, h = int(rng.integers(128, 600)), int(rng.integers(128, 600))
        if i % 4 == 0:  # a smooth gradient
            ramp = np.linspace(0, 1, w)[None, :] * rng.uniform(-1, 1) + \
                np.linspace(0, 1, h)[:, None] * rng.uniform(-1, 1)
            ramp = (ramp - ramp.min()) / max(np.ptp(ramp), 1e-6)
            out.append(np.round(ramp * rng.uniform(60, 255)).astype(np.uint8))
            continue
        im = Image.new("L", (w, h), int(rng.integers(0, 256)))
        draw = ImageDraw.Draw(im)
        for _ in range(int(rng.integers(0, 12))):
            box = sorted(rng.integers(0, w, 2)), sorted(rng.integers(0, h, 2))
            xy = (box[0][0], box[1][0], box[0][1], box[1][1])
            shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
            shape(xy, fill=int(rng.integers(0, 256)))
        out.append(np.asarray(im))
    return out


def negative_films(rng: np.random.Generator, films: np.ndarray, n: int) -> list[np.ndarray]:
    """Inverted chest films (bone dark, lungs bright): a common export mistake."""
    idx = rng.choice(len(films), n, replace=len(films) < n)
    return [255 - films[i] for i in idx]


def non_xrays(rng: np.random.Generator, films: np.ndarray, n: int
              ) -> dict[str, tuple[list[np.ndarray], np.ndarray]]:
    """family -> (grayscale images of any size, chroma of the original per image)."""
    gray, chroma = photos(rng, n)
    zeros = np.zeros(n)
    return {"photo": (gray, chroma), "document": (documents(rng, n), zeros),
            "noise": (noise(rng, n), zeros), "drawing": (drawings(rng, n), zeros),
            "negative_film": (negative_films(rng, films, n), zeros)}


# ---- films from elsewhere -------------------------------------------------------------------

def _collimated(rng, im):
    """The film smaller inside a dark or bright border (collimation, a scanned film's frame)."""
    h, w = im.shape
    scale = rng.uniform(0.6, 0.9)
    from PIL import Image

    small = np.asarray(Image.fromarray(im).resize((int(w * scale), int(h * scale))))
    out = np.full((h, w), int(rng.choice([0, 20, 235, 255])), np.uint8)
    y, x = rng.integers(0, h - small.shape[0] + 1), rng.integers(0, w - small.shape[1] + 1)
    out[y:y + small.shape[0], x:x + small.shape[1]] = small
    return out


def _exposure(rng, im):
    gamma = rng.choice([rng.uniform(0.45, 0.75), rng.uniform(1.4, 2.2)])
    return np.round(255 * (im / 255.0) ** gamma).astype(np.uint8)


def _markers(rng, im):
    from PIL import Image, ImageDraw

    pil = Image.fromarray(im)
    draw = ImageDraw.Draw(pil)
    h, w = im.shape
    for text in rng.choice(["L", "R", "PORTABLE", "AP", "SUPINE", "ERECT"], 2, replace=False):
        size = int(rng.integers(h // 20, h // 9))
        draw.text((int(rng.integers(0, w * 3 // 4)), int(rng.integers(0, h * 7 // 8))), text,
                  fill=255, font=_font(size))
    return np.asarray(pil)


def _devices(rng, im):
    """Tubes and wires (bright curves) and ECG electrodes (bright rings)."""
    from PIL import Image, ImageDraw

    pil = Image.fromarray(im)
    draw = ImageDraw.Draw(pil)
    h, w = im.shape
    for _ in range(int(rng.integers(1, 4))):
        pts = [(int(rng.integers(0, w)), int(rng.integers(0, h))) for _ in range(4)]
        draw.line(pts, fill=int(rng.integers(200, 256)), width=int(rng.integers(1, 4)))
    for _ in range(int(rng.integers(2, 6))):
        cx, cy, r = int(rng.integers(0, w)), int(rng.integers(0, h)), int(rng.integers(4, 10))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=255, width=2)
    return np.asarray(pil)


def _rotated(rng, im):
    from PIL import Image

    return np.asarray(Image.fromarray(im).rotate(float(rng.uniform(-12, 12)),
                                                 resample=Image.Resampling.BILINEAR,
                                                 fillcolor=0))


def _framing(rng, im):
    """A tighter or wider, non-square field of view (lungs only, or neck to abdomen)."""
    h, w = im.shape
    ch, cw = int(h * rng.uniform(0.6, 0.9)), int(w * rng.uniform(0.6, 0.95))
    y, x = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)
    return im[y:y + ch, x:x + cw]


def _low_contrast(rng, im):
    """A flat, hazy film (portable machines, scatter, heavy patients): the grey range squeezed
    to a third to two thirds of its width around a lifted mean, slightly blurred."""
    from PIL import Image, ImageFilter

    f = im.astype(np.float64)
    squeezed = f.mean() + (f - f.mean()) * rng.uniform(0.3, 0.65) + rng.uniform(10, 60)
    out = Image.fromarray(np.clip(np.round(squeezed), 0, 255).astype(np.uint8))
    return np.asarray(out.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.0, 1.2)))))


def _portable(rng, im):
    """A portable bedside film: low contrast, a border, a small tilt and a burnt-in label."""
    return _markers(rng, _collimated(rng, _rotated(rng, _low_contrast(rng, im))))


ELSEWHERE: dict[str, Callable] = {"collimated": _collimated, "exposure": _exposure,
                                  "markers": _markers, "devices": _devices,
                                  "rotated": _rotated, "framing": _framing,
                                  "low_contrast": _low_contrast, "portable": _portable}


def elsewhere(rng: np.random.Generator, films: np.ndarray
              ) -> dict[str, list[np.ndarray]]:
    """change -> the films with that change applied, plus ``combined``: two or three at once."""
    out = {name: [fn(rng, f) for f in films] for name, fn in ELSEWHERE.items()}
    names = list(ELSEWHERE)
    combined = []
    for f in films:
        for name in rng.choice(names, int(rng.integers(2, 4)), replace=False):
            f = ELSEWHERE[name](rng, f)
        combined.append(f)
    out["combined"] = combined
    return out

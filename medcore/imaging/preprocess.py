"""Reduce any X-ray to a model's input exactly as its training films were made.

``stretch`` (xray-cnn v3): the whole film resized to a square, as the kermany224 copy was made.
``crop`` (PneumoniaMNIST, MedMNIST v2, Yang et al. 2023): centre crop with a window the length of
the short edge, then resize. Both with PIL bicubic, which antialiases when shrinking.
"""

from __future__ import annotations

import numpy as np

from medcore.errors import CorruptFileError


def centre_crop_box(width: int, height: int) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the centred square on the short edge."""
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    return left, top, left + side, top + side


def to_model_input(pixels: np.ndarray, size: int = 28, resize: str = "crop") -> np.ndarray:
    """uint8 (height, width) -> uint8 (size, size): ``crop`` to the centre square or
    ``stretch`` the whole image, then bicubic resize."""
    from PIL import Image

    pixels = np.asarray(pixels, dtype=np.uint8)
    h, w = pixels.shape[:2]
    im = Image.fromarray(pixels, mode="L")
    if resize == "crop":
        im = im.crop(centre_crop_box(w, h))
    elif resize != "stretch":
        raise ValueError(f"resize must be 'crop' or 'stretch', not {resize!r}")
    if im.size != (size, size):
        im = im.resize((size, size), Image.Resampling.BICUBIC)
    return np.asarray(im, dtype=np.uint8)


def batch(images: list[np.ndarray]) -> np.ndarray:
    """Stack (size, size) uint8 images into the float32 (n, size, size, 1) model input."""
    if not images:
        return np.zeros((0, 28, 28, 1), np.float32)
    return np.stack(images).astype(np.float32)[..., None]


def to_uint8(arr: np.ndarray) -> np.ndarray:
    """Stretch any-range grayscale (16-bit, float, DICOM units) to 0-255 by min-max."""
    arr = np.asarray(arr, dtype=np.float64)
    finite = np.isfinite(arr)
    if not finite.any():
        raise CorruptFileError("Image holds no finite pixel values.", "Re-export the image.")
    arr = np.where(finite, arr, np.nanmin(np.where(finite, arr, np.inf)))
    lo, hi = float(arr.min()), float(arr.max())
    if hi <= lo:
        return np.zeros(arr.shape, np.uint8)
    return np.round((arr - lo) * (255.0 / (hi - lo))).astype(np.uint8)

"""SHAP for images: partition explainer with a blur masker (works with Keras 3 models).

Hidden regions are replaced by a blurred copy of the image rather than black, so the model
sees a plausible X-ray; the partition explainer's hierarchical Owen values need a few hundred
model calls (about 1-2 s for a 224 px film on two cores; see the bench).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

_warm: dict[tuple[int, int], threading.Thread] = {}
_warm_lock = threading.Lock()


def blur_kernel(size: int) -> int:
    """An odd blur kernel about a quarter of the image side (7 at 28 px, 57 at 224 px)."""
    return max(3, (size // 4) | 1)


def shap_image(predict: Callable[[np.ndarray], np.ndarray], image: np.ndarray,
               max_evals: int = 300, batch_size: int = 100) -> tuple[np.ndarray, float]:
    """SHAP values (H, W) of output column 0 for one uint8 (H, W) image, and the base value.

    Args:
        predict: maps float32 (n, H, W, 1) to (n,) or (n, 1) scores (e.g. log-odds).
        image: the model input (already preprocessed).
        max_evals: model evaluations; more gives finer regions, slower.
    """
    import shap

    h, w = image.shape[:2]
    k = blur_kernel(min(h, w))
    masker = shap.maskers.Image(f"blur({k},{k})", (h, w, 1))

    def f(x: np.ndarray) -> np.ndarray:
        return np.asarray(predict(np.asarray(x, np.float32))).reshape(len(x), -1)

    explainer = shap.Explainer(f, masker, output_names=["pneumonia"])
    sv = explainer(image[None, ..., None].astype(np.float32), max_evals=max_evals,
                   batch_size=batch_size, silent=True)
    values = np.asarray(sv.values)[0, ..., 0, 0]
    base = float(np.ravel(sv.base_values)[0])
    return values.astype(np.float32), base


def warm_up(shape: tuple[int, int]) -> threading.Thread:
    """Compile shap's numba kernels in a background thread, once per process and image shape.

    Why: the first image explanation in a fresh server spends ~23 s in numba's compiler (later
    ones take ~0.3 s); a page that starts this when it opens has it done while the user picks a
    file, and an explanation asked for earlier waits on numba's lock for the same compile. The
    kernels depend only on array types, so a pixel mean stands in for the model.
    """
    with _warm_lock:
        if shape not in _warm:
            image = np.full(shape, 128, np.uint8)
            _warm[shape] = threading.Thread(
                target=shap_image, args=(lambda x: x.mean(axis=(1, 2, 3)), image),
                name="medcore-shap-warm-up", daemon=True)
            _warm[shape].start()
        return _warm[shape]

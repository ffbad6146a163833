"""Batched classification of 60-nt windows and sliding-window scans of long sequences.

Long sequences are cut into every window of the model's width (step 1 by default) without
copying the whole window tensor: windows are materialised one chunk at a time.
"""

from __future__ import annotations

import numpy as np

from medcore.genomics import encode

CHUNK = 8192


def predict_windows(model, x: np.ndarray, chunk: int = CHUNK) -> np.ndarray:
    """Softmax outputs for a (n, width, 4) batch, in chunks (no dropout: inference mode)."""
    outs = [np.asarray(model(x[i:i + chunk], training=False)) for i in range(0, len(x), chunk)]
    return np.concatenate(outs) if outs else np.zeros((0, model.output_shape[-1]), np.float32)


def classify(model, seqs: list[str], width: int) -> np.ndarray:
    """Class probabilities for sequences centre-padded (with N) or centre-cropped to ``width``."""
    return predict_windows(model, encode.one_hot_batch(seqs, width))


def scan(model, seq: str, width: int, step: int = 1, chunk: int = CHUNK
         ) -> tuple[np.ndarray, np.ndarray]:
    """Per-window probabilities along ``seq``.

    Returns (centres, proba): ``centres`` are 0-based positions of each window's centre (the
    putative junction sits between bases width//2 - 1 and width//2), ``proba`` is (n, classes).
    """
    x = encode.one_hot(seq)
    if len(x) < width:
        return np.array([len(seq) // 2]), classify(model, [seq], width)
    from medcore.genomics import fastscan

    if fastscan.supported(model):
        proba = fastscan.scan_proba(model, x, width)[::step]
        return np.arange(len(proba)) * step + width // 2, proba
    view = np.lib.stride_tricks.sliding_window_view(x, (width, 4))[:, 0]
    view = view[::step]
    outs = []
    for i in range(0, len(view), chunk):
        outs.append(np.asarray(model(np.ascontiguousarray(view[i:i + chunk]), training=False)))
    centres = np.arange(len(view)) * step + width // 2
    return centres, np.concatenate(outs)


def downsample_track(centres: np.ndarray, values: np.ndarray, max_points: int = 4000
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Keep plots light: the maximum of each bin so no peak disappears."""
    if len(centres) <= max_points:
        return centres, values
    bins = int(np.ceil(len(centres) / max_points))
    n = len(centres) // bins * bins
    v = values[:n].reshape(-1, bins, *values.shape[1:]).max(axis=1)
    return centres[:n:bins], v

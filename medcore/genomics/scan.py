"""Per-position splice scores: one record, many windows, or a long sequence in chunks.

Every record is scored as if it stood alone with nothing around it: zeros (no base) beyond its
ends, at least ``network.HALF_CONTEXT`` of them, so a score never depends on how the record was
batched or chunked. A window's class is the score at its junction index (``data.junction_index``).
"""

from __future__ import annotations

import weakref

import numpy as np

from medcore.genomics import data, encode, network

MARGIN = network.HALF_CONTEXT + 4  # zeros each side; more than the network can see
CHUNK = 100_000  # positions per model call for long sequences
BATCH = 512  # windows per model call


def _run(model, x: np.ndarray) -> np.ndarray:
    return np.asarray(model(x, training=False))


def site_scores(model, seq: str) -> np.ndarray:
    """(len(seq), 3) probabilities (EI, IE, N) that the junction lies just before each base."""
    x = encode.one_hot(seq)
    n = len(x)
    padded = np.concatenate([np.zeros((MARGIN, 4), np.float32), x,
                             np.zeros((MARGIN, 4), np.float32)])
    out = np.empty((n, 3), np.float32)
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        piece = padded[start:stop + 2 * MARGIN]  # [start - MARGIN, stop + MARGIN) of the record
        out[start:stop] = _run(model, piece[None])[0, MARGIN:MARGIN + stop - start]
    return out


def window_scores(model, seqs: list[str]) -> np.ndarray:
    """(n, length, 3) per-position scores of records that all have the same length."""
    if not seqs:
        return np.zeros((0, 0, 3), np.float32)
    length = len(seqs[0])
    if any(len(s) != length for s in seqs):
        raise ValueError("window_scores needs records of one length")
    x = np.pad(encode.one_hot_batch(seqs, length), ((0, 0), (MARGIN, MARGIN), (0, 0)))
    outs = [_run(model, x[i:i + BATCH // 2])[:, MARGIN:MARGIN + length]
            for i in range(0, len(x), BATCH // 2)]
    return np.concatenate(outs)


def canvas_at(seq: str, j: int) -> np.ndarray:
    """(2 * MARGIN + 1, 4): the bases around index ``j`` of ``seq``, zeros beyond its ends."""
    x = np.zeros((2 * MARGIN + 1, 4), np.float32)
    lo, hi = max(0, j - MARGIN), min(len(seq), j + MARGIN + 1)
    x[MARGIN - (j - lo):MARGIN + (hi - j)] = encode.one_hot(seq[lo:hi])
    return x


def canvas(seqs: list[str]) -> np.ndarray:
    """(n, 2 * MARGIN + 1, 4): each record around its junction; its score is at ``MARGIN``."""
    if not seqs:
        return np.zeros((0, 2 * MARGIN + 1, 4), np.float32)
    return np.stack([canvas_at(s, data.junction_index(len(s))) for s in seqs])


def junction_model(model):
    """The model restricted to a canvas's centre: (n, 2 * MARGIN + 1, 4) -> (n, 3), for SHAP."""
    import keras

    if model not in _JUNCTION:
        inp = keras.Input((2 * MARGIN + 1, 4), name="canvas")
        _JUNCTION[model] = keras.Model(inp, model(inp)[:, MARGIN, :], name="at_junction")
    return _JUNCTION[model]


_JUNCTION: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def classify(model, seqs: list[str]) -> np.ndarray:
    """(n, 3) class probabilities of each record at its junction (UCI 30|31, GUE 200|201)."""
    outs = [_run(model, canvas(seqs[i:i + BATCH]))[:, MARGIN]
            for i in range(0, len(seqs), BATCH)]
    return np.concatenate(outs) if outs else np.zeros((0, 3), np.float32)


def downsample_track(positions: np.ndarray, values: np.ndarray, max_points: int = 4000
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Keep plots light: the maximum of each bin so no peak disappears."""
    if len(positions) <= max_points:
        return positions, values
    bins = int(np.ceil(len(positions) / max_points))
    n = len(positions) // bins * bins
    v = values[:n].reshape(-1, bins, *values.shape[1:]).max(axis=1)
    return positions[:n:bins], v

"""Per-position splice scores: one record, many windows, or a long sequence in chunks.

Every record is scored as if it stood alone with nothing around it: zeros (no base) beyond its
ends, at least ``network.HALF_CONTEXT`` of them, so a score never depends on how the record was
batched or chunked. A window's class is the score at its junction index (``data.junction_index``).
"""

from __future__ import annotations

import numpy as np

from medcore import memo
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


@memo.per_model
def junction_model(model):
    """The model restricted to a canvas's centre: (n, 2 * MARGIN + 1, 4) -> (n, 3), for SHAP."""
    import keras

    inp = keras.Input((2 * MARGIN + 1, 4), name="canvas")
    return keras.Model(inp, model(inp)[:, MARGIN, :], name="at_junction")


def classify(model, seqs: list[str]) -> np.ndarray:
    """(n, 3) class probabilities of each record at its junction (UCI 30|31, GUE 200|201).

    Computed through the junction's cone only (:func:`cone`): the same numbers as the score at
    that position of a scan, at about 60 % of the cost.
    """
    return classify_with_members(model, seqs)[0]


def classify_with_members(model, seqs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`classify` and each member's probabilities (n, members, 3) from the same pass."""
    fn, half = cone(model), network.HALF_CONTEXT
    outs = [fn(canvas(seqs[i:i + BATCH])[:, MARGIN - half:MARGIN + half + 1])
            for i in range(0, len(seqs), BATCH)]
    if not outs:
        return np.zeros((0, 3), np.float32), np.zeros((0, 1, 3), np.float32)
    return (np.concatenate([np.asarray(m) for m, _ in outs]),
            np.concatenate([np.asarray(e) for _, e in outs]))


@memo.per_model
def cone(model):
    """A function (n, CONTEXT + 1, 4) -> (n, 3) centre-position probabilities, averaged over
    the members, and (n, members, 3) each member's.

    Why: with 'same' padding every layer computes all positions of the canvas, though the
    centre needs a cone that narrows layer by layer. Here the network's own weights run with
    'valid' convolutions and the residual branches cropped to match, so nothing outside the
    cone is computed. Exact for the network of ``medcore.genomics.network`` (tested).
    """
    import tensorflow as tf

    from medcore.ensemble import members as ensemble_members

    members = ensemble_members(model)

    def one(member, x):
        def conv(h, name, dilation=1):
            lay = member.get_layer(name)
            out = tf.nn.conv1d(h, lay.kernel, 1, "VALID", dilations=dilation) + lay.bias
            return lay.activation(out)

        h = conv(x, "motif_conv")
        for b, d in enumerate(network.DILATIONS):
            r = h
            for c in range(2):
                h = conv(tf.nn.relu(h), f"block{b}_conv{c}", d)
            crop = (network.KERNEL - 1) * d
            h = r[:, crop:-crop] + h
        return conv(tf.nn.relu(h), "proba")[:, 0]

    @tf.function(reduce_retracing=True)
    def run(x):
        each = [one(m, x) for m in members]
        return tf.add_n(each) / len(members), tf.stack(each, axis=1)

    return run


def peaks(p: np.ndarray, threshold: float, min_gap: int, k: int | None = None) -> list[int]:
    """Indices scoring >= ``threshold``, highest first, each ``min_gap`` from every one kept
    before it; at most ``k``. The one rule for what a scan lists (and calibrates on)."""
    cand = np.flatnonzero(p >= threshold)
    cand = cand[np.argsort(-p[cand], kind="stable")]
    if k is not None:
        cand = cand[:50 * k]  # bounds the loop on a long record with many candidates
    chosen: list[int] = []
    for i in cand:
        if k is not None and len(chosen) >= k:
            break
        if all(abs(int(i) - c) >= min_gap for c in chosen):
            chosen.append(int(i))
    return chosen


def downsample_track(positions: np.ndarray, values: np.ndarray, max_points: int = 4000
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Keep plots light: the maximum of each bin so no peak disappears."""
    if len(positions) <= max_points:
        return positions, values
    bins = int(np.ceil(len(positions) / max_points))
    n = len(positions) // bins * bins
    v = values[:n].reshape(-1, bins, *values.shape[1:]).max(axis=1)
    return positions[:n:bins], v

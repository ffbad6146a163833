"""First-layer CNN filters -> position weight matrices, and matching to splice consensus.

A filter's PWM is built from the training subsequences that activate it strongly (at least half
of its maximum activation), the usual way filters are read as motifs (e.g. Basset). Each PWM is
compared with the donor (exon|intron ``MAG|GTRAGT``) and acceptor (``YYYYNCAG|G``) consensus.
"""

from __future__ import annotations

import numpy as np

from medcore.genomics.encode import BASES, IUPAC

CONSENSUS = {
    "donor GT (exon|intron MAG|GTRAGT)": ("MAGGTRAGT", (3, 4)),
    "acceptor AG (intron|exon YYYYNCAG|G)": ("YYYYNCAGG", (6, 7)),
}
MATCH_SCORE = 0.75


def filter_pwms(model, x: np.ndarray, layer: str = "motif_conv", max_sites: int = 2000
                ) -> list[dict]:
    """One PWM (width x 4 probabilities) per filter of ``layer`` from the inputs ``x``."""
    import keras

    conv = model.get_layer(layer)
    width = int(conv.kernel_size[0])
    acts = np.asarray(keras.Model(model.input, conv.output)(x, training=False))
    left = (width - 1) // 2
    padded = np.pad(x, ((0, 0), (left, width - 1 - left), (0, 0)))
    out = []
    for f in range(acts.shape[-1]):
        a = acts[..., f]
        top = a.max()
        if top <= 0:
            out.append({"filter": f, "pwm": np.full((width, 4), 0.25).tolist(), "n_sites": 0,
                        "consensus": "N" * width, "information": 0.0, "matches": []})
            continue
        rows, cols = np.nonzero(a >= 0.5 * top)
        order = np.argsort(-a[rows, cols])[:max_sites]
        counts = sum(padded[r, c:c + width] for r, c in zip(rows[order], cols[order], strict=True))
        pwm = (counts + 0.1) / (counts + 0.1).sum(axis=1, keepdims=True)
        ic = float(information(pwm).sum())
        out.append({"filter": f, "pwm": np.round(pwm, 4).tolist(), "n_sites": int(len(order)),
                    "consensus": consensus(pwm), "information": round(ic, 3),
                    "matches": match_consensus(pwm)})
    return out


def information(pwm: np.ndarray) -> np.ndarray:
    """Information content (bits) per position."""
    p = np.clip(np.asarray(pwm, float), 1e-9, 1)
    return 2 + (p * np.log2(p)).sum(axis=1)


def consensus(pwm: np.ndarray, min_bits: float = 0.5) -> str:
    """Upper-case base where a position carries >= ``min_bits`` of information, else N."""
    ic = information(pwm)
    return "".join(BASES[int(r.argmax())] if b >= min_bits else "N"
                   for r, b in zip(np.asarray(pwm), ic, strict=True))


def _site_score(pwm: np.ndarray, motif: str, offset: int, min_bits: float = 0.3
                ) -> tuple[float, int]:
    """Mean probability of the motif's allowed bases over the informative overlapping positions.

    Only PWM positions carrying >= ``min_bits`` count, so a filter that captured part of a
    consensus (e.g. just ``CAG|G``) is judged on what it captured, not diluted by flat columns.
    """
    ic = information(pwm)
    probs = []
    for i, code in enumerate(motif):
        j = offset + i
        if 0 <= j < len(pwm) and code != "N" and ic[j] >= min_bits:
            probs.append(sum(pwm[j][BASES.index(b)] for b in IUPAC[code]))
    return (float(np.mean(probs)) if probs else 0.0), len(probs)


def match_consensus(pwm: np.ndarray) -> list[dict]:
    """Known splice motifs this PWM matches: core dinucleotide (GT / AG) strongly preferred and
    the informative positions around it agreeing with the consensus (mean >= MATCH_SCORE)."""
    pwm = np.asarray(pwm)
    found = []
    for name, (motif, core) in CONSENSUS.items():
        best = (0.0, 0)
        for offset in range(-len(motif) + 1, len(pwm)):
            js = [offset + c for c in core]
            if not all(0 <= j < len(pwm) for j in js):
                continue
            core_ok = all(pwm[j][BASES.index(motif[c])] >= 0.6 for j, c in zip(js, core,
                                                                                strict=True))
            score, n = _site_score(pwm, motif, offset)
            if core_ok and n >= 2 and score > best[0]:
                best = (score, offset)
        if best[0] >= MATCH_SCORE:
            found.append({"motif": name, "score": round(best[0], 3), "offset": best[1]})
    return found


def annotate(pwms: list[dict]) -> list[dict]:
    """(Re)compute the consensus matches of stored PWMs."""
    return [{**m, "matches": match_consensus(np.asarray(m["pwm"]))} for m in pwms]

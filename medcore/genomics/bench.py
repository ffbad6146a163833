"""Speed figures of the genomics models: classify 10,000 windows < 10 s, scan 1 Mb < 30 s."""

from __future__ import annotations

import time

import numpy as np

from medcore.genomics import encode, explain, scan


def _random_dna(n: int, rng: np.random.Generator) -> str:
    return "".join(np.array(list("ACGT"))[rng.integers(0, 4, n)])


def run(bundle, quick: bool = False) -> dict:
    """Timings in ms (wall clock, this machine) and the targets they are checked against."""
    rng = np.random.default_rng(0)
    width = int(bundle.extras["preprocess"]["window"])
    model = bundle.model
    n_cls = 2000 if quick else 10_000
    seqs = [_random_dna(width, rng) for _ in range(n_cls)]
    scan.classify(model, seqs[:64], width)  # warm-up (graph tracing)
    t = time.perf_counter()
    scan.classify(model, seqs, width)
    cls_ms = (time.perf_counter() - t) * 1000 * 10_000 / n_cls
    lat = []
    for s in seqs[:30]:
        t = time.perf_counter()
        scan.classify(model, [s], width)
        lat.append((time.perf_counter() - t) * 1000)
    scan_len = 200_000 if quick else 1_000_000
    long_seq = _random_dna(scan_len, rng)
    t = time.perf_counter()
    scan.scan(model, long_seq, width)
    scan_ms = (time.perf_counter() - t) * 1000 * 1_000_000 / scan_len
    x = encode.one_hot_batch(seqs[:1], width)
    t = time.perf_counter()
    explain.contributions(model, bundle.extras["background"], x, 0)
    explain_ms = (time.perf_counter() - t) * 1000
    figures = {
        "classify_10k_ms": round(cls_ms, 1),
        "classify_per_s": round(10_000 / cls_ms * 1000, 1),
        "predict_p50_ms": round(float(np.percentile(lat, 50)), 2),
        "predict_p95_ms": round(float(np.percentile(lat, 95)), 2),
        "scan_1mb_ms": round(scan_ms, 1),
        "explain_ms": round(explain_ms, 1),
    }
    scaled = " (extrapolated from a smaller quick run)" if quick else ""
    return {"figures": figures, "quick": quick, "targets": [
        {"name": "classify 10,000 sequences of 60 nt" + scaled, "value": figures["classify_10k_ms"],
         "target": 10_000, "unit": "ms", "pass": cls_ms < 10_000},
        {"name": "scan a 1 Mb sequence" + scaled, "value": figures["scan_1mb_ms"],
         "target": 30_000, "unit": "ms", "pass": scan_ms < 30_000},
    ]}

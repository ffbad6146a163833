"""Speed of the genomics models on the users' path, against targets.

dna-cnn (``analyse`` and ``variant.effect``): scan 1 Mb <= 30 s, classify 10,000 windows of
400 nt <= 20 s, one variant's deltas <= 1 s; dna-rnn: embed 10,000 windows <= 10 s; all on the
2-core CPU.
"""

from __future__ import annotations

import time

import numpy as np

from medcore.genomics import cluster, data, rnn, service, variant
from medcore.genomics.io import SeqRecord


def _random_dna(n: int, rng: np.random.Generator) -> str:
    return "".join(np.array(list("ACGT"))[rng.integers(0, 4, n)])


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def bench_cnn(bundle, quick: bool = False) -> dict:
    """dna-cnn's timings in ms (wall clock, this machine) and the targets they are checked
    against."""
    rng = np.random.default_rng(0)
    n_cls = 1000 if quick else 10_000
    windows = [SeqRecord(f"w{i}", _random_dna(400, rng)) for i in range(n_cls)]
    service.analyse(bundle, windows[:16], explain_top=0)  # warm-up (graph tracing)
    cls_ms = _timed(lambda: service.analyse(bundle, windows, explain_top=0)) * 10_000 / n_cls
    scan_len = 100_000 if quick else 1_000_000
    long = [SeqRecord("long", _random_dna(scan_len, rng))]
    scan_ms = _timed(lambda: service.analyse(bundle, long, explain_top=0)) * 1e6 / scan_len
    one = [SeqRecord("one", windows[0].seq)]
    explain_ms = _timed(lambda: service.analyse(bundle, one, explain_top=1))
    seq = _random_dna(2000, rng)
    v = variant.parse(f"1000 {seq[999]} {'A' if seq[999] != 'A' else 'C'}", seq)
    variant.effect(bundle.model, seq, v)
    variant_ms = float(np.median([_timed(lambda: variant.effect(bundle.model, seq, v))
                                  for _ in range(5)]))
    figures = {"classify_10k_400nt_ms": round(cls_ms, 1),
               "classify_per_s": round(10_000 / cls_ms * 1000, 1),
               "scan_1mb_ms": round(scan_ms, 1), "one_window_explained_ms": round(explain_ms, 1),
               "variant_effect_ms": round(variant_ms, 1)}
    scaled = " (extrapolated from a smaller quick run)" if quick else ""
    return {"figures": figures, "quick": quick, "targets": [
        {"name": "classify 10,000 windows of 400 nt" + scaled, "value": figures[
            "classify_10k_400nt_ms"], "target": 20_000, "unit": "ms", "pass": cls_ms <= 20_000},
        {"name": "scan a 1 Mb sequence" + scaled, "value": figures["scan_1mb_ms"],
         "target": 30_000, "unit": "ms", "pass": scan_ms <= 30_000},
        {"name": "one variant's deltas (±50 nt)", "value": figures["variant_effect_ms"],
         "target": 1_000, "unit": "ms", "pass": variant_ms <= 1_000},
    ]}


def bench_rnn(bundle, quick: bool = False) -> dict:
    """dna-rnn: embedding + clustering speed for 10,000 windows (target as for dna-cnn: < 10 s)."""
    rng = np.random.default_rng(0)
    n = 2000 if quick else 10_000
    seqs = ["".join(rng.choice(list("ACGT"), data.WINDOW)) for _ in range(n)]
    rnn.embed(bundle.model, seqs[:64])
    t = time.perf_counter()
    rnn.embed(bundle.model, seqs)
    ms = (time.perf_counter() - t) * 1000 * 10_000 / n
    t = time.perf_counter()
    cluster.cluster(rnn.embed(bundle.model, seqs[:1000]))
    cl_ms = (time.perf_counter() - t) * 1000
    return {"figures": {"embed_10k_ms": round(ms, 1), "embed_per_s": round(1e7 / ms, 1),
                        "embed_cluster_1k_ms": round(cl_ms, 1)}, "quick": quick,
            "targets": [{"name": "embed 10,000 sequences of 60 nt", "value": round(ms, 1),
                         "target": 10_000, "unit": "ms", "pass": ms < 10_000}]}

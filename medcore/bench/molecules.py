"""Speed of the drug-discovery models against their targets: tox-cnn on the path users run
(``analyse``), mol-gan generating with its metrics, and mol-gan's own training loop."""

from __future__ import annotations

import time

import numpy as np

from medcore.bench.training import epoch_difference
from medcore.molecules import examples, io
from medcore.molecules.generate import gan, gan_core
from medcore.molecules.service import analyse, score, score_with_domain, thresholds, top_assay
from medcore.molecules.tox import explain, uncertainty


def _smiles_pool(n: int) -> list[str]:
    """n SMILES strings to score: Tox21 if the data folder exists, else randomised examples."""
    from rdkit import Chem

    from medcore import settings

    path = settings.data_dir() / "molecules" / "tox21.csv"
    if path.exists():
        lines = path.read_text().splitlines()[1:]
        pool = [ln.split(",", 1)[0] for ln in lines]
    else:
        mols = [Chem.MolFromSmiles(s) for s in examples.EXAMPLES.values()]
        pool = [Chem.MolToSmiles(m, doRandom=True) for _ in range(200) for m in mols]
    reps = -(-n // len(pool))
    return (pool * reps)[:n]


def target(name: str, seconds: float, target_s: float) -> dict:
    """A speed target row; like every time in the bench JSON, in milliseconds."""
    return {"name": name, "value": round(seconds * 1000, 1), "target": target_s * 1000,
            "unit": "ms", "pass": bool(seconds < target_s)}


def bench_tox(bundle, quick: bool = False) -> dict:
    """The path users run: parse and standardise, score with the applicability domain
    (nearest training molecule), prediction sets, each assay's call and Tox21's measured
    labels (``analyse``); then one molecule with its attribution."""
    n = 1000 if quick else 10_000
    text = "\n".join(_smiles_pool(n))
    t0 = time.perf_counter()
    batch = io.parse_smiles_text(text)
    rows = analyse(bundle, batch)
    total = time.perf_counter() - t0
    probs = np.array([list(r.probabilities.values()) for r in rows if r.scored])
    t_sets = time.perf_counter()
    uncertainty.named_sets(np.round(probs, 4), bundle.extras["conformal"],
                           bundle.extras["preprocess"]["assays"])
    sets_s = time.perf_counter() - t_sets
    lat = []
    for s in list(examples.EXAMPLES.values())[:5] * (2 if quick else 6):
        t1 = time.perf_counter()
        score(bundle, [io.standardise(s).smiles])
        lat.append((time.perf_counter() - t1) * 1000)
    t2 = time.perf_counter()
    smiles = io.standardise(examples.EXAMPLES["tamoxifen"]).smiles
    one = score_with_domain(bundle, [smiles])
    top = top_assay(one.probabilities[0], thresholds(bundle))
    explain.attribution(bundle, smiles, top)
    explain_ms = (time.perf_counter() - t2) * 1000
    figures = {"n_scored": int(len(probs)), "score_batch_ms": round(total * 1000, 1),
               "score_per_s": round(len(probs) / total, 1),
               "predict_p50_ms": round(float(np.percentile(lat, 50)), 2),
               "predict_p95_ms": round(float(np.percentile(lat, 95)), 2),
               "explain_ms": round(explain_ms, 1),
               "conformal_sets_ms": round(sets_s * 1000, 1)}
    overhead = 100 * sets_s / total
    scaled = total * 10_000 / n
    return {"figures": figures,
            "targets": [target("score 10,000 SMILES with applicability domain and calls"
                               + (" (scaled from 1,000)" if quick else ""), scaled, 20.0),
                        target("one molecule scored with its explanation", explain_ms / 1000,
                               1.0),
                        {"name": f"Conformal sets' share of scoring time ({len(probs):,} "
                                 "molecules, 12 assays)", "value": round(overhead, 2),
                         "target": 5, "unit": "%", "pass": bool(overhead <= 5)}]}


def bench_gan(bundle, quick: bool = False) -> dict:
    """Generating 10,000 molecules with their metrics (target: under 60 s)."""
    n = 1000 if quick else 10_000
    t0 = time.perf_counter()
    _, report = gan.generate_with_metrics(bundle, n, seed=1)
    total = time.perf_counter() - t0
    figures = {"n_generated": n, "generate_with_metrics_ms": round(total * 1000, 1),
               "molecules_per_s": round(n / total, 1), "validity": report["validity"]}
    return {"figures": figures,
            "targets": [target("generate 10,000 with metrics" + (" (scaled)" if quick else ""),
                               total * 10_000 / n, 60.0)]}


def gan_training(bundle, quick: bool = False) -> dict:
    """Latent vectors per second of WGAN-GP training (each step: 5 critic + 1 generator)."""
    rng = np.random.default_rng(0)
    latent = bundle.extras["preprocess"]["latent"]
    x = np.tanh(rng.standard_normal((512, latent))).astype(np.float32)
    steps = 10 if quick else 120  # ~5 s of steps: well above the tracing's jitter
    return epoch_difference(lambda s: gan_core.train_wgan(x, s), steps, 64)

"""Batch scoring of large cohorts, image folders or compound libraries on Dask.

Inputs (a folder, a glob, or a list of files) are cut into chunks; each chunk becomes one Dask
task that runs the model's ``predict_paths`` and writes ``chunk-NNNNN.jsonl`` into the output
folder the user named. A rerun skips chunks whose file exists, so an interrupted job resumes.
By default a local cluster (threads in this process, models loaded once); pass a scheduler
address (``tcp://host:8786``) to run on an existing Dask cluster whose workers have medcore
installed and can read the input paths.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from medcore import registry
from medcore.uploads import expand_inputs

_MODELS: dict[str, registry.Bundle] = {}


def _score_chunk(model_id: str, paths: list[str], out_file: str, options: dict) -> int:
    """Runs on a Dask worker: load the model once per worker, score, write atomically."""
    bundle = _MODELS.get(model_id)
    if bundle is None:
        bundle = _MODELS[model_id] = registry.load(model_id)
    options = dict(options)
    site = options.pop("site", None)  # a site profile (checked by the CLI) adds its answers
    rows = registry.module(model_id).predict_paths(bundle, [Path(p) for p in paths], **options)
    if site is not None:
        from medcore.validation.annotate import annotate

        rows = annotate(model_id, rows, site)
    tmp = out_file + ".part"
    with open(tmp, "w") as f:
        for row in rows:  # a file may hold several records (FASTA, SDF, CSV): one row each
            f.write(json.dumps(row, default=float) + "\n")
    os.replace(tmp, out_file)
    return len(rows)


def score(model_id: str, inputs, out_dir: Path, chunk_size: int = 256,
          scheduler: str | None = None, options: dict | None = None) -> dict:
    """Score every input with ``model_id``; returns counts of chunks run and skipped.

    ``options`` go to the model's ``predict_paths`` (e.g. a history mapping file).
    """
    from dask.distributed import Client, LocalCluster

    registry.spec(model_id)
    files = [str(p) for p in expand_inputs(inputs)]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    chunks = [files[i:i + chunk_size] for i in range(0, len(files), chunk_size)]
    todo = [(i, c) for i, c in enumerate(chunks) if not (out_dir / f"chunk-{i:05d}.jsonl").exists()]
    if scheduler:
        client, cluster = Client(scheduler), None
    else:
        cluster = LocalCluster(processes=False, n_workers=1, threads_per_worker=2,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        futures = [client.submit(_score_chunk, model_id, c, str(out_dir / f"chunk-{i:05d}.jsonl"),
                                 options or {}, pure=False) for i, c in todo]
        scored = sum(client.gather(futures))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return {"inputs": len(files), "chunks": len(chunks), "chunks_run": len(todo),
            "chunks_skipped": len(chunks) - len(todo), "scored": scored, "out_dir": str(out_dir)}

"""tox-cnn predictions as JSON-able rows (used by the page, the CLI and ``predict_paths``)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from medcore.errors import InputError
from medcore.molecules import explain, fingerprint_mlp, io

log = logging.getLogger(__name__)


def score(bundle, smiles: list[str]) -> np.ndarray:
    """(n, 12) assay probabilities for canonical SMILES from ``io``."""
    return fingerprint_mlp.predict(bundle.model, smiles, bundle.extras["preprocess"]["vocab"])


def score_batch(bundle, batch: io.MolBatch, explain_top: int = 0, full_shap: bool = False,
                nsamples: int = 200) -> list[dict]:
    """One row per record: probabilities per assay, assays over threshold, top SHAP atoms and
    whole-molecule properties (for the first ``explain_top`` valid molecules, on their most
    probable assay), or the error."""
    pre = bundle.extras["preprocess"]
    assays, thr = pre["assays"], np.array(pre["thresholds"])
    valid = batch.valid
    probs = score(bundle, [r.smiles for r in valid]) if valid else np.zeros((0, len(assays)))
    by_row = {id(r): p for r, p in zip(valid, probs, strict=True)}
    rows, explained = [], 0
    for rec in batch.records:
        if rec.smiles is None:
            rows.append({"row": rec.row, "name": rec.name, "error": rec.error})
            continue
        p = by_row[id(rec)]
        best = int(np.argmax(p))
        row = {"row": rec.row, "name": rec.name, "smiles": rec.smiles, "note": rec.note,
               "probabilities": {a: round(float(v), 4) for a, v in zip(assays, p, strict=True)},
               "active_assays": [a for a, v, t in zip(assays, p, thr, strict=True) if v >= t],
               "max_assay": assays[best], "max_probability": round(float(p[best]), 4)}
        if explained < explain_top:
            parts = explain.shap_parts(bundle, rec.smiles, best, nsamples)
            row["top_properties"] = [{"property": k, "shap": round(float(v), 4)}
                                     for k, v in explain.top_descriptors(parts, 5)]
            values = parts["atoms"]
            if values is not None:
                row["top_atoms"] = explain.top_atoms(rec.smiles, values)
                if full_shap:
                    row["atom_shap"] = [round(float(v), 5) for v in values]
            explained += 1
        rows.append(row)
    return rows


def predict_paths(bundle, paths: list[Path], explain_top: int = 10) -> list[dict]:
    """One dict per file: its molecules' rows, or the file's error (never raises per file)."""
    out = []
    for path in paths:
        path = Path(path)
        try:
            batch = io.load_upload(path.name, path.read_bytes())
            if batch.needs_column:
                raise InputError("Several columns could hold SMILES: "
                                 f"{', '.join(batch.column_candidates)}.",
                                 "Keep one SMILES column or name it 'smiles'.")
            out.append({"file": path.name, "molecules": score_batch(bundle, batch, explain_top)})
        except (InputError, OSError) as err:
            out.append({"file": path.name, "error": str(err)})
    return out


def rows_to_frame(rows: list[dict]):
    """The sortable results table: one row per scored molecule, one column per assay."""
    import pandas as pd

    flat = []
    for r in rows:
        if "error" in r:
            continue
        flat.append({"row": r["row"], "name": r["name"], "smiles": r["smiles"],
                     "max_assay": r["max_assay"], "max_probability": r["max_probability"],
                     "active_assays": ", ".join(r["active_assays"]), "note": r["note"],
                     **r["probabilities"]})
    return pd.DataFrame(flat)

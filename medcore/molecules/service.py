"""The drug-discovery service: parsed molecules in, one typed result per input row out.

The page, ``predict``, ``score``, the Generator and the bench all call :func:`analyse`. Each
scored row carries each assay's call (``calls.decide``: active, uncertain, below threshold or
no call), the assay the detail view opens on, the applicability domain (``domain``) and, for a
molecule Tox21 measured, its labels (``measured``); a molecule that is not scored (``parent``)
keeps its row with the reason, so no input disappears from the results or the CSV.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import numpy as np

from medcore import conformal, uploads
from medcore.errors import InputError
from medcore.molecules import featurize, io
from medcore.molecules.tox import calls, dmpnn, domain, explain, measured, uncertainty

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scores:
    """Assay probabilities, the members' spread and each molecule's nearest training
    molecule, from one featurisation."""

    probabilities: np.ndarray          # (n, 12) the ensemble's
    spread: np.ndarray                 # (n, 12) SD of the members' probabilities
    neighbours: list[domain.Neighbour]


class MoleculeResult(TypedDict, total=False):
    """One input row's result; a JSON-able dict because the table, the CSV, ``predict`` and
    the report all read it as one. A row has either the scored keys, ``not_scored`` (the
    reason; with ``input``) or ``error``."""

    row: int
    name: str
    input: str
    not_scored: str
    error: str
    smiles: str                          # the standardised parent that was scored
    note: str                            # what the standardiser removed, if anything
    probabilities: dict[str, float]      # per assay, rounded as shown
    calls: dict[str, str]                # per assay, from calls.decide
    call_reasons: dict[str, str]         # why an assay is uncertain or has no call
    active_assays: list[str]             # called active
    top_assay: str                       # highest probability relative to its threshold
    top_assay_vs_threshold: float
    max_assay: str
    max_probability: float
    level: float
    prediction_sets: dict[str, list[str]]
    prediction_set: list[str]            # the top assay's
    uncertain_assays: list[str]
    member_sd: dict[str, float]
    nearest_training_similarity: float
    nearest_training_smiles: str
    far_from_training: bool
    measured: dict[str, str]             # Tox21's labels, for a molecule it holds
    measured_summary: str
    top_properties: list[dict]           # with an explanation only
    top_atoms: list[dict]
    atom_attribution: list[float]


def score(bundle, smiles: list[str]) -> np.ndarray:
    """(n, 12) assay probabilities for canonical SMILES from ``io``."""
    return dmpnn.run(bundle.model, featurize.of_smiles(smiles))["assays"]


def domain_threshold(bundle) -> float:
    """The measured similarity below which a molecule is far from training (the card's)."""
    return float(bundle.card["metrics"]["applicability_domain"]["threshold"])


def score_with_domain(bundle, smiles: list[str]) -> Scores:
    """Probabilities, spread and applicability domain; ECFP4 bits are computed once for all."""
    feats = featurize.of_smiles(smiles)
    out = dmpnn.run(bundle.model, feats)
    near = domain.neighbours(bundle.extras["domain"], feats.bits, domain_threshold(bundle))
    return Scores(out["assays"], out["members"].std(axis=1), near)


def top_assay(p: np.ndarray, thresholds: np.ndarray) -> int:
    """The assay with the highest probability relative to its threshold (p / threshold): raw
    probability would always favour assays with many actives (their thresholds are higher).
    An assay that makes no call has an infinite threshold here."""
    return int(np.argmax(np.asarray(p) / np.maximum(thresholds, 1e-6)))


def thresholds(bundle) -> np.ndarray:
    """Each assay's call threshold in the model's assay order; inf where it makes no call."""
    rules = calls.Rules.of(bundle)
    return np.array([a.threshold if a.makes_calls else np.inf
                     for a in (rules.assays[x] for x in bundle.extras["preprocess"]["assays"])])


def with_calls(rules: calls.Rules, row: MoleculeResult) -> MoleculeResult:
    """The row's calls, active and uncertain assays from its shown (rounded) probabilities,
    members' SD, domain flag and prediction sets: analyse and a level change make them alike."""
    words, why = {}, {}
    for a, p in row["probabilities"].items():
        words[a], reason = calls.decide(rules, a, p, row["member_sd"][a],
                                        row["far_from_training"], row["prediction_sets"][a])
        if reason and words[a] != calls.BELOW:
            why[a] = reason
    return row | {"calls": words, "call_reasons": why,
                  "active_assays": [a for a, w in words.items() if w == calls.ACTIVE],
                  "uncertain_assays": [a for a, w in words.items() if w == calls.UNCERTAIN]}


def analyse(bundle, batch: io.MolBatch, explain_top: int = 0, full_attribution: bool = False,
            level: float = conformal.LEVEL) -> list[MoleculeResult]:
    """One row per record: probabilities per assay, each assay's call (``with_calls``), the
    top assay, each assay's prediction set at ``level`` and the members' spread, Tox21's
    measured labels where it holds the molecule, the nearest training molecule, top atoms and
    whole-molecule properties by attribution (for the first ``explain_top`` valid molecules,
    on their top assay), or the reason it is not scored, or the error."""
    pre = bundle.extras["preprocess"]
    assays, thr = pre["assays"], thresholds(bundle)
    rules = calls.Rules.of(bundle)
    valid = batch.valid
    scores = (score_with_domain(bundle, [r.smiles for r in valid]) if valid
              else Scores(np.zeros((0, len(assays))), np.zeros((0, len(assays))), []))
    sets = uncertainty.named_sets(np.round(scores.probabilities, 4),
                                  bundle.extras["conformal"], assays, level)
    table = bundle.extras.get("measured")
    found = (measured.find(table, [r.smiles for r in valid],
                           [n.similarity for n in scores.neighbours])
             if table is not None else [None] * len(valid))
    by_row = {id(r): k for k, r in enumerate(valid)}
    rows: list[MoleculeResult] = []
    explained = 0
    for rec in batch.records:
        if rec.smiles is None:
            rows.append({"row": rec.row, "name": rec.name, "input": rec.input,
                         **({"not_scored": rec.not_scored} if rec.not_scored
                            else {"error": rec.error})})
            continue
        k = by_row[id(rec)]
        p, near, sd = scores.probabilities[k], scores.neighbours[k], scores.spread[k]
        best, top = int(np.argmax(p)), top_assay(p, thr)
        row = {"row": rec.row, "name": rec.name, "smiles": rec.smiles, "note": rec.note,
               "probabilities": {a: round(float(v), 4) for a, v in zip(assays, p, strict=True)},
               "top_assay": assays[top],
               "top_assay_vs_threshold": round(float(p[top] / max(thr[top], 1e-6)), 2),
               "max_assay": assays[best], "max_probability": round(float(p[best]), 4),
               "level": level, "prediction_sets": sets[k],
               "prediction_set": sets[k][assays[top]],
               "member_sd": {a: round(float(v), 4) for a, v in zip(assays, sd, strict=True)},
               "nearest_training_similarity": near.similarity,
               "nearest_training_smiles": near.smiles,
               "far_from_training": near.far}
        if found[k] is not None:
            row["measured"] = measured.labels(table, found[k], assays)
            row["measured_summary"] = measured.summary(row["measured"],
                                                       bool(table.in_training[found[k]]))
        row = with_calls(rules, row)
        if explained < explain_top:
            parts = explain.attribution(bundle, rec.smiles, top)
            row["top_properties"] = [{"property": k, "attribution": round(float(v), 4)}
                                     for k, v in explain.top_descriptors(parts, 5)]
            row["top_atoms"] = explain.top_atoms(rec.smiles, parts["atoms"])
            if full_attribution:
                row["atom_attribution"] = [round(float(v), 5) for v in parts["atoms"]]
            explained += 1
        rows.append(row)
    return rows


def set_level(bundle, rows: list[MoleculeResult], level: float) -> list[MoleculeResult]:
    """The rows with their prediction sets at another ``level``, from the probabilities they
    carry (rounded as shown; ``analyse`` forms its sets from the same rounded values), so
    a level change needs no rescoring."""
    assays = bundle.extras["preprocess"]["assays"]
    rules = calls.Rules.of(bundle)
    scored = [r for r in rows if "probabilities" in r]
    p = np.array([[r["probabilities"][a] for a in assays] for r in scored]).reshape(-1,
                                                                                  len(assays))
    sets = uncertainty.named_sets(p, bundle.extras["conformal"], assays, level)
    out, k = [], 0
    for r in rows:
        if "probabilities" in r:
            r = with_calls(rules, r | {"level": level, "prediction_sets": sets[k],
                                       "prediction_set": sets[k][r["top_assay"]]})
            k += 1
        out.append(r)
    return out


def predict_paths(bundle, paths: list[Path], explain_top: int = 10) -> list[dict]:
    """One dict per file: its molecules' rows, or the file's error (never raises per file)."""
    def answer(name: str, data: bytes) -> dict:
        batch = io.load_upload(name, data)
        if batch.needs_column:
            raise InputError("Several columns could hold SMILES: "
                             f"{', '.join(batch.column_candidates)}.",
                             "Keep one SMILES column or name it 'smiles'.")
        return {"file": name, "molecules": analyse(bundle, batch, explain_top)}

    return uploads.per_file(paths, answer)


def rows_to_frame(rows: list[dict]):
    """The sortable results table and CSV: one row per scored or not-scored molecule (its
    reason in ``note``, no probabilities), one column per assay; unreadable rows are left to
    the error list."""
    import pandas as pd

    flat = []
    for r in rows:
        if "error" in r:
            continue
        if "not_scored" in r:
            flat.append({"row": r["row"], "name": r["name"], "note": r["not_scored"],
                         "smiles": r["input"]})
            continue
        flat.append({"row": r["row"], "name": r["name"], "note": r["note"],
                     "top_assay": r["top_assay"], "active_assays": ", ".join(r["active_assays"]),
                     "measured_in_tox21": r.get("measured_summary", ""),
                     "top_assay_call": r["calls"][r["top_assay"]],
                     "top_assay_set": conformal.describe(r["prediction_set"]),
                     "uncertain_assays": ", ".join(r["uncertain_assays"]),
                     "top_assay_member_sd": r["member_sd"][r["top_assay"]],
                     "nearest_training_similarity": r["nearest_training_similarity"],
                     "far_from_training": r["far_from_training"], "smiles": r["smiles"],
                     "max_assay": r["max_assay"], "max_probability": r["max_probability"],
                     **r["probabilities"]})
    return pd.DataFrame(flat)


def export_frame(bundle, df, rows: list[dict]):
    """The CSV: the table (with the top assay's call and prediction set, the uncertain assays
    and Tox21's measured labels) plus each row's warnings, the model version, the per-assay
    thresholds an assay is called active from with their held-out precision, and the level
    the sets were formed at."""
    import pandas as pd

    from medcore import provenance

    rules = calls.Rules.of(bundle)
    thresholds = "; ".join(
        f"{a.name} {a.threshold:.3f} (held-out precision {a.precision:.2f}, sensitivity "
        f"{a.sensitivity:.2f}, base rate {a.base_rate:.3f})" if a.makes_calls
        else f"{a.name} no call" for a in rules.assays.values())
    far = (df["far_from_training"] if "far_from_training" in df
           else pd.Series(False, df.index)).fillna(False).astype(bool)
    notes = [[n if isinstance(n, str) else "",
              "Far from the training molecules: scores are less reliable." if f else ""]
             for n, f in zip(df["note"], far, strict=True)]
    level = next((r["level"] for r in rows if "level" in r), None)
    out = provenance.with_columns(df, bundle.card, notes=notes, threshold=thresholds)
    return out.assign(prediction_set_level=level)

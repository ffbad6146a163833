"""The drug-discovery service: parsed molecules in, one typed result per input row out.

The page, ``predict``, ``score``, the Generator and the bench all call :func:`analyse`. Each
scored row carries each assay's call (``calls.decide``: active, uncertain, below threshold or
no call), the assay the detail view opens on, the applicability domain (``domain``) and, for a
molecule Tox21 measured, its labels (``measured``); a molecule that is not scored (``parent``)
keeps its row with the reason, so no input disappears from the results or the CSV.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from medcore import conformal, uploads
from medcore.errors import InputError
from medcore.molecules import featurize, io
from medcore.molecules.tox import calls, dmpnn, domain, measured, uncertainty
from medcore.molecules.tox import explain as attribution

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scores:
    """Assay probabilities, the members' spread and each molecule's nearest training
    molecule, from one featurisation."""

    probabilities: np.ndarray          # (n, 12) the ensemble's
    spread: np.ndarray                 # (n, 12) SD of the members' probabilities
    neighbours: list[domain.Neighbour]


@dataclass(frozen=True)
class Attribution:
    """One assay's integrated-gradients attribution for one molecule (``tox.explain.attribution``):
    what sits on atoms, and the whole-molecule parts that cannot."""

    assay: str
    top_atoms: list[dict]                # the atoms with the largest |attribution|
    descriptors: dict[str, float]        # RDKit descriptors' shares
    absent_substructures: float          # ECFP4 bits the molecule lacks, in total
    atoms: np.ndarray | None = field(default=None, repr=False, compare=False)  # per atom

    def top_descriptors(self, k: int = 8) -> list[tuple[str, float]]:
        """The k whole-molecule contributions with the largest |attribution|."""
        return attribution.top_descriptors({"descriptors": self.descriptors,
                                        "absent_substructures": self.absent_substructures}, k)


@dataclass(frozen=True)
class MoleculeResult:
    """One input row's result: scored (``probabilities`` and what follows), not scored
    (``not_scored``, the reason; with ``input``) or unreadable (``error``). The table, the
    CSV, ``predict`` and the report read it; :meth:`to_row` is its JSON-able form."""

    row: int
    name: str
    input: str = ""                      # the row as given (rows not scored)
    not_scored: str = ""
    error: str = ""
    smiles: str = ""                     # the standardised parent that was scored
    note: str = ""                       # what the standardiser removed, if anything
    probabilities: dict[str, float] | None = None  # per assay, rounded as shown
    top_assay: str = ""                  # highest probability relative to its threshold
    top_assay_vs_threshold: float = 0.0
    max_assay: str = ""
    max_probability: float = 0.0
    level: float | None = None
    prediction_sets: dict[str, list[str]] | None = None
    prediction_set: list[str] | None = None  # the top assay's
    member_sd: dict[str, float] | None = None
    nearest_training_similarity: float = 0.0
    nearest_training_smiles: str = ""
    far_from_training: bool = False
    measured: dict[str, str] | None = None  # Tox21's labels, for a molecule it holds
    measured_summary: str = ""
    calls: dict[str, str] | None = None  # per assay, from calls.decide
    call_reasons: dict[str, str] | None = None  # why an assay is uncertain or has no call
    active_assays: list[str] = field(default_factory=list)  # called active
    uncertain_assays: list[str] = field(default_factory=list)
    explanation: Attribution | None = None  # atoms and properties behind one assay

    @property
    def scored(self) -> bool:
        return self.probabilities is not None

    @property
    def top_properties(self) -> list[dict]:
        """The five whole-molecule contributions to the explained assay (none unexplained)."""
        if self.explanation is None:
            return []
        return [{"property": k, "attribution": round(float(v), 4)}
                for k, v in self.explanation.top_descriptors(5)]

    @property
    def atom_attribution(self) -> list[float] | None:
        """Each atom's attribution, rounded as written (None: not kept or unexplained)."""
        e = self.explanation
        return None if e is None or e.atoms is None else [round(float(v), 5) for v in e.atoms]

    def to_row(self) -> dict:
        """The JSON-able row ``predict`` writes (the keys of its kind only; ``row`` is the
        input's row number)."""
        head = {"row": self.row, "name": self.name}
        if not self.scored:
            return head | {"input": self.input} | (
                {"not_scored": self.not_scored} if self.not_scored else {"error": self.error})
        out = head | {k: getattr(self, k) for k in (
            "smiles", "note", "probabilities", "top_assay", "top_assay_vs_threshold",
            "max_assay", "max_probability", "level", "prediction_sets", "prediction_set",
            "member_sd", "nearest_training_similarity", "nearest_training_smiles",
            "far_from_training")}
        if self.measured is not None:
            out |= {"measured": self.measured, "measured_summary": self.measured_summary}
        out |= {k: getattr(self, k) for k in ("calls", "call_reasons", "active_assays",
                                               "uncertain_assays")}
        e = self.explanation
        if e is not None:
            out |= {"top_properties": self.top_properties, "top_atoms": e.top_atoms}
            if e.atoms is not None:
                out["atom_attribution"] = self.atom_attribution
        return out


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


def _calls(rules: calls.Rules, probabilities: dict[str, float], member_sd: dict[str, float],
           far: bool, sets: dict[str, list[str]]) -> dict:
    """Each assay's call, its reason, and the active and uncertain assays, from the shown
    (rounded) probabilities, members' SD, domain flag and prediction sets: analyse and a
    level change make them alike."""
    words, why = {}, {}
    for a, p in probabilities.items():
        words[a], reason = calls.decide(rules, a, p, member_sd[a], far, sets[a])
        if reason and words[a] != calls.BELOW:
            why[a] = reason
    return {"calls": words, "call_reasons": why,
            "active_assays": [a for a, w in words.items() if w == calls.ACTIVE],
            "uncertain_assays": [a for a, w in words.items() if w == calls.UNCERTAIN]}


def analyse(bundle, batch: io.MolBatch, *, level: float | None = None, explain_top: int = 0,
            full_attribution: bool = False,
            progress: Callable[[float, str], None] | None = None) -> list[MoleculeResult]:
    """One result per record: probabilities per assay, each assay's call, the top assay, each
    assay's prediction set at ``level`` and the members' spread, Tox21's measured labels
    where it holds the molecule, the nearest training molecule, and for the first
    ``explain_top`` scored molecules the atoms and whole-molecule properties behind their top
    assay (``explain``; each atom's value kept with ``full_attribution``); or the reason a
    molecule is not scored, or the error."""
    level = conformal.LEVEL if level is None else level
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
    out: list[MoleculeResult] = []
    for rec in batch.records:
        if rec.smiles is None:
            out.append(MoleculeResult(row=rec.row, name=rec.name, input=rec.input,
                                      not_scored=rec.not_scored or "",
                                      error="" if rec.not_scored else rec.error))
            continue
        k = by_row[id(rec)]
        p, near, sd = scores.probabilities[k], scores.neighbours[k], scores.spread[k]
        best, top = int(np.argmax(p)), top_assay(p, thr)
        probs = {a: round(float(v), 4) for a, v in zip(assays, p, strict=True)}
        member_sd = {a: round(float(v), 4) for a, v in zip(assays, sd, strict=True)}
        labels = {}
        if found[k] is not None:
            labels["measured"] = measured.labels(table, found[k], assays)
            labels["measured_summary"] = measured.summary(labels["measured"],
                                                          bool(table.in_training[found[k]]))
        out.append(MoleculeResult(
            row=rec.row, name=rec.name, smiles=rec.smiles, note=rec.note, probabilities=probs,
            top_assay=assays[top],
            top_assay_vs_threshold=round(float(p[top] / max(thr[top], 1e-6)), 2),
            max_assay=assays[best], max_probability=round(float(p[best]), 4), level=level,
            prediction_sets=sets[k], prediction_set=sets[k][assays[top]], member_sd=member_sd,
            nearest_training_similarity=near.similarity, nearest_training_smiles=near.smiles,
            far_from_training=near.far, **labels,
            **_calls(rules, probs, member_sd, near.far, sets[k])))
    if explain_top > 0:
        first = {id(r) for r in [r for r in out if r.scored][:explain_top]}
        todo = [r for r in out if id(r) in first]
        done = iter(explain(bundle, todo, full_attribution=full_attribution,
                            progress=progress))
        out = [next(done) if id(r) in first else r for r in out]
    return out


def explain(bundle, results: list[MoleculeResult], *, assay: str | None = None,
            full_attribution: bool = True,
            progress: Callable[[float, str], None] | None = None) -> list[MoleculeResult]:
    """New results with the atoms and whole-molecule properties behind ``assay`` (``None``:
    each molecule's top assay), by integrated gradients (``tox.explain.attribution``); each atom's
    value is kept with ``full_attribution`` (for drawing). Rows not scored, and results
    already explained so, come back as they are."""
    assays = list(bundle.extras["preprocess"]["assays"])
    if assay is not None and assay not in assays:
        raise InputError(f"Unknown assay {assay!r}.", f"Pick one of {', '.join(assays)}.")

    def ready(r: MoleculeResult, a: str) -> bool:
        e = r.explanation
        return e is not None and e.assay == a and (e.atoms is not None or not full_attribution)

    todo = [r for r in results if r.scored and not ready(r, assay or r.top_assay)]
    text = f"Explaining {len(todo)} molecule(s) by integrated gradients…"
    out, done = [], 0
    for r in results:
        a = assay or r.top_assay
        if not r.scored or ready(r, a):
            out.append(r)
            continue
        parts = attribution.attribution(bundle, r.smiles, assays.index(a))
        atoms = np.asarray(parts["atoms"], float)
        out.append(replace(r, explanation=Attribution(
            assay=a, top_atoms=attribution.top_atoms(r.smiles, atoms),
            descriptors=parts["descriptors"],
            absent_substructures=parts["absent_substructures"],
            atoms=atoms if full_attribution else None)))
        done += 1
        if progress:
            progress(done / len(todo), text)
    return out


def set_level(bundle, results: list[MoleculeResult], level: float) -> list[MoleculeResult]:
    """New results with their prediction sets and calls at another ``level``, from the
    probabilities they carry (rounded as shown; ``analyse`` forms its sets from the same
    rounded values), so a level change needs no rescoring; the inputs are unchanged."""
    assays = bundle.extras["preprocess"]["assays"]
    rules = calls.Rules.of(bundle)
    scored = [r for r in results if r.scored]
    p = np.array([[r.probabilities[a] for a in assays] for r in scored]).reshape(-1,
                                                                                len(assays))
    sets = iter(uncertainty.named_sets(p, bundle.extras["conformal"], assays, level))
    out = []
    for r in results:
        if r.scored:
            s = next(sets)
            r = replace(r, level=level, prediction_sets=s, prediction_set=s[r.top_assay],
                        **_calls(rules, r.probabilities, r.member_sd, r.far_from_training, s))
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
        return {"file": name, "molecules": [
            r.to_row() for r in analyse(bundle, batch, explain_top=explain_top)]}

    return uploads.per_file(paths, answer)


def rows_to_frame(results: list[MoleculeResult]):
    """The sortable results table and CSV: one row per scored or not-scored molecule (its
    reason in ``note``, no probabilities), one column per assay; unreadable rows are left to
    the error list."""
    import pandas as pd

    flat = []
    for r in results:
        if not r.scored and not r.not_scored:
            continue
        if not r.scored:
            flat.append({"row": r.row, "name": r.name, "note": r.not_scored, "smiles": r.input})
            continue
        flat.append({"row": r.row, "name": r.name, "note": r.note,
                     "top_assay": r.top_assay, "active_assays": ", ".join(r.active_assays),
                     "measured_in_tox21": r.measured_summary,
                     "top_assay_call": r.calls[r.top_assay],
                     "top_assay_set": conformal.describe(r.prediction_set),
                     "uncertain_assays": ", ".join(r.uncertain_assays),
                     "top_assay_member_sd": r.member_sd[r.top_assay],
                     "nearest_training_similarity": r.nearest_training_similarity,
                     "far_from_training": r.far_from_training, "smiles": r.smiles,
                     "max_assay": r.max_assay, "max_probability": r.max_probability,
                     **r.probabilities})
    return pd.DataFrame(flat)


def export_frame(bundle, df, results: list[MoleculeResult]):
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
    level = next((r.level for r in results if r.scored), None)
    out = provenance.with_columns(df, bundle.card, notes=notes, threshold=thresholds)
    return out.assign(prediction_set_level=level)

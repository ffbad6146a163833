"""A molecule's report from a ``molecules.service`` result (the page's result)."""

from __future__ import annotations

from pathlib import Path

from medcore import uploads
from medcore.errors import InputError
from medcore.molecules import draw, io, service
from medcore.molecules.tox import calls
from medcore.report import Case, Failure, Figure, Table, model_facts


def _assays(result: service.MoleculeResult, rules: calls.Rules) -> Table:
    """Every assay's call beside its probability, base rate, threshold and that threshold's
    held-out precision and sensitivity, and Tox21's measured label where there is one."""
    sets = result.prediction_sets or {}
    measured = result.measured
    columns = (["assay", "probability", "base rate", "x base rate", "threshold",
                "held-out precision", "held-out sensitivity", "call", "why"]
               + (["prediction set"] if sets else []) + ["members' SD"]
               + (["measured in Tox21"] if measured else []))
    rows = []
    for a, p in result.probabilities.items():
        r = rules.assays[a]
        rows.append([a, p, r.base_rate, calls.lift(p, r.base_rate), r.threshold, r.precision,
                     r.sensitivity, result.calls[a], result.call_reasons.get(a, "")]
                    + (["{" + ", ".join(sets.get(a, [])) + "}"] if sets else [])
                    + [result.member_sd[a]] + ([measured[a]] if measured else []))
    level = result.level
    return Table("Calls per assay" + (f" (prediction sets at {level:.0%})" if level else "")
                 + ": " + calls.RULE, columns, rows)


def case(bundle, result: service.MoleculeResult, file: str = "",
         synthetic: bool = False) -> Case:
    """The report of one scored molecule: every assay against its threshold, the applicability
    domain, and the atoms and properties behind its top assay when they were explained."""
    r = result
    rules = calls.Rules.of(bundle)
    top = r.top_assay
    ad = bundle.card["metrics"]["applicability_domain"]
    sim = r.nearest_training_similarity
    inputs = ([("File", file)] if file else []) + [
        ("Name", r.name), ("Row", str(r.row)), ("Scored SMILES", r.smiles),
        ("Nearest training molecule", f"{r.nearest_training_smiles} "
                                      f"(Tanimoto {sim:.2f})")]
    if r.note:
        inputs.append(("Before scoring", r.note))
    if r.measured_summary:
        inputs.append(("Tox21", r.measured_summary))
    warnings = []
    if r.uncertain_assays:
        warnings.append("Uncertain (no call of activity: " + "; ".join(
            f"{a}: {r.call_reasons[a]}" for a in r.uncertain_assays) + ").")
    if r.far_from_training:
        warnings.append(f"Far from training: similarity {sim:.2f} is below {ad['threshold']:.2f}."
                        f" On the scaffold test split such molecules scored mean ROC-AUC "
                        f"{ad['roc_auc_below']} against {ad['roc_auc_at_or_above']} for nearer "
                        "ones: treat these probabilities as rough.")
    tables = [_assays(r, rules)]
    e = r.explanation
    if e is not None:  # the attribution analyse computed is the top assay's
        tables.append(Table(f"Whole-molecule contributions to {e.assay} (integrated "
                            "gradients)", ["property", "attribution"],
                            [[p["property"], p["attribution"]] for p in r.top_properties]))
    figs = []
    if e is not None and e.atoms is not None:
        figs.append(Figure(f"Atoms behind {e.assay}", draw.similarity_map_png(
            r.smiles, r.atom_attribution), caption="Red atoms raise the "
            "probability, blue lower it (integrated gradients)."))
    figs.append(Figure("The molecule and its nearest training molecule", draw.grid_png(
        [r.smiles, r.nearest_training_smiles],
        [r.name, f"nearest in training: {sim:.2f}"], per_row=2, size=240)))
    active = r.active_assays
    n = len(rules.assays)
    return Case(
        kind="molecule", name=str(r.name), model=model_facts(bundle.card),
        result=(f"Called active in {len(active)} of {n} assays: {', '.join(active)}"
                if active else f"Called active in none of the {n} assays")
        + (f"; uncertain in {len(r.uncertain_assays)}" if r.uncertain_assays else ""),
        inputs=inputs, probability=r.probabilities[top],
        probability_of=f"of activity in {top} (top assay: highest relative to its threshold)",
        # the sets are a column of the calls table: the call, not a set alone, is the answer
        threshold=rules.assays[top].threshold, prediction_set=None, level=r.level,
        warnings=warnings, tables=tables, figures=figs, synthetic=synthetic)


def cases(bundle, results: list[service.MoleculeResult], file: str = ""
          ) -> list[Case | Failure]:
    """One case per scored result; a row not scored or unreadable is a failure with its
    reason."""
    return [case(bundle, r, file) if r.scored
            else Failure(str(r.name), r.not_scored or r.error or "") for r in results]


def cases_from_paths(bundle, paths: list[Path]) -> list[Case | Failure]:
    """The page's path for files on disk: parse, score, explain every molecule."""

    def answer(name: str, data: bytes) -> list[Case | Failure]:
        batch = io.load_upload(name, data)
        if batch.needs_column:
            raise InputError("Several columns could hold SMILES: "
                             f"{', '.join(batch.column_candidates)}.",
                             "Keep one SMILES column or name it 'smiles'.")
        return cases(bundle, service.analyse(bundle, batch, explain_top=len(batch.records),
                                             full_attribution=True), name)

    return uploads.flat(uploads.each(paths, answer))

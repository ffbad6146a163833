"""A molecule's report from a ``molecules.service.analyse`` row (the page's result)."""

from __future__ import annotations

from pathlib import Path

from medcore import uploads
from medcore.errors import InputError
from medcore.molecules import draw, io, service
from medcore.molecules.tox import calls
from medcore.report import Case, Failure, Figure, Table, model_facts


def _assays(row: dict, rules: calls.Rules) -> Table:
    """Every assay's call beside its probability, base rate, threshold and that threshold's
    held-out precision and sensitivity, and Tox21's measured label where there is one."""
    sets = row.get("prediction_sets") or {}
    measured = row.get("measured")
    columns = (["assay", "probability", "base rate", "x base rate", "threshold",
                "held-out precision", "held-out sensitivity", "call", "why"]
               + (["prediction set"] if sets else []) + ["members' SD"]
               + (["measured in Tox21"] if measured else []))
    rows = []
    for a, p in row["probabilities"].items():
        r = rules.assays[a]
        rows.append([a, p, r.base_rate, calls.lift(p, r.base_rate), r.threshold, r.precision,
                     r.sensitivity, row["calls"][a], row["call_reasons"].get(a, "")]
                    + (["{" + ", ".join(sets.get(a, [])) + "}"] if sets else [])
                    + [row["member_sd"][a]] + ([measured[a]] if measured else []))
    level = row.get("level")
    return Table("Calls per assay" + (f" (prediction sets at {level:.0%})" if level else "")
                 + ": " + calls.RULE, columns, rows)


def case(bundle, row: dict, file: str = "", synthetic: bool = False) -> Case:
    """The report of one scored molecule: every assay against its threshold, the applicability
    domain, and the atoms and properties behind its top assay when they were explained."""
    rules = calls.Rules.of(bundle)
    top = row["top_assay"]
    ad = bundle.card["metrics"]["applicability_domain"]
    sim = row["nearest_training_similarity"]
    inputs = ([("File", file)] if file else []) + [
        ("Name", row["name"]), ("Row", str(row["row"])), ("Scored SMILES", row["smiles"]),
        ("Nearest training molecule", f"{row['nearest_training_smiles']} "
                                      f"(Tanimoto {sim:.2f})")]
    if row.get("note"):
        inputs.append(("Before scoring", row["note"]))
    if row.get("measured_summary"):
        inputs.append(("Tox21", row["measured_summary"]))
    warnings = []
    if row.get("uncertain_assays"):
        warnings.append("Uncertain (no call of activity: " + "; ".join(
            f"{a}: {row['call_reasons'][a]}" for a in row["uncertain_assays"]) + ").")
    if row["far_from_training"]:
        warnings.append(f"Far from training: similarity {sim:.2f} is below {ad['threshold']:.2f}."
                        f" On the scaffold test split such molecules scored mean ROC-AUC "
                        f"{ad['roc_auc_below']} against {ad['roc_auc_at_or_above']} for nearer "
                        "ones: treat these probabilities as rough.")
    tables = [_assays(row, rules)]
    if row.get("top_properties"):
        tables.append(Table(f"Whole-molecule contributions to {top} (integrated gradients)",
                            ["property", "attribution"],
                            [[p["property"], p["attribution"]] for p in row["top_properties"]]))
    figs = []
    if row.get("atom_attribution"):
        figs.append(Figure(f"Atoms behind {top}", draw.similarity_map_png(
            row["smiles"], row["atom_attribution"]), caption="Red atoms raise the probability, "
            "blue lower it (integrated gradients)."))
    figs.append(Figure("The molecule and its nearest training molecule", draw.grid_png(
        [row["smiles"], row["nearest_training_smiles"]],
        [row["name"], f"nearest in training: {sim:.2f}"], per_row=2, size=240)))
    active = row["active_assays"]
    level = row.get("level")
    n = len(rules.assays)
    return Case(
        kind="molecule", name=str(row["name"]), model=model_facts(bundle.card),
        result=(f"Called active in {len(active)} of {n} assays: {', '.join(active)}"
                if active else f"Called active in none of the {n} assays")
        + (f"; uncertain in {len(row['uncertain_assays'])}" if row["uncertain_assays"]
           else ""),
        inputs=inputs, probability=row["probabilities"][top],
        probability_of=f"of activity in {top} (top assay: highest relative to its threshold)",
        # the sets are a column of the calls table: the call, not a set alone, is the answer
        threshold=rules.assays[top].threshold, prediction_set=None, level=level,
        warnings=warnings, tables=tables, figures=figs, synthetic=synthetic)


def cases(bundle, rows: list[dict], file: str = "") -> list[Case | Failure]:
    """One case per scored row; a row not scored or unreadable is a failure with its reason."""
    return [case(bundle, r, file) if "probabilities" in r
            else Failure(str(r["name"]), r.get("not_scored") or r.get("error") or "")
            for r in rows]


def cases_from_paths(bundle, paths: list[Path]) -> list[Case | Failure]:
    """The page's path for files on disk: parse, score, explain every molecule."""

    def answer(name: str, data: bytes) -> list[Case | Failure]:
        batch = io.load_upload(name, data)
        if batch.needs_column:
            raise InputError("Several columns could hold SMILES: "
                             f"{', '.join(batch.column_candidates)}.",
                             "Keep one SMILES column or name it 'smiles'.")
        return cases(bundle, service.analyse(bundle, batch, len(batch.records),
                                             full_attribution=True), name)

    return uploads.flat(uploads.each(paths, answer))

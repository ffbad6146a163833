"""A patient's report from a ``history.service`` result (and its explanation, when asked)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from medcore import uploads
from medcore.history import explain, io, service
from medcore.history import mapping as hist_mapping
from medcore.report import Case, Failure, Figure, Table, model_facts, png

MAPPING_COLUMNS = ["source", "unit", "variable", "read as", "conversion", "use", "status", "note"]


def timeline_png(e: explain.Explanation) -> bytes:
    """The page's timeline as a static image: SHAP over measured cells, blank where the
    patient had no data (those cells are never reasons)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [j for j in range(len(explain.VARIABLES)) if e.measured[:, j].any()]
    shown.sort(key=lambda j: -np.abs(e.shap[:, j] * e.measured[:, j]).sum())
    z = np.where(e.measured, e.shap, np.nan)[:, shown].T
    lim = max(1e-6, float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1e-6)
    fig, ax = plt.subplots(figsize=(9, 0.28 * len(shown) + 1.2))
    im = ax.imshow(z, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    ax.set_yticks(range(len(shown)), [explain.VARIABLES[j] for j in shown], fontsize=8)
    ax.set_xlabel("hours since admission")
    fig.colorbar(im, ax=ax, label="SHAP", fraction=0.03)
    return png(fig)


def _mapping_table(entries: list[hist_mapping.Entry]) -> Table:
    """The names that were not read as written (converted, proposed, unknown, the user's)."""
    return Table("Names and units not read as written", MAPPING_COLUMNS,
                 [[e.source, e.unit, e.variable, e.read_as, e.conversion, e.use, e.status,
                   e.note] for e in entries if e.status != "matched" or e.conversion])


def case(bundle, result: service.PatientResult, file: str, synthetic: bool = False) -> Case:
    """The report of one patient: the risk with its coverage warnings, the file's validation
    and mapping (from the history the result was read from), and the reasons and timeline
    when the patient was explained."""
    hist = result.source
    inputs = [("File", file), ("Patient id", result.patient_id),
              ("Observations", str(result.n_observations)), ("Coverage", result.coverage),
              ("Share of the model's weight given", f"{result.weight_given:.0%}")]
    if result.last_hour is not None:
        inputs.append(("Last observed hour", f"{result.last_hour}"))
    inputs += [("Validation", line) for line in hist.report.lines()]
    matched = sum(e.status == "matched" and not e.conversion for e in hist.mapping)
    inputs.append(("Mapping", f"{matched} of {len(hist.mapping)} names read as written"))
    mapping_notes = [f"Mapping of '{e.label}': {e.note}" for e in hist.mapping
                     if e.note and e.status not in ("matched", "set aside")]
    tables = [_mapping_table(hist.mapping)] if hist.mapping else []
    figs = []
    explanation = result.explanation
    if explanation is not None:
        tables.insert(0, Table(f"Top reasons ({service.METHOD}, {service.WINDOW_HOURS} h "
                               "windows)", ["variable", "window", "contribution"],
                               [[r["variable"], r["window"], r["contribution"]]
                                for r in result.top_reasons]))
        figs.append(Figure("Timeline of contributions", timeline_png(explanation),
                           caption="Red cells pushed the risk up, blue down; blank cells were "
                           "not measured. Their absence moved the risk by "
                           f"{explanation.not_measured:+.3f} in total."))
    alert = ("High-risk alert." if result.high_risk else "No high-risk alert.")
    inputs.insert(2, ("High-risk alert", result.threshold_meaning))
    return Case(
        kind="patient", name=str(result.patient_id), model=model_facts(bundle.card),
        result=f"{result.risk_words} {alert}", leans=False, inputs=inputs,
        probability=result.risk,
        probability_of="of in-hospital death", threshold=result.threshold,
        prediction_set=result.prediction_set, level=result.level,
        warnings=list(result.warnings) + mapping_notes, tables=tables, figures=figs,
        synthetic=synthetic or result.synthetic)


def cases_from_paths(bundle, paths: list[Path], mapping_file: str | None = None
                     ) -> list[Case | Failure]:
    """The page's path for files on disk: read, map, score and explain every patient."""
    user, columns = hist_mapping.read_file(mapping_file)

    def answer(name: str, data: bytes) -> list[Case]:
        hist = io.load_upload(name, data, user, columns)
        return [case(bundle, r, name)
                for r in service.analyse(bundle, hist, explain_top=len(hist.patients))]

    return uploads.flat(uploads.each(paths, answer))

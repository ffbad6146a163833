"""A sequence's report from a ``genomics.service.SeqResult`` (the page's result)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from medcore import uploads
from medcore.conformal import describe
from medcore.genomics import io, logos, scan, service
from medcore.report import Case, Failure, Figure, Table, model_facts, png

SHOWN_BASES = 400  # a longer record's sequence is cut in the input summary
LOGO_FLANK = 30  # bases either side of the explained junction in the logo


def track_png(scores: np.ndarray, mark: int | None) -> bytes:
    """Donor and acceptor score at every junction, as the page's track (static)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x, v = scan.downsample_track(np.arange(len(scores)), scores)
    fig, ax = plt.subplots(figsize=(9, 2.4))
    ax.plot(x, v[:, 0], lw=1, color="#1f77b4", label="donor (EI)")
    ax.plot(x, v[:, 1], lw=1, color="#d62728", label="acceptor (IE)")
    if mark is not None:
        ax.axvline(mark, ls=":", color="grey")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("junction after base (nt)")
    ax.set_ylabel("probability")
    ax.legend(loc="upper right", fontsize=8)
    return png(fig)


def _logo(r: service.SeqResult) -> Figure:
    j, start = r.explain_at, r.explain_start
    near = slice(max(0, j - LOGO_FLANK - (start - 1)), j + LOGO_FLANK - (start - 1))
    title = f"SHAP towards {r.explain_class} at the junction after base {j}"
    return Figure(title, logos.png(logos.contribution_logo(r.contrib[near], title,
                                                           start=start + near.start)),
                  caption=f"Method: {service.METHOD}. Letters above 0 push towards "
                          "the class, below 0 away from it.")


def case(bundle, r: service.SeqResult, file: str = "", synthetic: bool = False) -> Case:
    """The report of one record: its class and set (a window) or its sites (a scan), the
    score track and the SHAP logo of the explained junction (asked of the service when the
    result lacks them: the page computes them for the record it shows, not for a batch)."""
    r = service.explain(bundle, [service.fill_scores(bundle, r)])[0]
    seq = r.seq if r.length <= SHOWN_BASES else r.seq[:SHOWN_BASES] + " …"
    inputs = ([("File", file)] if file else []) + [
        ("Record", r.name)] + ([("Locus", f"{r.locus} (1-based; the sequence as written "
                                           "on this strand)")] if r.locus else []) + [
        ("Length", f"{r.length:,} nt"), ("Mode", r.kind),
        ("Sequence", seq)] + ([("Known label", r.label)] if r.label else [])
    if r.kind == "window" and r.locus is not None:
        inputs.append(("Junction", f"after base {r.explain_at} = {r.locus.junction(r.explain_at)}"))
    tables = []
    if r.probabilities:
        tables.append(Table("Probability per class", list(r.probabilities),
                            [list(r.probabilities.values())]))
    if r.sites:
        tables.append(Table("Top sites (junction after base N; '|' at the junction; "
                            + (f"prediction set at {r.level:.0%})" if r.kind == "scan" else
                               "a window's answer is its class at the junction)"),
                            ["class", "junction after", "genomic", "probability", "set",
                             "call", "known", "context"],
                            [[s.class_name, s.junction_after, s.genomic or "-", s.probability,
                              describe(s.prediction_set) if s.verdict else "-",
                              s.verdict.words if s.verdict else "-", s.known or "-",
                              s.context] for s in r.sites]))
    figs = [Figure("Donor and acceptor score at every position",
                   track_png(r.scores, r.explain_at if r.kind == "window" else None))]
    if r.contrib is not None:
        figs.append(_logo(r))
    if r.kind == "window":
        v = r.verdict
        # not sure: the report's headline says "uncertain" / "fits neither" and the set first,
        # then this as the model's leaning
        result = (f"{v.sentence} (P {r.probabilities[v.decision]:.3f})" if v.tone == "sure" else
                  f"most likely {r.class_name} (P {r.probabilities[r.class_name]:.3f})")
        return Case(kind="sequence", name=r.name, model=model_facts(bundle.card),
                    result=result, inputs=inputs, probability=r.probabilities[r.class_name],
                    probability_of=f"of {r.class_name} (the most likely class)",
                    prediction_set=r.prediction_set, level=r.level, warnings=list(r.notes),
                    tables=tables, figures=figs, synthetic=synthetic)
    n_ei = sum(s.class_name == "EI" for s in r.sites)
    top = r.sites[0] if r.sites else None
    return Case(kind="sequence", name=r.name, model=model_facts(bundle.card),
                result=f"Scanned {r.length:,} nt: {n_ei} donor and {len(r.sites) - n_ei} "
                       f"acceptor site(s) at or above {service.SITE_THRESHOLD}",
                inputs=inputs, probability=top.probability if top else None,
                probability_of=(f"of the top site ({top.class_name} after base "
                                f"{top.junction_after})" if top else ""),
                threshold=service.SITE_THRESHOLD, warnings=list(r.notes), tables=tables,
                figures=figs, synthetic=synthetic)


def cases_from_paths(bundle, paths: list[Path]) -> list[Case | Failure]:
    """The page's path for files on disk: every record scored, classified and explained."""

    def answer(name: str, data: bytes) -> list[Case | Failure]:
        parsed = io.load_upload(name, data)
        return ([Failure(f"{name} / {rec}", msg) for rec, msg in parsed.errors]
                + [case(bundle, r, name) for r in service.analyse(bundle, parsed.records,
                                                                   explain_top=0)])

    return uploads.flat(uploads.each(paths, answer))

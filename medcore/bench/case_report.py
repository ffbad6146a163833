"""Time of one case report on the path a download click runs: the page's result (already
scored and explained, as the page holds it) through the adapter and the builder."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from medcore import registry
from medcore.bench import samples
from medcore.errors import DataUnavailableError
from medcore.report import Case, build

TARGET_MS = 2000
REPEATS = 3


def imaging(bundle) -> Callable[[], Case]:
    from medcore.imaging import service
    from medcore.report import imaging

    result = next(iter(service.analyse_uploads(bundle, [("chest.png", samples.xray_png(3))])
                       .values()))
    return lambda: imaging.case(bundle, result)


def history(bundle) -> Callable[[], Case]:
    from medcore.history import io, service, synthetic
    from medcore.report import history

    hist = io.load_upload("example.csv", synthetic.example_csv(1))
    [result] = service.analyse(bundle, hist, explain_top=1)
    return lambda: history.case(bundle, result, "example.csv")


def molecules(bundle) -> Callable[[], Case]:
    from medcore.molecules import io, service
    from medcore.report import molecules

    rows = service.analyse(bundle, io.load_upload("drugs.smi", samples.DRUGS_SMI),
                           explain_top=1, full_attribution=True)
    return lambda: molecules.case(bundle, rows[0], "drugs.smi")


def genomics(bundle) -> Callable[[], Case]:
    from medcore.genomics import io, service, synthetic
    from medcore.report import genomics

    records = io.load_upload("example.fasta", synthetic.example_fasta().encode()).records
    result = service.fill_scores(bundle, service.analyse(bundle, records[:1], explain_top=1)[0])
    return lambda: genomics.case(bundle, result)




def run(bundle) -> dict:
    """``figures`` (median ms of one report) and its target, or nothing without sample data."""
    try:
        make = registry.spec(bundle.id).measure.ref("case_report")(bundle)
    except DataUnavailableError:
        return {}
    build(make())  # warm-up: fonts and drawing code load once per process
    times = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        build(make())
        times.append((time.perf_counter() - t) * 1000)
    ms = round(float(np.median(times)), 1)
    return {"figures": {"report_ms": ms}, "targets": [
        {"name": "one case report (HTML, figures embedded)", "value": ms, "target": TARGET_MS,
         "unit": "ms", "pass": bool(ms <= TARGET_MS)}]}

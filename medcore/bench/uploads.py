"""Per-workbench upload-to-result probes for the browser: what to upload, what text means done.

Shared by the bench (timings) and the browser tests (correctness), so both exercise the same path.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from medcore.bench import samples
from medcore.errors import DataUnavailableError


@dataclass(frozen=True)
class Probe:
    path: str  # URL path of the page
    filename: str
    mime: str
    payload: Callable[[], bytes]
    done_text: str  # text that appears once the result is on screen


PROBES: dict[str, Probe] = {
    "imaging": Probe("imaging", "chest_real.png", "image/png", lambda: samples.xray_png(3),
                     "P(pneumonia) ="),
    "history": Probe("history", "two_patients.csv", "text/csv",
                     lambda: samples.history_csv(0, 2), "Risks ("),
    "drugs": Probe("drugs", "drugs.smi", "text/plain", lambda: samples.DRUGS_SMI,
                   "Probabilities per assay"),
    "genomics": Probe("genomics", "splice.fasta", "text/plain",
                      lambda: samples.splice_fasta(2), "seq0"),
}


# A second, different film on the same server: the "warm server" figure (models loaded).
WARM_IMAGING = Probe("imaging", "chest_second.png", "image/png",
                     lambda: samples.xray_png(11, size=1024), "P(pneumonia) =")

# Streamlit's status badge shows its running icon while the script runs (its text says "Stop")
RUNNING = "!!document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')"


def time_upload(page, base_url: str, name: str, probe: Probe) -> dict:
    """Open the page, upload the probe file and time until its result text shows (the
    prediction), then until the script has finished (explanations such as reasons or SHAP)."""
    try:
        data = probe.payload()
    except DataUnavailableError:
        return {}
    page.goto(f"{base_url}/{probe.path}")
    target = page.locator("input[type=file]").first
    target.wait_for(state="attached", timeout=180_000)
    t0 = time.perf_counter()
    target.set_input_files([{"name": probe.filename, "mimeType": probe.mime, "buffer": data}])
    page.get_by_text(probe.done_text, exact=False).filter(visible=True).first.wait_for(
        timeout=180_000)  # a table cell holding the text is hidden; wait for a shown copy
    result = time.perf_counter() - t0
    page.wait_for_timeout(300)  # the script may still be drawing explanations after the result
    page.wait_for_function(f"() => !({RUNNING})", timeout=180_000)
    return {f"{name}_upload_to_result_ms": round(result * 1000, 1),
            f"{name}_upload_to_finished_ms": round((time.perf_counter() - t0) * 1000, 1)}

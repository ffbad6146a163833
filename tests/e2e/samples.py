"""Upload payloads for browser tests (real held-out records; skip when the data is absent)."""

from __future__ import annotations

import json

import pytest

from medcore.bench import samples
from medcore.errors import DataUnavailableError

DRUGS_SMI = samples.DRUGS_SMI
# workbench -> (model whose report the page gives, label of its single-case download button)
REPORT_BUTTONS = {"imaging": ("xray-cnn", "Download report (HTML)"),
                  "history": ("history-rnn", "Download this patient's report"),
                  "drugs": ("tox-cnn", "Download this molecule's report (HTML)"),
                  "genomics": ("dna-cnn", "Download this record's report (HTML)")}


def or_skip(fn, *args, **kwargs) -> bytes:
    try:
        return fn(*args, **kwargs)
    except DataUnavailableError as err:
        pytest.skip(f"{err} (set MEDCORE_DATA_DIR to the shared data folder)")


def xray_png(index: int = 0, size: int = 256, text: str | None = None) -> bytes:
    return or_skip(samples.xray_png, index, size, text)


def history_csv(first: int = 0, n: int = 2, prefix: str = "") -> bytes:
    return or_skip(samples.history_csv, first, n, prefix)


def history_hospital_csv(first: int = 0, n: int = 2) -> bytes:
    return or_skip(samples.history_hospital_csv, first, n)


def splice_fasta(n: int = 3, header_prefix: str = "seq") -> bytes:
    return or_skip(samples.splice_fasta, n, header_prefix)


def chip(name: str) -> str:
    """The uploader's chip for a file: its text may be shortened, its title is the whole name."""
    return f"[data-testid='stFileChipName'][title={json.dumps(name)}]"


def upload(page, files: list[tuple[str, bytes, str]], index: int = 0) -> None:
    """Send files to the index-th file input on the page, as a user's file chooser would."""
    payload = [{"name": n, "mimeType": m, "buffer": b} for n, b, m in files]
    target = page.locator("input[type=file]").nth(index)
    for attempt in range(3):
        target.wait_for(state="attached", timeout=180_000)  # first model load can be slow
        target.set_input_files(payload)
        try:  # the uploader lists the file (a chip titled with its whole name) once it has it
            page.locator(chip(files[0][0])).first.wait_for(state="attached", timeout=45_000)
            return
        except Exception:
            # the uploader never took it (a rerun replaced it): a user would pick the file
            # again, then reload the page
            if attempt == 1:
                page.reload(timeout=120_000)

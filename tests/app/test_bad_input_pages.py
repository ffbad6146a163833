"""AppTest over the whole bad-input corpus: each page gets every case of its uploader in one
batch beside a good file; every broken file gets a message naming it, nothing raises, and the
good file still gets its result."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.bad_inputs.generate import all_cases

ROOT = Path(__file__).resolve().parents[2]
PAGES = {"imaging": "imaging.py", "history": "history.py", "molecules": "drugs.py",
         "genomics": "genomics.py"}


def _good_file(workbench: str) -> tuple[str, bytes, str] | None:
    from tests.e2e import samples

    try:
        return {
            "imaging": lambda: ("good_xray.png", samples.xray_png(0), "image/png"),
            "history": lambda: ("good.csv", samples.history_csv(0, 1), "text/csv"),
            "molecules": lambda: ("good.smi", b"CC(=O)Oc1ccccc1C(=O)O aspirin\n", "text/plain"),
            "genomics": lambda: ("good.fasta", samples.splice_fasta(1), "text/plain"),
        }[workbench]()
    except pytest.skip.Exception:
        return None


def _texts(at: AppTest) -> list[str]:
    return [e.value for e in list(at.error) + list(at.warning)]


@pytest.mark.parametrize("workbench", list(PAGES))
def test_page_survives_whole_corpus(workbench):
    cases = all_cases().get(workbench)
    if not cases:
        pytest.skip(f"no bad-input cases for {workbench}")
    at = AppTest.from_file(str(ROOT / "pages" / PAGES[workbench]), default_timeout=600).run()
    assert not at.exception
    # the uploader itself refuses extensions it does not list (the browser never sends them)
    allowed = {t.lower().lstrip(".") for t in at.file_uploader[0].allowed_type}
    cases = [c for c in cases if Path(c.filename).suffix.lower().lstrip(".") in allowed]
    files = [(f"{c.name}__{c.filename}", c.data, "application/octet-stream") for c in cases]
    good = _good_file(workbench)
    if good:
        files.append(good)
    at.file_uploader[0].set_value(files).run()
    assert not at.exception, at.exception
    messages = " ".join(_texts(at))
    missing = [f"{c.name}__{c.filename}" for c in cases
               if c.expect != "ok" and f"{c.name}__{c.filename}" not in messages]
    assert missing == [], f"no message shown for: {missing}"

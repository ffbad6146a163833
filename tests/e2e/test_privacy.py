"""Uploads stay in memory: after a marker goes through every workbench in a real browser, it is
found nowhere in the working tree, the temp folders, the server's home or its logs; and the
browser asked nothing of any host but the app's own server. Each workbench's case report is
downloaded too: it reaches only the user's download, and a DICOM film's patient tags stay out
of it (they were not shown)."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pytest

from tests.bad_inputs.imaging import chest_like, dicom
from tests.e2e import samples
from tests.e2e.conftest import ROOT, running_server, wait_idle
from tests.e2e.samples import REPORT_BUTTONS

pytestmark = pytest.mark.browser
SKIP_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis"}


def _files_containing(root: Path, marker: bytes, skip_prefixes: tuple[str, ...] = ()) -> list[str]:
    hits = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames
                       if d not in SKIP_DIRS and not d.startswith(skip_prefixes)]
        for name in filenames:
            path = Path(dirpath) / name
            try:
                if path.is_file() and path.stat().st_size < 50_000_000 \
                        and marker in path.read_bytes():
                    hits.append(str(path))
            except OSError:
                continue
    return hits


def test_uploaded_marker_is_never_written_anywhere(browser, tmp_path):
    marker = f"PRIVMARK{uuid.uuid4().hex[:12]}"
    patient = f"TAGMARK{uuid.uuid4().hex[:12]}"  # a DICOM PatientName: never in a report
    server_home = tmp_path / "server_home"
    server_tmp = tmp_path / "server_tmp"
    server_home.mkdir()
    server_tmp.mkdir()
    log_path = tmp_path / "server.log"
    env = {"HOME": str(server_home), "TMPDIR": str(server_tmp)}
    with running_server(log_path, env) as (url, _proc):
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        elsewhere: list[str] = []
        reports: list[bytes] = []
        page.on("request", lambda r: None if r.url.startswith((url, "data:", "blob:"))
                else elsewhere.append(r.url))
        steps = [
            ("imaging", [(f"{marker}.png", samples.xray_png(5, text=marker), "image/png"),
                         (f"{marker}.dcm", dicom(chest_like(256), patient=f"{patient}^X"),
                          "application/dicom")], "P(pneumonia) ="),
            ("history", [(f"{marker}.csv", samples.history_csv(3, 1, marker),
                          "text/csv")], marker),
            ("genomics", [(f"{marker}.fasta", samples.splice_fasta(1, marker), "text/plain")],
             marker),
            ("drugs", [(f"{marker}.smi", f"CC(=O)Oc1ccccc1C(=O)O {marker}\n".encode(),
                        "text/plain")], "Probabilities per assay"),
        ]
        for path, files, expect in steps:
            page.goto(f"{url}/{path}", timeout=60_000)
            wait_idle(page)
            samples.upload(page, files)
            page.get_by_text(expect).filter(visible=True).first.wait_for(timeout=180_000)
            wait_idle(page, 180_000)
            buttons = page.get_by_role("button", name=REPORT_BUTTONS[path][1])
            for i in range(buttons.count()):
                with page.expect_download(timeout=120_000) as info:
                    buttons.nth(i).click()
                reports.append(Path(info.value.path()).read_bytes())
        page.close()
    assert elsewhere == [], "the page fetched from other hosts (a hospital network may block them)"
    assert len(reports) == 5  # two films, a patient, a sequence, a molecule
    assert all(b"<!DOCTYPE html>" in r and patient.encode() not in r for r in reports)
    needle = marker.encode()
    assert _files_containing(ROOT, needle) == []
    assert _files_containing(server_home, needle) == []
    assert _files_containing(server_tmp, needle) == []
    # the system temp folder, minus the browser's own profile (client side, not the server)
    assert _files_containing(Path(tempfile.gettempdir()), needle,
                             ("playwright", ".org.chromium", "pytest-of")) == []
    assert needle not in log_path.read_bytes()

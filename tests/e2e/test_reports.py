"""In a real browser, each workbench's page hands out a case report: downloaded, it names the
model, its version and card sha256, and opened from disk it fetches nothing from any host."""

from __future__ import annotations

import shutil

import pytest

from medcore import registry
from medcore.bench.uploads import PROBES
from tests.e2e import samples
from tests.e2e.conftest import assert_no_exception, screenshotted_page, wait_idle
from tests.e2e.samples import REPORT_BUTTONS as BUTTONS

pytestmark = pytest.mark.browser

EXPECTED = {"imaging": "Film: chest_real.png", "history": "Patient: ",
            "drugs": "Molecule: aspirin", "genomics": "Sequence: seq0"}


@pytest.mark.parametrize("workbench", list(BUTTONS))
def test_page_report_downloads_and_fetches_nothing(browser, server_url, shots, tmp_path,
                                                   workbench):
    model_id, label = BUTTONS[workbench]
    probe = PROBES[workbench]
    payload = (probe.filename, samples.or_skip(probe.payload), probe.mime)
    with screenshotted_page(browser, shots, f"report_{workbench}_page") as page:
        page.goto(f"{server_url}/{workbench}", timeout=60_000)
        wait_idle(page)
        samples.upload(page, [payload])
        page.get_by_text(probe.done_text, exact=False).filter(visible=True).first.wait_for(
            timeout=180_000)
        wait_idle(page, 180_000)
        button = page.get_by_role("button", name=label).first
        button.wait_for(timeout=60_000)
        with page.expect_download(timeout=120_000) as info:
            button.click()
        saved = tmp_path / info.value.suggested_filename
        shutil.copy(info.value.path(), saved)
        assert_no_exception(page)
    text = saved.read_text(encoding="utf-8")
    card = _card(model_id)
    assert saved.suffix == ".html" and EXPECTED[workbench] in text
    assert model_id in text and card["sha256"] in text and "Limitations" in text
    assert "data:image/png;base64," in text  # the explanation travels inside the file
    with screenshotted_page(browser, shots, f"report_{workbench}", height=900) as page:
        asked: list[str] = []
        page.on("request", lambda r: asked.append(r.url))
        page.goto(saved.as_uri(), wait_until="load")
        page.get_by_text("Limitations (from the model card)").wait_for()
        assert page.locator("img").count() >= 1
        assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth)")
    elsewhere = [u for u in asked if not u.startswith(("file:", "data:"))]
    assert elsewhere == [], "the report asked a host for something"


def _card(model_id: str) -> dict:
    from medcore.cards import load_card

    return load_card(registry.model_folder(model_id))

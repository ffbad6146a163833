"""In a real browser: a hospital-style export (wide, date-times, degF, lb, mmol/L, SpO2) is
mapped, one mapping is corrected by the user, and the risks show with their coverage."""

from __future__ import annotations

import re

import pytest

from medcore.history import io
from tests.e2e import samples
from tests.e2e.conftest import assert_no_exception, wait_idle

pytestmark = pytest.mark.browser


def _coverage(page) -> int:
    text = page.get_by_text(re.compile(r"^risk from \d+ of 40 variables")).first.inner_text()
    return int(text.split()[2])


def test_hospital_export_mapping_corrected_and_risks_with_coverage(browser, server_url, shots):
    data = samples.history_hospital_csv(0, 2)
    order = [e.source for e in io.read_table("export.csv", data).mapping()]
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    try:
        page.goto(f"{server_url}/history", timeout=60_000)
        wait_idle(page)
        samples.upload(page, [("export.csv", data, "text/csv")])
        page.get_by_text("Risks (2 patient(s), both models)").wait_for(timeout=180_000)
        wait_idle(page, 180_000)
        before = _coverage(page)
        editor = page.locator("[data-testid='stExpander']").filter(
            has_text="mapping of names and units").locator("[data-testid='stDataFrame']").first
        box = editor.bounding_box()
        # the user ticks "use" on the SpO2 row: the sixth column, one row per name in the file
        page.mouse.click(box["x"] + 20, box["y"] + 52)
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        for _ in range(order.index("SpO2")):
            page.keyboard.press("ArrowDown")
        page.keyboard.press(" ")
        page.get_by_text("Your change:").wait_for(timeout=60_000)
        wait_idle(page, 180_000)
        assert "SaO2, used" in page.get_by_text("Your change:").first.inner_text()
        assert _coverage(page) == before + 1  # SaO2 now reaches the model
        page.get_by_text("Risk of in-hospital death (history-rnn)").wait_for()
        page.get_by_text("Risk of in-hospital death (history-cnn)").wait_for()
        assert_no_exception(page)
    except Exception:
        page.screenshot(path=str(shots / "FAILED_history_export.png"), full_page=True)
        raise
    else:
        page.screenshot(path=str(shots / "history_export.png"), full_page=True)
    finally:
        page.close()

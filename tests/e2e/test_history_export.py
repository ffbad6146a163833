"""In a real browser: a hospital-style export (wide, date-times, degF, lb, mmol/L, SpO2) is
mapped, one mapping is corrected by the user, and the risks show with their coverage."""

from __future__ import annotations

import re

import pytest

from medcore.history import io
from tests.e2e import samples
from tests.e2e.conftest import assert_no_exception, screenshotted_page, wait_idle

pytestmark = pytest.mark.browser


def _coverage(page) -> int:
    text = page.get_by_text(re.compile(r"^risk from \d+ of 40 variables")).first.inner_text()
    return int(text.split()[2])


def _tick(page, editor, col: int, row: int, tries: int = 3) -> None:
    """Tick a checkbox cell as a user would with the keyboard: click the first cell, walk to
    the cell, press space. The grid is a canvas; its accessible copy (``glide-cell-COL-ROW``)
    says whether the tick took, and a missed walk (the grid still settling) is tried again."""
    cell = page.locator(f"#glide-cell-{col}-{row}")
    for _ in range(tries):
        box = editor.bounding_box()
        page.mouse.click(box["x"] + 20, box["y"] + 52)
        page.wait_for_timeout(500)
        for key in ["ArrowRight"] * col + ["ArrowDown"] * row:
            page.keyboard.press(key)
            page.wait_for_timeout(50)
        page.keyboard.press(" ")
        page.wait_for_timeout(1000)
        if cell.count() and cell.text_content() == "true":
            return
        page.keyboard.press("Escape")
        page.wait_for_timeout(500)
    raise AssertionError(f"could not tick cell ({col}, {row}) of the mapping editor")


def test_hospital_export_mapping_corrected_and_risks_with_coverage(browser, server_url, shots):
    data = samples.history_hospital_csv(0, 2)
    order = [e.source for e in io.read_table("export.csv", data).mapping()]
    with screenshotted_page(browser, shots, "history_export", height=2400) as page:
        page.goto(f"{server_url}/history", timeout=60_000)
        wait_idle(page)
        samples.upload(page, [("export.csv", data, "text/csv")])
        page.get_by_text("Risks (2 patient(s), both models)").wait_for(timeout=180_000)
        wait_idle(page, 180_000)
        before = _coverage(page)
        editor = page.locator("[data-testid='stExpander']").filter(
            has_text="mapping of names and units").locator("[data-testid='stDataFrame']").first
        _tick(page, editor, col=5, row=order.index("SpO2"))
        page.get_by_text("Your change:").wait_for(timeout=60_000)
        wait_idle(page, 180_000)
        assert "SaO2, used" in page.get_by_text("Your change:").first.inner_text()
        assert _coverage(page) == before + 1  # SaO2 now reaches the model
        page.get_by_text("Risk of in-hospital death (history-rnn)").wait_for()
        page.get_by_text("Risk of in-hospital death (history-cnn)").wait_for()
        assert_no_exception(page)

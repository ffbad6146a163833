"""End to end in headless Chromium: every page opens without an exception box."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ROOT, assert_no_exception, wait_idle

pytestmark = pytest.mark.browser

PAGES = [("", "medcore")] + [
    (p.stem, t) for p, t in [
        (ROOT / "pages/imaging.py", "Imaging"), (ROOT / "pages/history.py", "Patient history"),
        (ROOT / "pages/drugs.py", "Drug discovery"), (ROOT / "pages/genomics.py", "Genomics"),
        (ROOT / "pages/model_cards.py", "Model cards"),
    ] if p.exists()
]


@pytest.mark.parametrize(("path", "heading"), PAGES)
def test_page_opens_without_error(browser, server_url, shots, path, heading):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{server_url}/{path}", timeout=60_000)
        wait_idle(page)
        page.get_by_role("heading", name=heading).first.wait_for(timeout=60_000)
        assert_no_exception(page)
        page.screenshot(path=str(shots / f"page_{path or 'home'}.png"), full_page=True)
    finally:
        page.close()

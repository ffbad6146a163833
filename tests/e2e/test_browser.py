"""End to end in headless Chromium: every page opens without an exception box."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_exception, wait_idle

pytestmark = pytest.mark.browser

PAGES = [("", "medcore"), ("imaging", "Imaging"), ("history", "Patient history"),
         ("drugs", "Drug discovery"), ("genomics", "Genomics"), ("model_cards", "Model cards")]


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

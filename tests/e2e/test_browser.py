"""End to end in headless Chromium: every page opens without an exception box, under the app's
own navigation (the pages and nothing else)."""

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
        nav = [a.strip().splitlines()[-1]  # each link: its icon's name, then its title
               for a in page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()]
        assert nav == ["Home"] + [h for _, h in PAGES[1:]], nav
        page.screenshot(path=str(shots / f"page_{path or 'home'}.png"), full_page=True)
    finally:
        page.close()


def test_home_and_a_card_read_as_a_user_would(browser, server_url, shots):
    """The home page names each model's figures in words, its weakest figure and what it
    cannot do; a card opens with its intended use and limits, the revision log folded."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(server_url, timeout=60_000)
        wait_idle(page)
        page.get_by_text("Weakest figure:").first.wait_for(timeout=60_000)
        text = page.inner_text("body")
        for raw in ("roc_auc", "fd_generated_vs_test", "event1", "long CSV"):
            assert raw not in text, raw
        assert text.count("Cannot:") == 8
        page.screenshot(path=str(shots / "home_in_words.png"), full_page=True)
        page.goto(f"{server_url}/model_cards", timeout=60_000)
        wait_idle(page)
        page.get_by_text("What it cannot do:").first.wait_for(timeout=60_000)
        text = page.inner_text("body")
        assert text.index("Intended use:") < text.index("Held-out metrics")
        assert "Revisions:" not in text  # folded until the reader opens it
        page.screenshot(path=str(shots / "card_top.png"))
        page.get_by_text("How it was built").click()
        page.get_by_text("Revisions:").first.wait_for(timeout=30_000)
        assert_no_exception(page)
        page.screenshot(path=str(shots / "card_for_users.png"), full_page=True)
    finally:
        page.close()

"""Eight browser sessions at once against one server: each sees only its own uploads, and the
models are loaded once (shared through st.cache_resource), so memory grows little per session;
on a server just started, eight first visits straight to a page all get the real app."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e import samples
from tests.e2e.conftest import BROWSER_ARGS, CHROMIUM, RUNNING, rss_mb, running_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SESSIONS = 8
SLOW_MS = 300_000  # 8 sessions share 2 cores: every wait, reads included, gets this long


async def _main_text(page) -> str:
    """The main area's text once the script has finished: read mid-run, the History page may be
    swapping its risks-first slot for the full table, and a starved renderer can take more than
    Playwright's default 30 s to answer."""
    await page.wait_for_function(f"() => !({RUNNING})", polling=500, timeout=SLOW_MS)
    return await page.locator("[data-testid='stMain']").text_content(timeout=SLOW_MS)


async def _open(page, url: str, path: str) -> None:
    """Go to a workbench and wait until its script has finished (the uploader is there and
    listening): a file set while the first run is still drawing can land on an uploader that
    is about to be replaced."""
    await page.goto(f"{url}/{path}", timeout=SLOW_MS)
    await page.locator("input[type=file]").first.wait_for(state="attached", timeout=SLOW_MS)
    await page.wait_for_function(f"() => !({RUNNING})", polling=500, timeout=SLOW_MS)


async def _upload(page, files: list[dict], done: str) -> None:
    """Set the files and wait for ``done`` to appear; if the uploader does not show the file
    within a minute (the upload never reached the server), set it once more."""
    target = page.locator("input[type=file]").first
    await target.set_input_files(files)
    try:
        await page.locator(samples.chip(files[0]["name"])).first.wait_for(state="attached",
                                                                         timeout=60_000)
    except Exception:
        await target.set_input_files(files)
    await page.get_by_text(done).first.wait_for(state="attached", timeout=SLOW_MS)


async def _session(browser, i: int, url: str, pngs: list[bytes], csvs: list[bytes],
                   shots: Path) -> dict:
    page = await browser.new_page(viewport={"width": 1300, "height": 1000})
    own_png, own_pid = f"session{i}_xray.png", f"SESSION{i}-"
    try:
        await _open(page, url, "imaging")
        await _upload(page, [{"name": own_png, "mimeType": "image/png", "buffer": pngs[i]}],
                      "P(pneumonia) =")
        imaging_text = await _main_text(page)
        await _open(page, url, "history")
        # patient ids live in the data grid's accessible (hidden) cells: waited for attached
        await _upload(page, [{"name": f"session{i}.csv", "mimeType": "text/csv",
                              "buffer": csvs[i]}], own_pid)
        history_text = await _main_text(page)
        return {"imaging": imaging_text, "history": history_text, "png": own_png, "pid": own_pid}
    except Exception as err:
        # what the session showed goes into the failure, so a CI log says why it waited
        await page.screenshot(path=str(shots / f"FAILED_load_session{i}.png"), full_page=True)
        shown = await page.locator("[data-testid='stMain']").text_content(timeout=30_000)
        raise AssertionError(f"session {i} showed: {(shown or '')[:1500]}") from err
    finally:
        await page.close()


async def _in_browser(run_one, sessions: int, *args) -> list:
    """Run ``run_one(browser, i, *args)`` for each session at once in one headless Chromium."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            return await asyncio.gather(*[run_one(browser, i, *args) for i in range(sessions)])
        finally:
            await browser.close()


def _run_async(run_one, *args, sessions: int = SESSIONS) -> list:
    # a thread of its own: the sync Playwright of other tests may own this thread's event loop
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _in_browser(run_one, sessions, *args)).result()


async def _open_pages(browser, i: int, url: str) -> None:
    """Open Imaging and Patient history once, so the server holds their models before the
    memory baseline is read, whichever tests ran on it before."""
    page = await browser.new_page()
    try:
        for path in ("imaging", "history"):
            await _open(page, url, path)
            await _main_text(page)
    finally:
        await page.close()


async def _first_visit(browser, i: int, url: str) -> str:
    page = await browser.new_page(viewport={"width": 1300, "height": 1000})
    try:
        await _open(page, url, "imaging")
        return await page.locator("[data-testid='stSidebarNav']").text_content(timeout=SLOW_MS)
    finally:
        await page.close()


def test_first_visits_straight_to_a_page_get_the_app_navigation(tmp_path):
    """Streamlit starts a ``pages/`` app in old-style navigation (every file a page); the pages'
    guard must bring every session to app.py's navigation, even ones that began at once (7 of 8
    stayed old-style, with no Home, a page per file and no wide layout, before the guard also
    recognised them)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}; install Debian's chromium (see .ci/run)")
    with running_server(tmp_path / "streamlit.log") as (url, _proc):
        navs = _run_async(_first_visit, url)
    for nav in navs:
        assert "Home" in nav and "Patient history" in nav and "components" not in nav, nav


def test_eight_sessions_see_only_their_own_results(server, shots):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}; install Debian's chromium (see .ci/run)")
    url, proc = server
    pngs = [samples.xray_png(10 + i) for i in range(SESSIONS)]
    csvs = [samples.history_csv(20 + i, 1, f"SESSION{i}-") for i in range(SESSIONS)]
    _run_async(_open_pages, url, sessions=1)
    before = rss_mb(proc.pid)
    results = _run_async(_session, url, pngs, csvs, shots)
    after, peak = rss_mb(proc.pid), rss_mb(proc.pid, "VmHWM")
    for i, res in enumerate(results):
        assert res["png"] in res["imaging"] and res["pid"] in res["history"]
        for j in range(SESSIONS):
            if j != i:
                assert f"session{j}_xray.png" not in res["imaging"], (i, j)
                assert f"SESSION{j}-" not in res["history"], (i, j)
    report = {"sessions": SESSIONS, "server_rss_before_mb": round(before, 1),
              "server_rss_after_mb": round(after, 1), "server_peak_rss_mb": round(peak, 1)}
    (shots / "load_report.json").write_text(json.dumps(report, indent=2))
    # models are shared: eight sessions must not cost eight copies of them
    assert after - before < 1500, report

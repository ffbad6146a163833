"""A real `streamlit run app.py` on a loopback port, and headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from medcore.bench.app import BROWSER_ARGS, CHROMIUM
from medcore.bench.app import free_port as _free_port
from medcore.bench.uploads import RUNNING

ROOT = Path(__file__).resolve().parents[2]


def start_server(port: int, env_extra: dict | None = None, log=subprocess.PIPE
                 ) -> subprocess.Popen:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", **(env_extra or {}))
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("streamlit did not start within 90 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def running_server(log_path: Path, env_extra: dict | None = None
                   ) -> Iterator[tuple[str, subprocess.Popen]]:
    """A server of its own on a free port, yielding (url, process); its output goes to a log
    file so it can never block on a full pipe."""
    port = _free_port()
    with open(log_path, "wb") as log:
        proc = start_server(port, env_extra, log=log)
        try:
            yield f"http://127.0.0.1:{port}", proc
        finally:
            stop_server(proc)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """One server shared by the browser tests."""
    with running_server(tmp_path_factory.mktemp("server") / "streamlit.log") as running:
        yield running


@pytest.fixture(scope="session")
def server_url(server):
    return server[0]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"no Chromium at {CHROMIUM}; install Debian's chromium (see .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory) -> Path:
    d = os.environ.get("MEDCORE_SCREENSHOTS")
    path = Path(d) if d else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def screenshotted_page(browser, shots: Path, name: str, height: int = 1100) -> Iterator:
    """A new page, kept as a full-page screenshot when the test ends (``FAILED_`` + name if the
    test raised), then closed: the screenshots are what a reviewer looks at."""
    page = browser.new_page(viewport={"width": 1400, "height": height})
    try:
        yield page
    except Exception:
        page.screenshot(path=str(shots / f"FAILED_{name}.png"), full_page=True)
        raise
    else:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    finally:
        page.close()


def wait_idle(page, timeout_ms: int = 90_000) -> None:
    """Wait until Streamlit has finished running the script (no running icon in its badge)."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)
    page.wait_for_timeout(500)
    page.wait_for_function(f"() => !({RUNNING})", timeout=timeout_ms)
    page.wait_for_timeout(300)


def assert_no_exception(page) -> None:
    boxes = page.locator("[data-testid='stException']")
    assert boxes.count() == 0, boxes.first.inner_text()[:2000]

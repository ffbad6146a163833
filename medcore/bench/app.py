"""App timings in a real headless Chromium: cold start, page render, upload-to-result, memory.

Needs Debian's ``chromium`` and the ``playwright`` package (never ``playwright install``).
Returns a dict of ``*_ms`` figures and ``peak_rss_mb``; figures it cannot measure are omitted
and the reason is stored under ``skipped``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from medcore import settings

CHROMIUM = os.environ.get("MEDCORE_CHROMIUM", "/usr/bin/chromium")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peak_rss_mb(pid: int) -> float | None:
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def all_models_rss_mb() -> float | None:
    """Peak resident memory of a fresh process that loads every trained model (as the server
    does once all workbenches were opened), without the server's own share."""
    code = ("from medcore import registry\n"
            "[registry.load(m) for m in registry.MODELS if registry.is_trained(m)]\n"
            "print([ln for ln in open('/proc/self/status') if ln.startswith('VmHWM:')][0])")
    res = subprocess.run([sys.executable, "-c", code], cwd=settings.REPO_ROOT, text=True,
                         capture_output=True, timeout=600,
                         env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    if res.returncode != 0 or "VmHWM" not in res.stdout:
        return None
    return round(int(res.stdout.split()[-2]) / 1024, 1)


def _wait_rendered(page, text: str, timeout_ms: int = 120_000) -> None:
    page.get_by_text(text, exact=False).first.wait_for(timeout=timeout_ms)


def bench_app(quick: bool = False) -> dict:
    """Start ``streamlit run app.py``, time the home page and each workbench, read peak memory."""
    if not Path(CHROMIUM).exists():
        return {"skipped": f"no Chromium at {CHROMIUM}"}
    from playwright.sync_api import sync_playwright

    from medcore.bench.uploads import PROBES, WARM_IMAGING, time_upload

    port = free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=settings.REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    out: dict = {}
    targets: list[dict] = []
    try:
        url = f"http://127.0.0.1:{port}"
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                if time.perf_counter() - t0 > 90:
                    return {"skipped": "streamlit did not start within 90 s"}
                time.sleep(0.1)
        out["server_ready_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
            page = browser.new_page()
            t1 = time.perf_counter()
            page.goto(url)
            _wait_rendered(page, "Privacy")
            out["home_first_render_ms"] = round((time.perf_counter() - t1) * 1000, 1)
            out["cold_start_to_home_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            targets.append({"model": "app", "name": "home page renders (after server ready)",
                            "target": "<= 2000 ms", "value": out["home_first_render_ms"],
                            "pass": out["home_first_render_ms"] <= 2000})
            for name, probe in PROBES.items():
                out.update(time_upload(page, url, name, probe))
            warm = time_upload(page, url, "imaging_warm", WARM_IMAGING)
            out.update(warm)
            if warm:
                value = warm["imaging_warm_upload_to_result_ms"]
                targets.append({"model": "app", "name": "imaging: first result on the page "
                                "after an upload (warm server)", "target": "<= 2000 ms",
                                "value": value, "pass": value <= 2000})
            browser.close()
        out["peak_rss_mb"] = _peak_rss_mb(proc.pid)
        if out["peak_rss_mb"] is not None:
            targets.append({"model": "app", "name": "server peak memory after one upload in "
                            "every workbench", "target": "<= 2048 MB",
                            "value": out["peak_rss_mb"], "pass": out["peak_rss_mb"] <= 2048})
        out["all_models_loaded_rss_mb"] = all_models_rss_mb()
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    out["targets"] = targets
    return out

"""In a real browser, the Drug discovery page's "Validate on my data" step: a labelled CSV of
Tox21 molecules is measured and recalibrated, the site profile is downloaded, loaded back, and
the page's results are shown again labelled "recalibrated on N local cases"; a tampered profile
is refused."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from tests.conftest import require_data
from tests.e2e import samples
from tests.e2e.conftest import assert_no_exception, screenshotted_page, wait_idle

pytestmark = pytest.mark.browser
N = 240


def _step(page):
    return page.locator("[data-testid='stExpander']").filter(has_text="Validate tox-cnn")


def _shot(page, shots, text: str, name: str) -> None:
    page.get_by_text(text, exact=False).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    page.screenshot(path=str(shots / f"{name}.png"))


def test_validate_download_load_profile(browser, server_url, shots, tmp_path):
    from medcore import registry

    if not registry.is_trained("tox-cnn"):
        pytest.skip("tox-cnn is not trained in this checkout")
    labelled = pd.read_csv(require_data("molecules/tox21.csv")).iloc[:N].to_csv(index=False)
    with screenshotted_page(browser, shots, "validation_step", height=1400) as page:
        page.goto(f"{server_url}/drugs", timeout=60_000)
        wait_idle(page)
        # the page's own result: one molecule scored by the shipped model
        samples.upload(page, [("one.smi", b"c1ccccc1O phenol\n", "text/plain")])
        page.get_by_text("Probabilities per assay").first.wait_for(timeout=180_000)
        wait_idle(page, 180_000)
        step = _step(page)
        step.get_by_text("Validate tox-cnn on my data").first.click()
        step.locator("input[type=file]").nth(0).set_input_files(
            [{"name": "labelled.csv", "mimeType": "text/csv", "buffer": labelled.encode()}])
        wait_idle(page)
        step.get_by_role("button", name="Measure and recalibrate").click()
        step.get_by_text("Download site profile").first.wait_for(timeout=180_000)
        wait_idle(page, 180_000)
        _shot(page, shots, "Validate tox-cnn on my data", "validation_figures")
        _shot(page, shots, "Wrong and confident", "validation_recalibration")
        text = step.inner_text()  # tables are canvases: their cells are not page text
        for expected in ("ROC-AUC 95 % bootstrap interval", "Calls at the shipped threshold",
                         "Wrong and confident", "Recalibration", "exchangeable"):
            assert expected in text, expected
        assert step.locator("[data-testid='stPlotlyChart']").count() == 1  # reliability
        with page.expect_download() as got:
            step.get_by_role("button", name="Download site profile (JSON)").click()
        path = tmp_path / "site.json"
        got.value.save_as(path)
        prof = json.loads(path.read_text())
        assert prof["model_id"] == "tox-cnn" and prof["n_cases"] <= N
        label = f"recalibrated on {prof['n_cases']} local cases, {dt.date.today().isoformat()}"

        bad = dict(prof, n_cases=prof["n_cases"] + 1)
        step.locator("input[type=file]").nth(1).set_input_files(
            [{"name": "tampered.json", "mimeType": "application/json",
              "buffer": json.dumps(bad).encode()}])
        # the refusal appears once the rerun the upload starts has run (never assumed done)
        step.get_by_text("does not match its sha256").first.wait_for(timeout=60_000)
        wait_idle(page)
        step.locator("input[type=file]").nth(1).set_input_files(str(path))
        step.get_by_text(f"Results with the site profile ({label})").first.wait_for(
            timeout=60_000)
        wait_idle(page)
        text = step.inner_text()
        assert f"Site profile loaded: {label}" in text
        _shot(page, shots, "Results with the site profile", "validation_profile_results")
        assert_no_exception(page)

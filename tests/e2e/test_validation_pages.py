"""In a real browser, every other workbench page carries the same "Validate on my data" step;
on Genomics a lab measures dna-cnn on its labelled windows before scoring anything."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import require_data
from tests.e2e.conftest import assert_no_exception, screenshotted_page, wait_idle

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("path", "model_ids"), [
    ("imaging", ["xray-cnn"]), ("history", ["history-rnn", "history-cnn"])])
def test_each_page_offers_the_step(browser, server_url, shots, path, model_ids):
    with screenshotted_page(browser, shots, f"validate_step_{path}") as page:
        page.goto(f"{server_url}/{path}", timeout=60_000)
        wait_idle(page, 180_000)
        for mid in model_ids:
            page.get_by_text(f"Validate {mid} on my data").first.wait_for(timeout=60_000)
        assert_no_exception(page)


def test_genomics_windows_are_measured_before_any_record(browser, server_url, shots):
    from medcore import registry

    if not registry.is_trained("dna-cnn"):
        pytest.skip("dna-cnn is not trained in this checkout")
    windows = pd.read_csv(require_data("genomics/gue_splice_dev.csv")).iloc[:150]
    with screenshotted_page(browser, shots, "validate_step_genomics", height=1400) as page:
        page.goto(f"{server_url}/genomics", timeout=60_000)
        wait_idle(page)
        step = page.locator("[data-testid='stExpander']").filter(has_text="Validate dna-cnn")
        step.get_by_text("Validate dna-cnn on my data").first.click()
        step.locator("input[type=file]").nth(0).set_input_files(
            [{"name": "windows.csv", "mimeType": "text/csv",
              "buffer": windows.to_csv(index=False).encode()}])
        wait_idle(page)
        step.get_by_role("button", name="Measure and recalibrate").click()
        step.get_by_text("Download site profile").first.wait_for(timeout=180_000)
        wait_idle(page, 180_000)
        text = step.inner_text()
        for expected in ("ROC-AUC 95 % bootstrap interval", "Wrong and confident",
                         "Recalibration", "exchangeable"):
            assert expected in text, expected
        assert_no_exception(page)

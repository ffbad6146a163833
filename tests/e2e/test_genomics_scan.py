"""In a real browser, the Genomics page scans a human gene region (a donor window followed by an
acceptor window, 800 nt) with score tracks and listed sites, classifies a 400-nt window, and
scores a variant that breaks the donor's GT: the donor-loss delta is shown."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import assert_no_exception, screenshotted_page, wait_idle
from tests.e2e.samples import upload

pytestmark = pytest.mark.browser


def _region() -> tuple[str, str]:
    from medcore.genomics import data
    from medcore.settings import data_dir

    try:
        gue = data.gue_split(data_dir())
    except Exception as err:  # noqa: BLE001 - the data folder is optional for this test
        pytest.skip(f"GUE windows not available: {err}")
    pick = {y: s for s, y in zip(gue.x_test[:40], gue.y_test[:40], strict=True)
            if s[200:202] == "GT" or y != 0}
    return pick[0] + pick[1], pick[1]


def test_scan_and_variant(browser, server_url, shots):
    region, window = _region()
    fasta = f">gene_region\n{region}\n>acceptor_window\n{window}\n".encode()
    with screenshotted_page(browser, shots, "genomics_scan_variant", height=3000) as page:
        page.goto(f"{server_url}/genomics", timeout=60_000)
        wait_idle(page)
        upload(page, [("region.fasta", fasta, "text/plain")])
        page.get_by_text("scanned 800 nt", exact=False).first.wait_for(timeout=180_000)
        wait_idle(page, 180_000)
        body = page.locator("body").inner_text()
        assert "no single class" in body and "Top sites" in body
        assert page.locator(".js-plotly-plot").count() >= 2  # score track and importance
        page.get_by_text("Variant effect", exact=True).click()
        wait_idle(page)
        box = page.get_by_label("Variant", exact=True)
        box.fill("201 G>C")
        box.press("Enter")
        page.get_by_role("button", name="Score variant").click()
        page.get_by_text("donor loss", exact=False).first.wait_for(timeout=60_000)
        wait_idle(page)
        metrics = page.locator("[data-testid='stMetric']")
        assert metrics.count() == 4
        loss = metrics.filter(has_text="donor loss").first.inner_text()
        assert float(re.findall(r"\d\.\d\d", loss)[0]) >= 0.5, loss
        assert "junction after base 200 (+0 nt" in page.locator("body").inner_text()
        assert_no_exception(page)

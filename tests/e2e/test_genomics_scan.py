"""In a real browser, the Genomics page scans a human gene region with genome coordinates (a
donor window followed by an acceptor window, 800 nt, written on the minus strand) with score
tracks, listed sites with their sets and genome positions, and the junctions of exons the user
gives; then a VCF line placed by chromosome and position breaks the donor's GT: the donor-loss
delta is shown at its genome position, read against SpliceAI's cut-offs. Last, the 400-nt
window in the same file: its set at its shape's default level, with the coverage and
wrong-and-sure the card measured for that shape."""

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


def _measured(shape: str) -> tuple[str, str]:
    """The shape's default level and the words the card's figures give there."""
    from medcore.cards import load_card
    from medcore.genomics import calibrate
    from medcore.registry import model_folder

    m = load_card(model_folder("dna-cnn"))["metrics"]["conformal_by_shape"][
        calibrate.SHAPE_KEYS[shape]]
    return (f"{m['level']:.0%}", f"the set held the true class for {m['coverage']:.1%}, "
            f"showed one wrong class alone for {m['wrong_and_sure']:.1%}")


def test_scan_and_variant(browser, server_url, shots):
    region, window = _region()
    scan_level, scan_words = _measured("scan")
    window_level, window_words = _measured("window")
    # chr7:100,001-100,800 on the minus strand: record base i is genome base 100,801 - i, so
    # the donor's G (record base 201) is genome base 100,600, a C on the forward strand
    fasta = (f">gene_region chr7:100001-100800(-)\n{region}\n>acceptor_window\n{window}\n"
             .encode())
    with screenshotted_page(browser, shots, "genomics_scan_variant", height=3000) as page:
        page.goto(f"{server_url}/genomics", timeout=60_000)
        wait_idle(page)
        upload(page, [("region.fasta", fasta, "text/plain")])
        page.get_by_text("scanned 800 nt", exact=False).first.wait_for(timeout=180_000)
        wait_idle(page, 180_000)
        body = page.locator("body").inner_text()
        assert "no single class" in body and "Top sites" in body
        assert "calibrated on sites a scan lists" in body
        assert f"Measured at {scan_level} on 1,226 held-out sites" in body and scan_words in body
        assert page.locator(".js-plotly-plot").count() >= 2  # score track and importance
        exons = page.get_by_role("textbox", name="Known exons of this record")
        exons.fill("100601-100800\n100001-100200")
        exons.press("Control+Enter")
        page.get_by_text("Known junctions", exact=False).first.wait_for(timeout=60_000)
        wait_idle(page)
        body = page.locator("body").inner_text()
        assert re.search(r"Known junctions from your exons: [012] of 2 rank", body), body
        # the site picker names each site's genome position and its call (tables are canvas)
        assert re.search(r"site, junction after base \d+ = chr7:100,\d{3}\|100,\d{3}\(-\): "
                         rf"P 0\.\d\d, {scan_level} set \{{", body), body
        page.screenshot(path=str(shots / "genomics_scan_known_exons.png"), full_page=True)
        page.get_by_text("Variant effect", exact=True).click()
        wait_idle(page)
        box = page.get_by_label("Variant", exact=True)
        box.fill("chr7 100600 rs0 C G")
        box.press("Enter")
        page.get_by_role("button", name="Score variant").click()
        page.get_by_text("donor loss", exact=False).first.wait_for(timeout=60_000)
        wait_idle(page)
        metrics = page.locator("[data-testid='stMetric']")
        metrics.nth(3).wait_for(timeout=60_000)  # "donor loss" can show before the four metrics
        wait_idle(page)
        assert metrics.count() == 4
        loss = metrics.filter(has_text="donor loss").first.inner_text()
        assert float(re.findall(r"\d\.\d\d", loss)[0]) >= 0.5, loss
        body = page.locator("body").inner_text()
        assert "gene_region: 201 G>C (VCF: chr7 100600 rs0 C G)" in body
        assert "at the junction after base 200 (chr7:100,600|100,601(-)), +0 nt" in body
        assert re.search(r"donor loss \d\.\d\d, (likely|strong) \(>= 0\.[58]\) by SpliceAI", body)
        assert f"[G>C]{region[201:211]}" in body  # the bases around the change
        page.get_by_text("Classify and scan", exact=True).click()
        wait_idle(page)
        box = page.locator("[data-testid='stSelectbox']").filter(has_text="Sequence").first
        box.locator("input").first.click()
        page.get_by_role("option", name="acceptor_window", exact=True).click()
        page.get_by_text("acceptor_window: ", exact=False).first.wait_for(timeout=60_000)
        wait_idle(page)
        body = page.locator("body").inner_text()
        assert f"{window_level} prediction set {{" in body, body
        assert (f"Calibrated on 400-nt human windows. Measured at {window_level} on 457 "
                f"held-out 400-nt human windows: {window_words}") in body, body
        page.screenshot(path=str(shots / "genomics_window_set.png"), full_page=True)
        assert_no_exception(page)

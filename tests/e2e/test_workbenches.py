"""In a real browser, each workbench takes a good upload and a broken one: a result and a clear
error for the broken file, side by side, and no exception box."""

from __future__ import annotations

import pytest

from medcore.bench.uploads import PROBES
from tests.e2e import samples
from tests.e2e.conftest import assert_no_exception, screenshotted_page, wait_idle

pytestmark = pytest.mark.browser


BROKEN = {
    "imaging": ("broken.png", b"this is not an image", "image/png"),
    "history": ("empty.csv", b"", "text/csv"),
    "drugs": ("broken.sdf", b"not a molfile\n$$$$\n", "chemical/x-mdl-sdfile"),
    "genomics": ("protein.fasta", b">p\nMKVLAAGIVALLLAAGCSSHEEWWQQRRPPLLMM\n", "text/plain"),
}
DRAWN = {"imaging": ".js-plotly-plot .heatmaplayer image",  # X-ray and Grad-CAM heatmaps
         "drugs": "[data-testid='stImage'] img"}


@pytest.mark.parametrize("workbench", list(BROKEN))
def test_upload_gives_result_and_clear_error(browser, server_url, shots, workbench):
    probe = PROBES[workbench]
    good = (probe.filename, samples.or_skip(probe.payload), probe.mime)
    bad_name = BROKEN[workbench][0]
    payload = [good, BROKEN[workbench]]
    result_text = probe.done_text
    with screenshotted_page(browser, shots, f"upload_{workbench}") as page:
        page.goto(f"{server_url}/{workbench}", timeout=60_000)
        wait_idle(page)
        samples.upload(page, payload)
        page.get_by_text(result_text, exact=False).filter(visible=True).first.wait_for(
            timeout=180_000)
        wait_idle(page, 180_000)
        alert = page.locator("[data-testid^='stAlertContent']").filter(has_text=bad_name)
        alert.first.wait_for(timeout=60_000)
        assert len(alert.first.inner_text()) > len(bad_name) + 20  # says what is wrong
        if workbench in DRAWN:  # the X-ray overlays, the molecule grid: drawn, not just placed
            page.locator(DRAWN[workbench]).first.wait_for(timeout=60_000)
        if workbench == "drugs":
            page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                                   arg=page.locator(DRAWN["drugs"]).first.element_handle(),
                                   timeout=60_000)
        assert_no_exception(page)


def test_generator_tab_draws_filters_and_shows_molecules(browser, server_url, shots):
    """The drug-discovery Generator tab end to end: mol-gan draws, tox-cnn scores, grid shows."""
    from medcore import registry

    if not registry.is_trained("mol-gan"):
        pytest.skip("mol-gan is not trained in this checkout")
    with screenshotted_page(browser, shots, "generator", height=1600) as page:
        page.goto(f"{server_url}/drugs", timeout=60_000)
        wait_idle(page)
        page.get_by_role("tab", name="Generator").click()
        page.get_by_text("How does it compare with published generators?").click()
        table = page.locator("[data-testid='stTable']").filter(has_text="CharRNN")
        table.first.wait_for(timeout=60_000)  # the MOSES table, this model beside the baselines
        for words in ("LatentGAN", "similarity to unseen scaffolds", "this model"):
            assert words in table.first.inner_text()
        page.get_by_role("button", name="Generate").click()
        summary = page.get_by_text("unique valid molecules", exact=False).first
        summary.wait_for(timeout=180_000)
        wait_idle(page, 180_000)
        unique = int(summary.inner_text().split(" unique")[0].split()[-1])
        assert unique > 250  # of the 300 drawn by default
        page.locator("[data-testid='stImage'] img").first.wait_for(timeout=60_000)  # the grid
        assert_no_exception(page)

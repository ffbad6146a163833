"""In a real browser: a formulary CSV with a "Drug name" column, a salt and a metal complex.
The page shows the drug names (not "row 2"), what was removed from the salt, why cisplatin is
not scored, each molecule's nearest training molecule with the far-from-training flag, each
assay's base rate and threshold with its held-out precision, Tox21's measured labels
(acetaminophen: inactive in all 12) and no green call where the members disagree."""

from __future__ import annotations

import re

import pytest

from tests.e2e import samples
from tests.e2e.conftest import assert_no_exception, screenshotted_page, wait_idle

pytestmark = pytest.mark.browser

FORMULARY = (b"compound_id,Drug name,SMILES\n"
             b"F1,Lidocaine hydrochloride,CCN(CC)CC(=O)Nc1c(C)cccc1C.Cl\n"
             b"F2,Cisplatin,N.N.Cl[Pt]Cl\n"
             b"F3,Diclofenac sodium,[Na+].[O-]C(=O)Cc1ccccc1Nc1c(Cl)cccc1Cl\n"
             b"F4,Caffeine,Cn1c(=O)c2c(ncn2C)n(C)c1=O\n"
             b"F5,Aspirin,CC(=O)Oc1ccccc1C(=O)O\n"
             b"F6,Acetaminophen,CC(=O)Nc1ccc(O)cc1\n"
             b"F7,Warfarin,CC(=O)CC(c1ccccc1)C1=C(O)c2ccccc2OC1=O\n"
             b"F8,Doxorubicin,O=C1c2c(O)cccc2C(=O)c2c(O)c3c(c(O)c21)CC(O)(C(=O)CO)CC3OC1CC(N)"
             b"C(O)C(C)O1\n")


def _shot(page, shots, text: str, name: str) -> None:
    """A viewport screenshot with ``text`` at the top: Streamlit scrolls inside its own
    container, so a full-page screenshot holds only the part in view."""
    page.get_by_text(text, exact=False).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    page.screenshot(path=str(shots / f"{name}.png"))


def test_formulary_names_salts_metal_and_domain(browser, server_url, shots):
    from medcore import registry

    if not registry.is_trained("tox-cnn"):
        pytest.skip("tox-cnn is not trained in this checkout")
    with screenshotted_page(browser, shots, "drugs_formulary", height=1400) as page:
        page.goto(f"{server_url}/drugs", timeout=60_000)
        wait_idle(page)
        samples.upload(page, [("formulary.csv", FORMULARY, "text/csv")])
        page.get_by_text("Probabilities per assay").first.wait_for(timeout=180_000)
        wait_idle(page, 180_000)
        text = page.locator("[data-testid='stApp']").inner_text()
        assert "row 2" not in text
        for expected in ("Lidocaine hydrochloride", "Removed HCl; scored the parent C14H22N2O",
                         "Removed counter-ion Na+", "Cisplatin", "not scored", "metal Pt",
                         "not toxicity in general", "Applicability domain",
                         "nearest training molecule, Tanimoto"):
            assert expected in text, expected
        _shot(page, shots, "not scored", "drugs_formulary_notes")
        _shot(page, shots, "Probabilities per assay", "drugs_formulary_table")
        _calls_are_shown_with_what_they_rest_on(page, text)
        _shot(page, shots, "When is a molecule called active?", "drugs_formulary_thresholds")
        _shot(page, shots, "Calls per molecule", "drugs_formulary_calls")
        _shot(page, shots, "Why this prediction?", "drugs_formulary_detail")
        page.get_by_text("Applicability domain", exact=False).first.scroll_into_view_if_needed()
        for img in page.locator("[data-testid='stImage'] img").all():
            page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                                   arg=img.element_handle(), timeout=60_000)
        assert_no_exception(page)


def _calls_are_shown_with_what_they_rest_on(page, text: str) -> None:
    """Base rates, thresholds with their held-out precision, measured labels, and the members'
    disagreement turning doxorubicin's call into an orange "uncertain", never a green one."""
    from medcore import registry
    from medcore.molecules.tox import calls

    rules = calls.Rules.of(registry.load("tox-cnn"))
    for expected in ("When is a molecule called active?", "base rate", "held-out precision",
                     "Calls per molecule", "measured in Tox21 (in training): inactive in all "
                     "12 assays measured", "members disagree"):
        assert expected in text, expected
    thresholds = page.locator("[data-testid='stTable']").first.inner_text()
    for a in rules.assays.values():  # each threshold beside its precision, as the card says
        assert f"{a.base_rate:.1%}" in thresholds
        if a.makes_calls:
            assert f"{a.threshold:.3f}" in thresholds and f"{a.precision:.2f}" in thresholds
        else:
            assert f"no call: {a.why_not}" in thresholds
    acetaminophen = page.locator("li", has_text="Acetaminophen").first
    assert "inactive in all 12 assays" in acetaminophen.inner_text()
    assert acetaminophen.locator("span", has_text=re.compile(r"^active$")).count() == 0
    doxorubicin = page.locator("li", has_text="Doxorubicin").first
    assert "members disagree" in doxorubicin.inner_text()
    for chip in doxorubicin.locator("span", has_text="uncertain").all():
        colour = chip.evaluate("e => getComputedStyle(e).backgroundColor")
        r, g, b = (int(float(v)) for v in colour[colour.index("(") + 1:-1].split(",")[:3])
        assert r > g > b, colour  # orange, not green
    green = page.locator("[data-testid='stAlertContentSuccess']").all_inner_texts()
    assert not any("active" in t.replace("inactive", "") for t in green), green

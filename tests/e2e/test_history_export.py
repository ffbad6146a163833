"""In a real browser: a hospital-style export (wide, date-times, degF, lb, mmol/L, SpO2) is
mapped, one mapping is corrected by the user, and the risks show with their coverage."""

from __future__ import annotations

import re

import pytest

from medcore.history import io
from tests.e2e import samples
from tests.e2e.conftest import assert_no_exception, screenshotted_page, wait_idle

pytestmark = pytest.mark.browser


def _coverage(page) -> int:
    text = page.get_by_text(re.compile(r"^risk from \d+ of 40 variables")).first.inner_text()
    return int(text.split()[2])


def _tick(page, editor, col: int, row: int, tries: int = 3) -> None:
    """Tick a checkbox cell as a user would with the keyboard: click the first cell, walk to
    the cell, press space. The grid is a canvas; its accessible copy (``glide-cell-COL-ROW``)
    says whether the tick took, and a missed walk (the grid still settling) is tried again."""
    cell = page.locator(f"#glide-cell-{col}-{row}")
    for _ in range(tries):
        box = editor.bounding_box()
        page.mouse.click(box["x"] + 20, box["y"] + 52)
        page.wait_for_timeout(500)
        for key in ["ArrowRight"] * col + ["ArrowDown"] * row:
            page.keyboard.press(key)
            page.wait_for_timeout(50)
        page.keyboard.press(" ")
        page.wait_for_timeout(1000)
        if cell.count() and cell.text_content() == "true":
            return
        page.keyboard.press("Escape")
        page.wait_for_timeout(500)
    raise AssertionError(f"could not tick cell ({col}, {row}) of the mapping editor")


def test_hospital_export_mapping_corrected_and_risks_with_coverage(browser, server_url, shots):
    data = samples.history_hospital_csv(0, 2)
    order = [e.source for e in io.read_table("export.csv", data).mapping()]
    with screenshotted_page(browser, shots, "history_export", height=2400) as page:
        page.goto(f"{server_url}/history", timeout=60_000)
        wait_idle(page)
        samples.upload(page, [("export.csv", data, "text/csv")])
        page.get_by_text("Risks (2 patient(s), both models)").wait_for(timeout=180_000)
        wait_idle(page, 180_000)
        before = _coverage(page)
        editor = page.locator("[data-testid='stExpander']").filter(
            has_text="mapping of names and units").locator("[data-testid='stDataFrame']").first
        _tick(page, editor, col=5, row=order.index("SpO2"))
        page.get_by_text("Your change:").wait_for(timeout=60_000)
        wait_idle(page, 180_000)
        assert "SaO2, used" in page.get_by_text("Your change:").first.inner_text()
        assert _coverage(page) == before + 1  # SaO2 now reaches the model
        page.get_by_text("Risk of in-hospital death (history-rnn)").wait_for()
        page.get_by_text("Risk of in-hospital death (history-cnn)").wait_for()
        assert_no_exception(page)


def _ehr_export_and_risks() -> tuple[bytes, dict[str, dict[str, float]], dict]:
    """Two set-C stays the models read fully, written as a hospital EHR exports them (labels
    of its dictionaries, `Charted Time` beside a clock-only `Time`, degF, lbs., mmol/L, GCS
    components, Foley/Void, alarms, lab chart copies, urine pH), with the risks the export
    gives, each checked to be within 0.005 of the original's."""
    import pandas as pd

    from medcore import registry
    from medcore.history import exports, service

    hist = io.load_upload("orig.csv", samples.history_csv(0, 12))
    bundles = [registry.load(m) for m in ("history-rnn", "history-cnn")]
    rows = {b.id: {r.patient_id: r for r in service.analyse(b, hist, explain_top=0)}
            for b in bundles}
    full = [p for p in hist.patients if not any(rows[m][p].warnings for m in rows)][:2]
    assert len(full) == 2
    records = hist.records[hist.records["patient_id"].isin(set(full))]
    export = pd.read_csv(pd.io.common.BytesIO(exports.to_ehr_csv(records)), dtype=str,
                         keep_default_na=False)
    charted = pd.to_datetime(export["Charted Time"])  # also split, as some exports do
    export.insert(2, "Date", charted.dt.strftime("%Y-%m-%d"))
    export.insert(3, "Time", charted.dt.strftime("%H:%M:%S"))
    risks = {m: {p: rows[m][p].risk for p in full} for m in rows}
    given = {p: rows["history-rnn"][p].variables_given for p in full}
    data = export.to_csv(index=False).encode()
    read = io.load_upload("ehr-export.csv", data, columns={"time": "Charted Time"})
    for b in bundles:  # the export, read as it comes, scores like the original
        for r in service.analyse(b, read, explain_top=0):
            assert abs(r.risk - risks[b.id][r.patient_id]) <= 0.005
            assert r.variables_given == given[r.patient_id]
            risks[b.id][r.patient_id] = r.risk
    return data, risks, given


def _pick(page, label: str, option: str, tries: int = 3) -> None:
    """Choose ``option`` in the selectbox labelled ``label``, as a user would: open it and
    click the option (opened again if the page was still settling and it did not open)."""
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label).first
    choice = page.get_by_role("option", name=option, exact=True)
    for _ in range(tries):
        box.locator("input").first.click()
        try:
            choice.wait_for(timeout=5_000)
        except Exception:  # noqa: BLE001 - the list did not open: close and try again
            page.keyboard.press("Escape")
            wait_idle(page, 180_000)
            continue
        choice.click()
        wait_idle(page, 180_000)
        assert box.locator("input").first.input_value() == option
        return
    raise AssertionError(f"could not pick {option!r} for {label!r}")


def _shown_risk(page, model: str) -> str:
    metric = page.locator("[data-testid='stMetric']").filter(
        has_text=f"Risk of in-hospital death ({model})").first
    return metric.locator("[data-testid='stMetricValue']").inner_text().strip()


def test_ehr_export_with_charted_time_reads_fully_and_scores_like_the_original(
        browser, server_url, shots):
    data, risks, given = _ehr_export_and_risks()
    text = data.decode()
    assert "Charted Time" in text and "Non Invasive Blood Pressure systolic" in text
    assert "Arterial Blood Pressure mean" in text or "Non Invasive Blood Pressure mean" in text
    first = next(iter(given))
    with screenshotted_page(browser, shots, "history_ehr_export", height=2600) as page:
        page.goto(f"{server_url}/history", timeout=60_000)
        wait_idle(page)
        samples.upload(page, [("ehr-export.csv", data, "text/csv")])
        page.get_by_text("Risks (2 patient(s), both models)").wait_for(timeout=180_000)
        wait_idle(page, 180_000)
        page.get_by_text("ehr-export.csv: columns").click()
        wait_idle(page)
        box = page.locator("[data-testid='stSelectbox']").filter(has_text="time of each value")
        assert box.first.locator("input").first.input_value() == "Time"  # a clock, no date
        _pick(page, "time of each value", "Charted Time")  # the user picks the chart time
        page.get_by_text("Risks (2 patient(s), both models)").wait_for(timeout=180_000)
        wait_idle(page, 180_000)
        assert page.get_by_text("rest on too little of the record").count() == 0
        page.get_by_text("Enough of the record to read this risk").wait_for()
        assert _coverage(page) == given[first]
        for model in risks:
            assert _shown_risk(page, model) == f"{risks[model][first]:.1%}", model
        expander = page.locator("[data-testid='stExpander']").filter(
            has_text="mapping of names and units")
        expander.first.click()
        page.get_by_text("mapping of names and units").first.scroll_into_view_if_needed()
        wait_idle(page)
        assert_no_exception(page)

"""Per-case HTML reports: what each workbench's report states, that it fetches nothing, that
DICOM patient tags stay out unless asked, and that ``predict --report`` writes only reports."""

from __future__ import annotations

import dataclasses
import html
import io
import os
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from medcore import registry, report
from medcore.report import genomics, history, imaging, molecules
from tests.bad_inputs.imaging import chest_like, dicom
from tests.e2e import samples


def external(text: str) -> list[str]:
    """Every src/href/url() the browser would load that is not a data: URI (parsed, so an
    escaped name that merely reads like a tag does not count)."""
    found: list[str] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            for k, v in attrs:
                if k in ("src", "href", "srcset", "action", "poster", "data") and v:
                    found.append(v)
                if k == "style" and v:
                    found.extend(re.findall(r"url\(\s*['\"]?([^'\")]*)", v))

    Parser().feed(text)
    found += re.findall(r"url\(\s*['\"]?([^'\")]*)", text)  # inside <style>
    return [v for v in found if not v.startswith("data:")]


@pytest.fixture(scope="module")
def bundles():
    return {}


def _bundle(bundles: dict, model_id: str):
    if not registry.is_trained(model_id):
        pytest.skip(f"{model_id} is not trained in this checkout")
    if model_id not in bundles:
        bundles[model_id] = registry.load(model_id)
    return bundles[model_id]


def _assert_report(text: str, bundle, case: report.Case) -> None:
    card = bundle.card
    assert card["id"] in text and card["sha256"] in text
    assert (f"v{card['version']}" if card.get("version") else "unnumbered") in text
    if case.probability is not None:
        assert f"{case.probability:.4f}" in text
    for w in case.warnings:
        assert html.escape(w, quote=True) in text
    assert external(text) == []
    assert "<script" not in text.lower()
    assert "default-src 'none'" in text  # the browser itself refuses any fetch


def test_film_report_hides_dicom_patient_tags_unless_asked(bundles):
    from medcore.imaging import service

    cnn = _bundle(bundles, "xray-cnn")
    data = dicom(chest_like(256), patient="SECRET^PATIENTNAME")
    result = next(iter(service.analyse_uploads(cnn, [("film.dcm", data)]).values()))
    case = imaging.case(cnn, result)
    text = report.build(case)
    _assert_report(text, cnn, case)
    assert "SECRET" not in text and "MC-0001" not in text
    assert "DICOM patient tags" in text and "hidden" in text
    shown = report.build(imaging.case(cnn, result, show_tags=True))
    assert "SECRET^PATIENTNAME" in shown and "MC-0001" in shown


def test_film_report_states_probability_set_threshold_and_figures(bundles):
    from medcore.imaging import service

    cnn = _bundle(bundles, "xray-cnn")
    result = next(iter(service.analyse_uploads(
        cnn, [("chest.png", samples.xray_png(3))]).values()))
    result = service.set_level(cnn, [result], 0.95)[0]
    case = imaging.case(cnn, result)
    text = report.build(case)
    _assert_report(text, cnn, case)
    assert result.to_row()["status"] in ("decided", "uncertain", "fits_neither")
    assert "Prediction set at 95%" in text and "Decision rule" in text
    assert text.count("data:image/png;base64,") >= 2  # Grad-CAM and the model's input
    assert "Limitations" in text and html.escape(cnn.card["limitations"][0]) in text


def test_patient_report_carries_coverage_warnings_and_reasons(bundles):
    from medcore.history import io as hist_io
    from medcore.history import service

    rnn = _bundle(bundles, "history-rnn")
    thin = b"patient_id,time,variable,value\nP1,00:00,HR,80\nP1,01:00,HR,90\nP1,02:00,Foo,1\n"
    hist = hist_io.load_upload("thin.csv", thin)
    [row] = service.explain(rnn, service.analyse(rnn, hist, explain_top=0))
    case = history.case(rnn, row, "thin.csv")
    text = report.build(case)
    assert row.warnings and case.warnings[:len(row.warnings)] == row.warnings
    assert any("Foo" in w for w in case.warnings)  # the mapping note on the unknown name
    _assert_report(text, rnn, case)
    assert "P1" in text and "Top reasons" in text and "data:image/png;base64," in text
    rows = dataclasses.replace(row, prediction_set=["survived", "died"], level=0.9)  # shown
    text = report.build(history.case(rnn, rows, "x"))
    assert "Prediction set at 90%" in text
    assert '<p class="answer uncertain">Uncertain at 90%' in text  # not a bold decision
    sure = report.build(history.case(rnn, dataclasses.replace(rows, prediction_set=["survived"]),
                                     "x"))
    assert f'<p class="answer">{row.risk:.1%} risk of in-hospital death' in sure


def test_molecule_report_lists_every_assay_and_the_domain_warning(bundles):
    from medcore.molecules import io as mol_io
    from medcore.molecules import service

    tox = _bundle(bundles, "tox-cnn")
    text_in = b"CC(=O)Oc1ccccc1C(=O)O aspirin\nC[Si](C)(C)O[Si](C)(C)C siloxane\n"
    rows = service.analyse(tox, mol_io.load_upload("m.smi", text_in), explain_top=1,
                           full_attribution=True)
    cases = molecules.cases(tox, rows, "m.smi")
    assert [c.name for c in cases] == ["aspirin", "siloxane"]
    for row, case in zip(rows, cases, strict=True):
        text = report.build(case)
        _assert_report(text, tox, case)
        assert all(a in text for a in tox.card["thresholds"])
        assert any("Far from training" in w for w in case.warnings) == row.far_from_training
        assert any("Uncertain" in w for w in case.warnings) == bool(row.uncertain_assays)
        assert "Prediction set" in report.build(case) or "prediction set" in report.build(case)
    assert "Atoms behind" in report.build(cases[0])  # the explained one carries its atom map


@pytest.mark.slow
def test_sequence_report_for_a_window_and_a_scan(bundles):
    from medcore.genomics import io as gen_io
    from medcore.genomics import service, synthetic

    cnn = _bundle(bundles, "dna-cnn")
    records = gen_io.load_upload("ex.fasta", synthetic.example_fasta().encode()).records
    results = service.analyse(cnn, records, explain_top=0)
    kinds = set()
    for r in results:
        case = genomics.case(cnn, r, "ex.fasta")
        text = report.build(case)
        _assert_report(text, cnn, case)
        assert html.escape(r.name) in text and "data:image/png;base64," in text
        if r.kind == "window":
            assert "Prediction set at" in text
        kinds.add(r.kind)
    assert kinds == {"window", "scan"}


def test_user_strings_are_escaped(bundles):
    facts = report.ModelFacts("m", "v1", "2026-01-01", "ab" * 32, ["one", "two"])
    case = report.Case("molecule", "<img src=http://evil.example/x>", facts, "<b>x</b>",
                       warnings=["<script>alert(1)</script>"])
    text = report.build(case)
    assert "<img src=http" not in text and "<script>" not in text
    assert external(text) == []


def test_zip_holds_one_report_per_case_and_the_csv_and_writes_nothing(tmp_path, monkeypatch):
    """The batch download is built in memory: no file appears in the working or temp folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    facts = report.ModelFacts("m", "v1", "2026-01-01", "ab" * 32, ["one"])
    cases = [report.Case("sequence", "same", facts, "EI"), report.Case("sequence", "same",
                                                                       facts, "IE")]
    data = report.zip_bytes(cases, "results.csv", b"name\nsame\n")
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert names == ["m_same.html", "m_same_2.html", "results.csv"]
    assert list(tmp_path.iterdir()) == []


def _cli(argv: list[str], capsys) -> tuple[int, str, str]:
    from medcore import cli

    rc = cli.main(argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_cli_report_writes_one_html_per_case_and_none_for_a_bad_input(tmp_path, capsys):
    if not registry.is_trained("dna-cnn"):
        pytest.skip("dna-cnn is not trained in this checkout")
    good, bad = tmp_path / "in" / "good.fasta", tmp_path / "in" / "bad.fasta"
    good.parent.mkdir()
    good.write_bytes(samples.splice_fasta(2))
    bad.write_bytes(b">p\nMKVLAAGIVALLLAAGCSSHEEWWQQRRPPLLMM\n")
    out = tmp_path / "reports"
    rc, stdout, stderr = _cli(["predict", "dna-cnn", str(good), str(bad), "--report", str(out),
                               "--json"], capsys)
    assert rc == 2 and "Traceback" not in stderr
    assert "bad.fasta" in stderr and "error:" in stderr
    written = sorted(p.name for p in out.iterdir())
    assert written == ["dna-cnn_seq0.html", "dna-cnn_seq1.html"]
    assert sorted(p.name for p in good.parent.iterdir()) == ["bad.fasta", "good.fasta"]
    text = (out / "dna-cnn_seq0.html").read_text()
    assert "dna-cnn" in text and external(text) == []


def test_cli_report_for_only_bad_inputs_writes_nothing(tmp_path, capsys):
    if not registry.is_trained("xray-cnn"):
        pytest.skip("xray-cnn is not trained in this checkout")
    bad = tmp_path / "x.png"
    bad.write_bytes(b"patient,age\nA,3\n")
    out = tmp_path / "reports"
    rc, _, stderr = _cli(["predict", "xray-cnn", str(bad), str(tmp_path / "missing.png"),
                          "--report", str(out)], capsys)
    assert rc == 2 and not out.exists()
    assert "x.png: The content is text" in stderr and "missing.png: Could not read" in stderr
    assert sorted(os.listdir(tmp_path)) == ["x.png"]


def test_cli_report_refuses_a_model_without_reports(tmp_path, capsys):
    rc, _, stderr = _cli(["predict", "mol-gan", "x", "--report", str(tmp_path / "r")], capsys)
    assert rc == 2 and "--report applies to" in stderr and not (tmp_path / "r").exists()


def test_report_module_never_imports_streamlit():
    root = Path(report.__file__).parent
    for path in root.glob("*.py"):
        assert "streamlit" not in path.read_text(), path

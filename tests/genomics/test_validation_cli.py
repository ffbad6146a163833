"""``python -m medcore validate dna-cnn`` end to end on human splice windows: its figures equal an
independent computation, the profile round-trips through ``predict --site``, and a tampered or
thin input is refused with a clear message."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix, roc_auc_score

from medcore import cli, conformal, registry


@pytest.fixture()
def windows(tmp_path, data_dir, cnn_bundle, monkeypatch):
    """300 labelled GUE windows as a CSV; the CLI reuses the session's loaded model."""
    monkeypatch.setattr(registry, "load", lambda model_id: cnn_bundle)
    df = pd.read_csv(data_dir / "genomics" / "gue_splice_dev.csv").iloc[:300]
    path = tmp_path / "windows.csv"
    df.to_csv(path, index=False)
    return path, df


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_validate_figures_profile_and_predict_with_it(windows, tmp_path, capsys, cnn_bundle):
    from medcore.genomics import scan

    path, df = windows
    prof, rep = tmp_path / "site.json", tmp_path / "report"
    code, out, err = _run(capsys, "validate", "dna-cnn", str(path), "--site-out", str(prof),
                          "--report", str(rep), "--json", "--boot", "50")
    assert code == 0, err
    got = json.loads(out)
    fig = got["tasks"]["main"]["figures"]
    # independent: the network's class probabilities, scikit-learn's ROC-AUC and confusion
    names = list(cnn_bundle.card["class_names"])
    y = np.array([names.index(c) for c in df["Class"]])
    proba = np.round(scan.classify_with_members(cnn_bundle.model, list(df["sequence"]))[0], 4)
    proba /= proba.sum(1, keepdims=True)
    assert fig["roc_auc"] == pytest.approx(roc_auc_score(y, proba, multi_class="ovr"), abs=1e-4)
    assert fig["confusion"]["matrix"] == confusion_matrix(y, proba.argmax(1)).tolist()
    conf, right = proba.max(1), proba.argmax(1) == y
    bins = np.minimum((conf * 10).astype(int), 9)
    ece = sum((bins == b).mean() * abs(right[bins == b].mean() - conf[bins == b].mean())
              for b in range(10) if (bins == b).any())
    assert fig["ece"] == pytest.approx(ece, abs=1e-4)
    assert got["tasks"]["main"]["card"]["roc_auc"] == cnn_bundle.card["metrics"]["roc_auc"]
    html = (rep / "validation-report.html").read_text()
    assert "Local validation" in html and "default-src 'none'" in html and "http" not in \
        html.replace("http-equiv", "")
    label = f"recalibrated on 300 local cases, {dt.date.today().isoformat()}"
    assert got["profile_label"] == label

    code, out, err = _run(capsys, "validate", "dna-cnn", str(path), "--site", str(prof),
                          "--boot", "0", "--json")  # an existing profile measured on cases
    assert code == 0, err
    with_site = json.loads(out)["tasks"]["main"]["with_site_profile"]
    assert with_site["label"] == label and "profile" not in json.loads(out)
    assert with_site["figures"]["ece"] < fig["ece"]  # on the cases it was fitted on, in part

    few = tmp_path / "few.csv"  # predict explains each window: a few keep the test short
    df.iloc[:4].to_csv(few, index=False)
    code, out, err = _run(capsys, "predict", "dna-cnn", str(few), "--site", str(prof),
                          "--json")
    assert code == 0, err
    rows = [r for r in json.loads(out) if "site" in r]
    assert len(rows) == 4 and all(r["site"]["site_profile"] == label for r in rows)
    assert all(r["site"]["prediction_set"] is not None for r in rows)
    # the temperature keeps every class; the call is it only where the site's set holds it alone
    assert [r["site"]["call"] for r in rows] == [
        conformal.call(r["site"]["prediction_set"], r["class"]) for r in rows]

    tampered = tmp_path / "tampered.json"
    obj = json.loads(prof.read_text())
    obj["n_cases"] = 3000
    tampered.write_text(json.dumps(obj))
    code, _, err = _run(capsys, "predict", "dna-cnn", str(path), "--site", str(tampered))
    assert code == 2 and "does not match its sha256" in err
    code, _, err = _run(capsys, "predict", "xray-cnn", str(path), "--site", str(prof))
    assert code == 2 and "made for dna-cnn, not xray-cnn" in err


def test_too_few_windows_is_refused(windows, tmp_path, capsys):
    path, df = windows
    small = tmp_path / "small.csv"
    df.iloc[:40].to_csv(small, index=False)
    code, _, err = _run(capsys, "validate", "dna-cnn", str(small), "--site-out",
                        str(tmp_path / "p.json"))
    assert code == 2 and "at least 50" in err
    assert not (tmp_path / "p.json").exists()

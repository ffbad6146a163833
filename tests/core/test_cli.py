import json
import subprocess
import sys
from pathlib import Path

from medcore import registry

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "medcore", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, env=env)


def test_models_lists_every_id_honestly():
    res = _cli("models", "--json")
    assert res.returncode == 0, res.stderr
    rows = {r["id"]: r for r in json.loads(res.stdout)}
    assert set(rows) == set(registry.MODELS)
    for mid, row in rows.items():
        expected = "trained" if registry.is_trained(mid) else "not trained yet"
        assert row["status"] == expected
        if expected == "trained":
            assert row["headline"], mid


def test_unknown_model_is_a_clear_error_not_a_traceback():
    res = _cli("evaluate", "no-such-model", "--json")
    assert res.returncode == 2
    assert "Unknown model id" in res.stderr and "Traceback" not in res.stderr


def test_nothing_scorable_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    for cmd in (["predict", "dna-cnn", str(tmp_path / "empty")],
                ["score", "dna-cnn", str(tmp_path / "empty"), str(tmp_path / "*.fasta"),
                 "--out", str(tmp_path / "out")]):
        res = _cli(*cmd)
        assert res.returncode == 2, res.stderr
        assert "No files found" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "out").exists()  # nothing written for nothing scored

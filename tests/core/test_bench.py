"""`python -m medcore bench --quick` writes BENCHMARKS.md and benchmarks.json with ms timings."""

import json
import subprocess
import sys
from pathlib import Path

from medcore import registry

ROOT = Path(__file__).resolve().parents[2]


def test_quick_bench_writes_report_with_targets(tmp_path):
    if not registry.is_trained("dna-cnn"):
        import pytest

        pytest.skip("dna-cnn is not trained in this checkout")
    res = subprocess.run(
        [sys.executable, "-m", "medcore", "bench", "--quick", "--no-browser", "--json",
         "--out", str(tmp_path), "--models", "dna-cnn"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    report = json.loads((tmp_path / "benchmarks.json").read_text())
    model = report["models"]["dna-cnn"]
    assert model["load_ms"] > 0
    assert any(k.endswith("_ms") for k in model["speed"]), model["speed"]
    assert report["machine"]["cores"] >= 1 and "keras" in report["machine"]["versions"]
    rows = [t for t in report["targets"] if t["model"] == "dna-cnn"]
    assert rows and all(isinstance(t["pass"], bool) for t in rows)
    text = (tmp_path / "BENCHMARKS.md").read_text()
    assert "## Targets" in text and "dna-cnn" in text

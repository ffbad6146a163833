"""Dask batch scoring: a folder of inputs is scored in chunks, and a rerun resumes."""

import json

from medcore import registry
from medcore.scoring import score


def test_folder_is_scored_in_chunks_and_rerun_skips_done_chunks(tmp_path):
    if not registry.is_trained("dna-cnn"):
        import pytest

        pytest.skip("dna-cnn is not trained in this checkout")
    inputs = tmp_path / "in"
    inputs.mkdir()
    seq = "CCAGCTGCATCACAGGAGGCCAGCGAGCAGGTCTGTTCCAAGGGCCTTCGAGCCAGTCTG"
    for i in range(3):
        (inputs / f"s{i}.fasta").write_text(f">s{i}\n{seq}\n")
    (inputs / "protein").mkdir()  # a subfolder is searched too (class folders, say)
    (inputs / "protein" / "bad.fasta").write_text(">p\nMKVLAAGIVALLLAAGCSSHEEWWQQRRPP\n")
    out = tmp_path / "out"
    first = score("dna-cnn", inputs, out, chunk_size=2)
    assert first["inputs"] == 4 and first["chunks_run"] == 2 and first["chunks_skipped"] == 0
    rows = [json.loads(line) for f in sorted(out.glob("chunk-*.jsonl")) for line in open(f)]
    assert len(rows) == 4
    assert sum("error" in r for r in rows) == 1
    assert all(r["class"] == "EI" for r in rows if "error" not in r)
    (out / "chunk-00001.jsonl").unlink()  # as if interrupted after the first chunk
    again = score("dna-cnn", inputs, out, chunk_size=2)
    assert again["chunks_run"] == 1 and again["chunks_skipped"] == 1

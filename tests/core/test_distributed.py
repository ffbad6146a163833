"""MultiWorkerMirroredStrategy with two local worker processes on loopback, one short training."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from medcore import distributed

ROOT = Path(__file__).resolve().parents[2]


def _ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def test_chief_rule_follows_tf_config(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert distributed.is_chief()
    cluster = {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster,
                                                "task": {"type": "worker", "index": 1}}))
    assert not distributed.is_chief()
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster,
                                                "task": {"type": "worker", "index": 0}}))
    assert distributed.is_chief()


@pytest.mark.slow
def test_two_workers_train_in_sync_on_loopback(tmp_path):
    from tests.conftest import require_data

    require_data("genomics/splice.data.csv")
    workers = [f"127.0.0.1:{p}" for p in _ports(2)]
    procs = []
    for i in range(2):
        env = dict(os.environ, TF_CONFIG=json.dumps(
            {"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}}),
            TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "medcore", "train", "dna-cnn", "--quick", "--json",
             "--out", str(tmp_path / f"w{i}")],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-3000:]
    # only the chief (worker 0) keeps the model; both report the same synchronised metrics
    assert (tmp_path / "w0" / "model.keras").exists()
    assert not (tmp_path / "w1").exists()
    m0, m1 = (json.loads(o)["metrics"] for o, _ in outs)
    assert m0["accuracy"] == m1["accuracy"]

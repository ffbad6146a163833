"""Featurising and scoring faster changes no output: the shipped tox-cnn's probabilities,
members' spread, nearest training molecule and every feature of 63 fixed molecules (the
examples, every 160th Tox21 molecule and the six longest SMILES) equal those written by the
code before the vectorised graphs, the sparse domain product and the smaller inference
batches (``tox_cnn_outputs.json``). Features and similarities are bit for bit; probabilities
to 1e-6 (a batch's other molecules move float32 sums by an ulp)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import shipped_bundle

BEFORE = json.loads((Path(__file__).parent / "tox_cnn_outputs.json").read_text())


def _digest(*arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def test_features_are_bit_for_bit_the_same():
    from medcore.molecules import featurize

    feats = featurize.of_smiles(BEFORE["smiles"])
    got = [_digest(feats.bits[i], feats.desc[i], g.atoms, g.bonds, g.src, g.dst)
           for i, g in enumerate(feats.graphs)]
    assert got == BEFORE["features"]


@pytest.fixture(scope="module")
def scores():
    from medcore.molecules.service import score_with_domain

    return score_with_domain(shipped_bundle("tox-cnn"), BEFORE["smiles"])


def test_probabilities_and_spread_are_unchanged(scores):
    assert np.abs(scores.probabilities - np.array(BEFORE["probabilities"])).max() <= 1e-6
    assert np.abs(scores.spread - np.array(BEFORE["spread"])).max() <= 1e-6


def test_applicability_domain_is_unchanged(scores):
    assert [n.similarity for n in scores.neighbours] == BEFORE["similarity"]
    assert [n.smiles for n in scores.neighbours] == BEFORE["nearest"]
    assert [n.far for n in scores.neighbours] == BEFORE["far"]

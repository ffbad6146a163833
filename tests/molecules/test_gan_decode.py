"""mol-gan's decoder: every token string it can emit is a molecule RDKit accepts."""

import json

import numpy as np

from medcore import registry
from medcore.molecules import genmetrics, selfies_codec


def test_random_token_rows_with_silicon_always_decode_to_valid_molecules():
    vocab = json.loads((registry.model_folder("mol-gan") / "preprocess.json").read_text())["vocab"]
    rng = np.random.default_rng(0)
    si, branch = vocab.index("[Si]"), vocab.index("[Branch1]")
    rows = rng.integers(1, len(vocab), (3000, selfies_codec.MAX_LEN))
    rows[:, 1] = si  # a silicon early in every row, often followed by branches and triple bonds
    rows[::2, 2] = branch
    smiles = selfies_codec.decode(rows, vocab)
    bad = [s for s in smiles if s and genmetrics.canon_or_none(s) is None]
    assert bad == []
    assert sum("Si" in s for s in smiles) > 2000

"""mol-gan's decoder: every token string it can emit is a molecule RDKit accepts."""

import json

import numpy as np

from medcore import registry
from medcore.molecules.generate import metrics as genmetrics
from medcore.molecules.generate import selfies_codec


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


def _shipped_decoder():
    from medcore.molecules.generate import gan

    folder = registry.model_folder("mol-gan")
    vocab = json.loads((folder / "preprocess.json").read_text())["vocab"]
    return gan._load_decoder(folder), vocab


def test_low_temperature_draws_the_greedy_string_and_one_is_the_plain_draw():
    from medcore.molecules.generate import autoencoder

    decoder, vocab = _shipped_decoder()
    lat = np.tanh(np.random.default_rng(1).standard_normal((64, 64))).astype(np.float32)
    first = selfies_codec.atom_mask(vocab)
    greedy = autoencoder.write(decoder, lat, None, first)
    assert (autoencoder.write(decoder, lat, np.random.default_rng(2), first, 1e-4) == greedy).all()
    plain = autoencoder.write(decoder, lat, np.random.default_rng(2), first)
    assert (autoencoder.write(decoder, lat, np.random.default_rng(2), first, 1.0) == plain).all()


def test_teacher_forced_graph_shares_the_decoders_weights():
    from medcore.molecules.generate import autoencoder

    decoder, vocab = _shipped_decoder()
    lat = np.tanh(np.random.default_rng(3).standard_normal((8, 64))).astype(np.float32)
    ids = autoencoder.write(decoder, lat, None, selfies_codec.atom_mask(vocab))
    onehot = np.eye(len(vocab), dtype=np.float32)[ids]
    probs = autoencoder.teacher_forced(decoder).predict(
        [lat, autoencoder.shift_right(onehot)], verbose=0)
    # greedy writing picks each position's most likely token given the tokens before it
    # (position 0 is masked to atom tokens when writing, and a finished row only writes [nop])
    alive = np.concatenate([np.zeros((8, 1), bool), ids[:, :-1] != 0], axis=1)
    assert (probs.argmax(-1)[alive] == ids[alive]).mean() > 0.99

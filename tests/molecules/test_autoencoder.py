"""The autoencoder's token-by-token writer: seeded, starts with an allowed token, ends cleanly."""

import numpy as np

from medcore.molecules.generate import autoencoder
from medcore.molecules.generate.selfies_codec import MAX_LEN


def test_write_is_seeded_starts_allowed_and_stays_ended():
    v = 6
    _, encoder, decoder = autoencoder.build(v, latent=8, units=16)
    latents = np.random.default_rng(1).uniform(-1, 1, (200, 8)).astype(np.float32)
    first_ok = np.array([False, False, True, True, True, True])  # 0 = [nop], 1 = a branch token
    ids = autoencoder.write(decoder, latents, np.random.default_rng(5), first_ok)
    assert ids.shape == (200, MAX_LEN)
    assert np.isin(ids[:, 0], [2, 3, 4, 5]).all()
    for row in ids:
        ended = np.flatnonzero(row == 0)
        if ended.size:
            assert (row[ended[0]:] == 0).all()  # nothing is written after the end marker
    assert (ids == 0).any() and (ids[:, 1:] != 0).any()  # both ending and writing happen
    again = autoencoder.write(decoder, latents, np.random.default_rng(5), first_ok)
    assert np.array_equal(ids, again)
    other = autoencoder.write(decoder, latents, np.random.default_rng(6), first_ok)
    assert not np.array_equal(ids, other)
    greedy = autoencoder.write(decoder, latents, None, first_ok)
    assert np.array_equal(greedy, autoencoder.write(decoder, latents, None, first_ok))
    x = np.eye(v, dtype=np.float32)[ids[:4]]
    assert encoder.predict(x, verbose=0).shape == (4, 8)


def test_randomised_strings_are_the_same_molecule_and_seeded():
    from medcore.molecules.generate import metrics as genmetrics
    from medcore.molecules.generate import selfies_codec

    smiles = ["CCOc1ccccc1C(=O)N", "CC(C)Cc1ccc(C(C)C(=O)O)cc1", "CCN"]
    vocab = selfies_codec.vocabulary(smiles)
    ids = selfies_codec.randomised(smiles, vocab, 4, seed=3)
    assert ids.shape == (3, 4, MAX_LEN) and ids.dtype == np.uint8
    for s, rows in zip(smiles, ids, strict=True):
        back = selfies_codec.decode(rows.astype(np.int64), vocab)
        assert {genmetrics.canon_or_none(b) for b in back} == {genmetrics.canon_or_none(s)}
    assert len({tuple(r) for r in ids[1]}) > 1  # not all the canonical string
    assert np.array_equal(ids, selfies_codec.randomised(smiles, vocab, 4, seed=3))
    # no branch token in the vocabulary: branched randomisations give way to the canonical string
    tiny = ["[nop]", "[C]", "[O]"]
    small = selfies_codec.randomised(["CCCO"], tiny, 8)
    assert small.max() < len(tiny)
    assert set(selfies_codec.decode(small[0].astype(np.int64), tiny)) <= {"CCCO", "OCCC"}


def test_bigru_encoder_builds_and_reads_strings():
    v = 6
    _, encoder, _ = autoencoder.build(v, latent=8, units=16, encoder="bigru")
    x = np.eye(v, dtype=np.float32)[np.random.default_rng(0).integers(0, v, (3, MAX_LEN))]
    assert encoder.predict(x, verbose=0).shape == (3, 8)

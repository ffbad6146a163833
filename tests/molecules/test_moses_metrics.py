"""MOSES's distribution metrics follow MOSES's definitions on molecules whose answers are known,
and the shipped mol-gan card carries the MOSES table the Generator tab shows."""

from __future__ import annotations

from collections import Counter

import pytest

from medcore.molecules.generate import moses_metrics as mm
from tests.conftest import shipped_bundle


def _mols(smiles):
    from rdkit import Chem

    return [Chem.MolFromSmiles(s) for s in smiles]


def test_cosine_is_one_for_proportional_counts_and_zero_for_disjoint():
    assert mm.cosine(Counter(a=2, b=4), Counter(a=1, b=2)) == 1.0
    assert mm.cosine(Counter(a=1), Counter(b=1)) == 0.0
    assert mm.cosine(Counter(), Counter(a=1)) is None


def test_snn_is_one_on_the_reference_itself_and_lower_elsewhere():
    ref = mm.fingerprints(_mols(["c1ccccc1O", "CCN(CC)CC", "CC(=O)Nc1ccc(O)cc1"]))
    assert mm.snn(ref, ref) == 1.0
    other = mm.fingerprints(_mols(["CCCCCCCCCC"]))
    assert 0.0 <= mm.snn(other, ref) < 0.5


def test_scaffolds_need_two_rings_and_fragments_cut_brics_bonds():
    scaf = mm.scaffolds(_mols(["c1ccccc1CCO", "c1ccccc1CCc1ccncc1", "c1ccccc1CCCc1ccncc1"]))
    assert sum(scaf.values()) == 2 and len(scaf) == 2  # toluene-like single ring is dropped
    frag = mm.fragments(_mols(["CC(=O)Nc1ccc(O)cc1"]))  # paracetamol: amide N-aryl is BRICS
    assert len(frag) >= 2 and all("*" in f for f in frag)


def test_published_baselines_cover_every_row():
    keys = [k for k, _ in mm.ROWS]
    for name in ("CharRNN", "VAE", "AAE", "LatentGAN"):
        assert set(mm.PUBLISHED[name]) == set(keys)
    assert mm.PUBLISHED["CharRNN"]["validity"] == pytest.approx(0.9748)


def test_shipped_card_has_the_moses_table_the_page_shows():
    card = shipped_bundle("mol-gan").card
    table = card["metrics"]["moses"]
    for key, _ in mm.ROWS:
        assert 0.0 <= table[key] <= 1.0, key
    assert table["reference"]["n_per_set"] == mm.N_REFERENCE
    rows = {r["figure"]: r for r in mm.comparison(table)}
    snn = rows["Nearest-neighbour similarity to unseen MOSES molecules"]
    assert snn["this model"] == table["snn_test"] and snn["CharRNN"] == 0.6015
    assert card["moses_published"]["models"] == mm.PUBLISHED

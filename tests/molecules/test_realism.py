"""Realism figures and the generator's realism rule: the flags are right on known molecules, the
rejection sampler delivers what was asked, and the shipped generator's output obeys its rule."""

from __future__ import annotations

import numpy as np
import pytest

from medcore.molecules.generate import realism
from tests.conftest import shipped_bundle

RULE = realism.RealismRule(sa_max=4.0)


@pytest.mark.parametrize(("smiles", "flag"), [
    ("C1CCCCCCCCCCC1", "max_ring"),  # cyclododecane: a macrocycle
    ("O=[N+]([O-])c1ccccc1", "charged"),  # nitrobenzene as RDKit writes it
    ("S=C1SC(=Cc2ccccc2)C(=O)N1", "pains"),  # benzylidene rhodanine (PAINS ene_rhod)
    ("CCCCC=O", "brenk"),  # aldehyde
    ("ClP(Cl)Cl", "other_atoms"),
])
def test_each_rule_rejects_its_example(smiles, flag):
    f = realism.features([smiles])
    assert f[flag][0] >= (realism.MACROCYCLE if flag == "max_ring" else 1)
    assert not RULE.passes(smiles)


def test_a_plain_drug_passes_and_broken_input_does_not():
    ibuprofen = "CC(C)Cc1ccc(C(C)C(=O)O)cc1"
    assert RULE.passes(ibuprofen)
    assert realism.summary(realism.features([ibuprofen]))["filters_pass"] == 1.0
    assert not RULE.passes("") and not RULE.passes("C1CC")
    assert not realism.RealismRule(sa_max=1.0).passes(ibuprofen)  # SA about 2.2


def test_summary_counts_rings_and_failures():
    flags = {"max_ring": np.array([0, 6, 8, 14]), "pains": np.array([0, 1, 0, 0], bool),
             "brenk": np.zeros(4, bool), "charged": np.zeros(4, bool),
             "other_atoms": np.zeros(4, bool)}
    s = realism.summary(flags)
    assert (s["ring8_share"], s["macrocycle_share"], s["filters_pass"]) == (0.5, 0.25, 0.25)
    assert s["filters_fail"]["pains"] == 0.25


def _fake_draw(k: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["CCO" if x < 0.2 else "" for x in rng.random(k)]


def test_rejection_sampling_returns_n_deterministically_and_counts_draws():
    got = realism.rejection_sample(_fake_draw, bool, 50, seed=3, max_draws=10_000)
    assert got.smiles == ["CCO"] * 50
    assert got == realism.rejection_sample(_fake_draw, bool, 50, seed=3, max_draws=10_000)
    assert 0.1 < got.acceptance_rate < 0.35  # about the 0.2 the fake generator keeps
    short = realism.rejection_sample(_fake_draw, bool, 50, seed=3, max_draws=100)
    assert short.n_drawn == 100 and len(short.smiles) < 50


def test_distinct_sampling_skips_molecules_already_kept():
    def draw(k: int, seed: int) -> list[str]:  # four molecules, two spellings of ethanol
        return list(np.random.default_rng(seed).choice(["CCO", "OCC", "CCN", "CCC"], k))

    got = realism.rejection_sample(draw, lambda s: s != "CCC", 2, seed=0, max_draws=500,
                                   distinct=True)
    assert sorted(got.smiles) in (["CCN", "CCO"], ["CCN", "OCC"])
    few = realism.rejection_sample(draw, bool, 5, seed=0, max_draws=500, distinct=True)
    assert len(few.smiles) == 3 and few.n_drawn == 500  # only three molecules exist


def test_shipped_generator_obeys_its_rule():
    from rdkit import Chem
    from rdkit.Contrib.SA_Score import sascorer

    from medcore.molecules.generate import gan
    from medcore.molecules.generate import metrics as genmetrics

    bundle = shipped_bundle("mol-gan")
    rule = bundle.extras["realism_rule"]
    train_sa = bundle.extras["train_props"]["sa"]
    assert rule.sa_max == pytest.approx(np.percentile(train_sa, realism.SA_PERCENTILE), abs=1e-4)
    got = gan.generate_realistic(bundle, 120, seed=11)
    assert len(got.smiles) == 120 and got.n_drawn > 120
    canon = [genmetrics.canon_or_none(s) for s in got.smiles]
    assert all(canon) and len(set(canon)) > 110
    s = realism.summary(realism.features(canon))
    assert s["filters_pass"] == 1.0 and s["ring8_share"] == 0.0
    sa = [sascorer.calculateScore(Chem.MolFromSmiles(c)) for c in canon]
    assert max(sa) <= rule.sa_max
    raw = gan.generate(bundle, 120, seed=11)  # the unfiltered generator does fail the rule
    assert sum(map(rule.passes, raw)) < 60


def test_shipped_card_reports_realism_raw_filtered_and_training():
    m = shipped_bundle("mol-gan").card["metrics"]
    train, filt = m["training_set"], m["realism_filtered"]
    for key in ("ring8_share", "macrocycle_share", "filters_pass"):
        assert 0.0 <= m[key] <= 1.0 and 0.0 <= train[key] <= 1.0
    assert filt["n_generated"] == m["n_generated"]
    assert filt["n_drawn"] > filt["n_generated"]
    assert filt["filters_pass"] >= 0.90 > m["filters_pass"]
    assert abs(filt["sa_mean_minus_train"]) <= 0.5 < abs(m["sa_mean_minus_train"])
    assert filt["ring8_share"] <= train["ring8_share"] + 0.01 < m["ring8_share"]
    assert filt["validity"] == 1.0 and filt["novelty"] >= 0.90
    assert 0.0 < filt["uniqueness_10k"] <= m["uniqueness_10k"]  # the rule favours repeats


def test_page_generator_gives_the_number_asked_for_all_passing():
    from medcore.molecules import generator

    bundle = shipped_bundle("mol-gan")
    rows = generator.propose(bundle, None, 40, seed=2, min_qed=0.0)
    assert len(rows) == 40 and len({r["smiles"] for r in rows}) == 40
    assert all(bundle.extras["realism_rule"].passes(r["smiles"]) for r in rows)
    raw = generator.propose(bundle, None, 40, seed=2, min_qed=0.0, realistic=False)
    assert not all(bundle.extras["realism_rule"].passes(r["smiles"]) for r in raw)


def test_comparison_rows_come_from_the_card():
    m = shipped_bundle("mol-gan").card["metrics"]
    rows = {r["figure"]: r for r in realism.comparison(m)}
    assert len(rows) == len(realism.COMPARED)
    sa = rows["Mean SA score (1 easy - 10 hard to make)"]
    assert (sa["raw"], sa["filtered"], sa["training set"]) == (
        m["sa"]["mean"], m["realism_filtered"]["sa"]["mean"], m["training_set"]["sa"]["mean"])
    assert rows["Unique among 10,000"]["training set"] is None

"""Calls a chemist can trust: the rule on made-up numbers, then on the shipped tox-cnn (no
"active" below an assay's threshold or where members disagree, Tox21's measured labels beside
the prediction) and the Generator's filter, which must read the Score tab's calls."""

from __future__ import annotations

import numpy as np
import pytest

from medcore.molecules.tox import calls
from tests.conftest import shipped_bundle

FORMULARY = (b"compound_id,Drug name,SMILES\n"
             b"F1,Aspirin,CC(=O)Oc1ccccc1C(=O)O\n"
             b"F2,Acetaminophen,CC(=O)Nc1ccc(O)cc1\n"
             b"F3,Warfarin,CC(=O)CC(c1ccccc1)C1=C(O)c2ccccc2OC1=O\n"
             b"F4,Lidocaine hydrochloride,CCN(CC)CC(=O)Nc1c(C)cccc1C.Cl\n"
             b"F5,Cisplatin,N.N.Cl[Pt]Cl\n"
             b"F6,Doxorubicin,O=C1c2c(O)cccc2C(=O)c2c(O)c3c(c(O)c21)CC(O)(C(=O)CO)CC3OC1CC(N)"
             b"C(O)C(C)O1\n")


def test_threshold_is_the_best_f1_among_precise_cut_offs():
    # 10 actives at the top, then alternating: precision falls as the cut-off goes lower
    p = np.linspace(1, 0, 40)
    y = np.array([1] * 10 + [1, 0] * 5 + [0] * 20, float)
    got = calls.choose_threshold(y, p)
    ranked = np.argsort(-p)
    tp = np.cumsum(y[ranked])
    prec = tp / np.arange(1, 41)
    assert got["precision"] >= calls.MIN_PRECISION
    k = int(np.argmin(np.abs(p[ranked] - got["threshold"])))
    assert np.isclose(prec[k], got["precision"], atol=1e-4) and got["sensitivity"] == \
        pytest.approx(tp[k] / 15, abs=1e-4)
    # a cut-off lower than the chosen one must either break the precision rule or lower F1
    f1 = 2 * prec * (tp / 15) / (prec + tp / 15)
    assert all(prec[i] < calls.MIN_PRECISION or f1[i] <= f1[k] + 1e-9 for i in range(40))
    # too few actives above any precise cut-off: no threshold, so the assay makes no call
    y_rare = np.zeros(40)
    y_rare[[0, 5, 30]] = 1
    assert calls.choose_threshold(y_rare, p)["threshold"] is None


def test_sd_cut_is_where_calls_get_clearly_less_precise():
    rng = np.random.default_rng(0)
    sd = rng.uniform(0, 0.3, 400)
    y = (rng.uniform(size=400) < np.where(sd >= 0.2, 0.4, 0.8)).astype(float)
    got = calls.choose_sd_cut([sd], [y])
    # the highest qualifying cut: it marks only calls from the worse group, at least 20
    assert got["sd_cut"] >= 0.2 and (sd >= got["sd_cut"]).sum() >= calls.SD_MIN_CALLS
    row = next(r for r in got["curve"] if r["cut"] == got["sd_cut"])
    assert row["precision_at_or_above"] <= row["precision_below"] - calls.SD_DROP
    flat = (rng.uniform(size=400) < 0.7).astype(float)
    assert calls.choose_sd_cut([sd], [flat])["sd_cut"] is None


def _rules(makes_calls: bool = True) -> calls.Rules:
    a = calls.Assay("X", 0.4, 0.05, 0.8, [0.6, 0.9], 0.5, makes_calls, "" if makes_calls
                    else "cannot separate")
    return calls.Rules({"X": a}, 0.2)


def test_one_rule_gives_active_only_when_everything_agrees():
    r = _rules()
    assert calls.decide(r, "X", 0.5, 0.1, False, ["active"]) == (calls.ACTIVE, "")
    assert calls.decide(r, "X", 0.39, 0.1, False, ["inactive"])[0] == calls.BELOW
    for args in ((0.9, 0.25, False, ["active"]), (0.9, 0.1, True, ["active"]),
                 (0.9, 0.1, False, ["inactive", "active"]), (0.39, 0.1, False, ["active"])):
        word, why = calls.decide(r, "X", *args)
        assert word == calls.UNCERTAIN and why
    assert calls.decide(_rules(False), "X", 0.99, 0.0, False, ["active"])[0] == calls.NO_CALL


def test_wilson_interval_holds_the_proportion():
    lo, hi = calls.wilson(8, 10)
    assert 0.44 < lo < 0.8 < hi < 0.98
    assert calls.wilson(0, 0) == (0.0, 1.0)


@pytest.fixture(scope="module")
def tox():
    return shipped_bundle("tox-cnn")


@pytest.fixture(scope="module")
def formulary(tox):
    from medcore.molecules import io, service

    rows = service.analyse(tox, io.load_upload("formulary.csv", FORMULARY))
    return {r.name: r for r in rows}


def _assert_calls_follow_the_rule(tox, rows: list[dict]) -> int:
    """Every scored row: active only at or over the threshold, with the members agreeing, near
    training and the set {active}; returns how many actives there were."""
    rules = calls.Rules.of(tox)
    n = 0
    for r in rows:
        if r.calls is None:
            continue
        for a, word in r.calls.items():
            t = rules.assays[a]
            if word == calls.ACTIVE:
                n += 1
                assert t.makes_calls and r.probabilities[a] >= t.threshold, (r.name, a)
                assert r.member_sd[a] <= rules.sd_cut and not r.far_from_training
                assert r.prediction_sets[a] == ["active"]
            assert (a in r.active_assays) == (word == calls.ACTIVE)
            assert (a in r.uncertain_assays) == (word == calls.UNCERTAIN)
    return n


def test_thresholds_come_with_their_held_out_precision(tox):
    rules = calls.Rules.of(tox)
    assert tox.card["threshold_rule"] == calls.RULE and rules.sd_cut is not None
    held = tox.card["metrics"]["calls"]["per_assay"]
    for a, r in rules.assays.items():
        assert tox.card["thresholds"][a] == r.threshold == tox.extras["calls"]["assays"][a][
            "threshold"]
        assert 0 < r.base_rate < 0.2 and r.precision == held[a].get("precision")
        if r.makes_calls:  # the gate: precision's lower bound above twice the base rate
            assert r.precision_ci95[0] > calls.LIFT_K * r.base_rate and r.threshold >= 0.2


def test_formulary_shows_measured_labels_and_no_active_below_threshold(tox, formulary):
    acet = formulary["Acetaminophen"]
    assert acet.measured == {a: "inactive" for a in acet.probabilities}
    assert "inactive in all 12 assays" in acet.measured_summary
    assert "in training" in acet.measured_summary
    assert acet.active_assays == [] and acet.calls["NR-AR"] != calls.ACTIVE
    assert formulary["Aspirin"].measured["SR-MMP"] == "inactive"
    assert formulary["Cisplatin"].not_scored
    rules = calls.Rules.of(tox)
    doxorubicin = formulary["Doxorubicin"]
    spread = [a for a, sd in doxorubicin.member_sd.items()
              if sd > rules.sd_cut and rules.assays[a].makes_calls
              and doxorubicin.probabilities[a] >= rules.assays[a].threshold]
    assert spread, "doxorubicin has an assay where the members disagree over the threshold"
    assert all(doxorubicin.calls[a] == calls.UNCERTAIN for a in spread)
    assert all("members disagree" in doxorubicin.call_reasons[a] for a in spread)
    assert _assert_calls_follow_the_rule(tox, list(formulary.values())) >= 1


def test_training_molecules_written_otherwise_still_show_their_labels(tox):
    """Tox21 molecules given as randomised SMILES or as a hydrochloride salt are found (by
    their standardised parent) and carry their measured labels; a sample of 300 molecules
    also holds no active call below a threshold."""
    from rdkit import Chem

    from medcore.molecules import io, service
    from medcore.molecules.tox import measured

    table = tox.extras["measured"]
    smiles = list(table.smiles)
    rng = np.random.default_rng(1)
    pick = rng.choice(len(smiles), 300, replace=False)
    lines = []
    for k, i in enumerate(pick):
        mol = Chem.MolFromSmiles(smiles[i])
        s = Chem.MolToSmiles(mol, doRandom=True) if k % 2 else smiles[i]
        lines.append(f"{s}{'.Cl' if k % 5 == 0 else ''} m{i}")
    rows = service.analyse(tox, io.parse_smiles_text("\n".join(lines)))
    assays = tox.extras["preprocess"]["assays"]
    found = [r for r in rows if r.measured is not None]
    assert len(found) >= 285  # a few parents change when a salt is added or removed
    for r in found:
        i = int(r.name[1:])
        assert r.measured == measured.labels(table, i, assays)
    assert _assert_calls_follow_the_rule(tox, rows) > 0


def test_a_level_change_recomputes_the_calls(tox, formulary):
    from medcore.molecules.service import set_level

    rows = list(formulary.values())
    wide = set_level(tox, rows, 0.99)
    _assert_calls_follow_the_rule(tox, wide)
    n = lambda rs: sum(len(r.active_assays) for r in rs)  # noqa: E731
    assert n(wide) <= n(rows)


def test_csv_names_thresholds_with_their_precision(tox, formulary):
    from medcore.molecules.service import export_frame, rows_to_frame

    rows = list(formulary.values())
    out = export_frame(tox, rows_to_frame(rows), rows)
    assert "held-out precision" in out["threshold"].iloc[0]
    assert out["measured_in_tox21"].str.contains("inactive in all 12").any()


def test_generator_filters_on_the_score_tabs_calls(tox):
    """The Generator's pass/fail is the Score tab's calls for the same SMILES, pasted."""
    from medcore.molecules import generator, io
    from medcore.molecules.service import analyse

    gan = shipped_bundle("mol-gan")
    rows = generator.propose(gan, tox, 30, seed=4, min_qed=0.0, realistic=False)
    pasted = analyse(tox, io.parse_smiles_text("\n".join(r["smiles"] for r in rows)))
    assert len(pasted) == len(rows)
    for row, scored in zip(rows, pasted, strict=True):
        if scored.calls is None:
            assert not row["passes"]
            continue
        bad = [a for a, w in scored.calls.items() if w in generator.DROP]
        assert row["passes"] == (not bad), (row["smiles"], bad)
        assert row["active_assays"] == ", ".join(scored.active_assays)
    only_active = generator.propose(gan, tox, 30, seed=4, min_qed=0.0, realistic=False,
                                    drop=(calls.ACTIVE,))
    assert sum(r["passes"] for r in only_active) >= sum(r["passes"] for r in rows)


def test_local_validation_measures_at_the_pages_thresholds(tox):
    """Local validation compares a lab's labels with the calls the page makes: at each assay's
    call threshold, and an assay that makes no call (no threshold) is left out and named."""
    from medcore.validation import cases

    rules = calls.Rules.of(tox)
    assays = list(tox.extras["preprocess"]["assays"])
    rows = "\n".join(f"{s},{i % 2},{(i + 1) % 2}" for i, s in enumerate(
        ["CC(=O)Oc1ccccc1C(=O)O", "CC(=O)Nc1ccc(O)cc1", "CCO", "c1ccccc1O"]))
    silent = [a for a in assays if not rules.assays[a].makes_calls]
    called = [a for a in assays if rules.assays[a].makes_calls]
    cols = [called[0]] + silent[:1]
    labelled = cases.read(tox, [("lab.csv", f"smiles,{','.join(cols)}\n{rows}\n".encode())],
                          None)
    by_name = {t.name: t for t in labelled.tasks}
    assert by_name[called[0]].threshold == rules.assays[called[0]].threshold
    for a in silent[:1]:
        assert a not in by_name and any(n.startswith(f"{a}: the model makes no call")
                                        for n in labelled.notes)

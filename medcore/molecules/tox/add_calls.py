"""``python -m medcore.molecules.tox.add_calls``: give the shipped tox-cnn its calls without
retraining, and reseal its card.

Why a command: the calls' thresholds and SD cut are chosen on the random split's validation
molecules, whose predictions are reproducible from the shipped weights (same seeded split); the
test molecules are then scored once for the thresholds' precision and sensitivity, with the
same function ``evaluate`` runs, so ``evaluate tox-cnn --json`` still equals the card. Writes
``calls.json`` and ``measured.npz`` beside the model; weights and every other figure stay.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import logging
from pathlib import Path

import numpy as np

from medcore import registry, settings
from medcore.molecules import featurize
from medcore.molecules.tox import calls, data, dmpnn, measured
from medcore.molecules.tox import card as tox_card
from medcore.molecules.tox import model as tox_model

log = logging.getLogger(__name__)
REVISION = "Calls replace Youden's J thresholds"  # rerunning replaces its own revision


def add_calls(data_dir: Path) -> dict:
    from medcore.train import seal_card

    bundle = registry.load("tox-cnn")
    folder = Path(bundle.folder)
    pre = bundle.extras["preprocess"]
    t = data.load_tox21(Path(data_dir), pre.get("subset"))
    sp = tox_model._splits(t)["random"]
    feats = featurize.of_mols(t.mols)
    out_va = dmpnn.run(bundle.model, feats.take(sp["valid"]))
    shipped = bundle.extras["conformal"]["p"]
    if not np.allclose(out_va["assays"], shipped, atol=1e-5):
        raise RuntimeError("The validation predictions differ from conformal.npz: this is "
                           "not the model the calibration was made with.")
    cfg = calls.fit(out_va["assays"], out_va["members"].std(axis=1), t.labels[sp["valid"]],
                    t.labels[sp["train"]], pre["assays"])
    calls.save(folder, cfg)
    measured.save(folder, measured.build(t, sp["train"]))
    p_test = tox_model.probabilities(bundle.model, feats.take(sp["test"]))
    held = calls.held_out(cfg, p_test, t.labels[sp["test"]], pre["assays"])
    card = dict(bundle.card)
    metrics = {}
    for k, v in card["metrics"].items():
        if k != "calls":
            metrics[k] = v
        if k == "conformal":
            metrics["calls"] = held
    card["metrics"] = metrics
    card.update(tox_card.calls_fields(cfg))
    if tox_card.CALLS_LIMITATION not in card["limitations"]:
        card["limitations"] = [*card["limitations"], tox_card.CALLS_LIMITATION]
    sd = cfg["members_sd"]["sd_cut"]
    kept = [r for r in card.get("revisions", []) if not r["change"].startswith(REVISION)]
    card["revisions"] = [*kept, {
        "date": _dt.date.today().isoformat(),
        "change": REVISION + " (0.015-0.33, which called most molecules active): "
                  + calls.RULE + f" Members' SD cut measured on "
                  f"validation calls: {sd}. Assays making calls on the test molecules: "
                  f"{len(held['assays_making_calls'])} of {len(pre['assays'])}. Measured "
                  "Tox21 labels shipped (measured.npz). Weights, predictions and the other "
                  "metrics unchanged."}]
    return seal_card(folder, card)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m medcore.molecules.tox.add_calls",
                                description=__doc__.split("\n\n")[0])
    p.parse_args(argv)
    card = add_calls(settings.data_dir())
    for a, r in card["metrics"]["calls"]["per_assay"].items():
        print(f"{a:14s} threshold {card['thresholds'][a]}  test precision "
              f"{r.get('precision')} {r.get('precision_ci95')} sensitivity "
              f"{r.get('sensitivity')} calls {r['makes_calls']}")
    print("members' SD cut", card["calls"]["members_sd"]["sd_cut"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

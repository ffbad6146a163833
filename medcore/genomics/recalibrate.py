"""The command that refits dna-cnn's conformal calibration and reseals its card.

``python -m medcore.genomics.recalibrate --note "what changed"``: rewrites ``conformal.npz``
from the shipped weights (``calibrate.save``), recomputes every metric with ``cnn.evaluate``
(so the card equals what ``evaluate`` prints), refreshes the card's text and records the change
in ``revisions``. The weights are not touched.
"""

from __future__ import annotations

import argparse
import datetime as _dt


def main(argv: list[str] | None = None) -> int:
    from medcore import registry, settings
    from medcore.genomics import calibrate, cnn
    from medcore.train import seal_card

    parser = argparse.ArgumentParser(prog="python -m medcore.genomics.recalibrate",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--note", default="", help="what changed, for the card's revisions")
    args = parser.parse_args(argv)
    from medcore.cards import load_card

    folder = registry.model_folder(cnn.MODEL_ID)
    card = load_card(folder)
    registry.verify_files(folder, card)  # the weights are the sealed ones
    model = registry.load_keras_file(folder / "model.keras")
    calibrate.save(model, settings.data_dir(), folder)  # may replace an older layout
    bundle = registry.Bundle(cnn.MODEL_ID, model, card, folder, cnn.load_extras(folder, card))
    card = dict(card)
    before = card["metrics"]
    card["metrics"] = cnn.evaluate(bundle, settings.data_dir())
    card.update(cnn.CARD_TEXT)
    card["design_v4_sets"] = calibrate.design_text(bundle.extras["calibration"])
    if args.note:
        card["revisions"] = [*card.get("revisions", []), {
            "date": _dt.date.today().isoformat(), "change": args.note,
            "previous_version": {"version": card.get("version"), **{
                k: before[k] for k in ("conformal_by_shape", "scan") if k in before},
                "uci_test_conformal": {k: before["uci_test"]["conformal"][k] for k in (
                    "coverage", "share_uncertain", "share_empty")}}}]
    seal_card(folder, card)
    shapes = card["metrics"]["conformal_by_shape"]
    for name, m in shapes.items():
        print(f"{name}: {m['rule']['kind']} at {m['level']}: coverage {m['coverage']}, "
              f"wrong and sure {m['wrong_and_sure']}, uncertain {m['share_uncertain']}, "
              f"empty {m['share_empty']} (n {m['n']})")
    print("precision at k:", card["metrics"]["scan"]["precision_at_k"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

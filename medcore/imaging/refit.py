"""Refit what ships beside xray-cnn's network without retraining it, and reseal its card.

``python -m medcore.imaging.refit`` recomputes, from the shipped network's outputs: the answer
rule (``answer.json``: recalibration and default level, on the calibration half of the official
test films) and both checks (``ood.npz``, ``xray_check.keras``), then rescoring the card's
metrics with the same ``evaluate`` the tests compare against. A few minutes on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import logging

import numpy as np


def refit(checks: bool = True) -> dict:
    """Rewrite the extras in the shipped folder, recompute metrics, reseal the card."""
    from medcore import conformal, registry
    from medcore.imaging import answer, cnn
    from medcore.imaging import data as xdata
    from medcore.settings import data_dir
    from medcore.train import seal_card

    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    folder = registry.model_folder(cnn.MODEL_ID)
    bundle = registry.load(cnn.MODEL_ID)
    splits = xdata.load_kermany(data_dir(), int(bundle.extras["size"]))
    test = splits["test"]
    cal, _ = conformal.halves(test.y)
    p_cal = cnn._predict(bundle.model, test.x[cal])
    np.savez(folder / cnn.CALIBRATION, p=p_cal, y=test.y[cal])
    answer.save(answer.fit(p_cal, test.y[cal], float(np.mean(test.y[cal]))), folder)
    if checks:
        cnn.fit_checks(bundle.model, splits, folder, data_dir())
    card = dict(bundle.card)
    seal_card(folder, card)  # the new extras' hashes, so the bundle loads again
    bundle = registry.load(cnn.MODEL_ID)
    card["metrics"] = cnn.evaluate(bundle, data_dir())
    card.update(cnn.card_text(card))
    return seal_card(folder, card)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answer-only", action="store_true",
                        help="refit the answer rule only, keep both checks")
    args = parser.parse_args()
    card = refit(checks=not args.answer_only)
    print({k: card["metrics"][k] for k in ("answer",) if k in card["metrics"]})


if __name__ == "__main__":
    main()

"""The shipped models: evaluate() reproduces the card exactly; predictions make chemical sense."""

from __future__ import annotations

import pytest

from medcore import registry, settings
from medcore.molecules import examples, io


def _bundle(model_id: str) -> registry.Bundle:
    if not registry.is_trained(model_id):
        pytest.skip(f"{model_id} is not trained (python -m medcore train {model_id})")
    return registry.load(model_id)


def _data() -> None:
    if not (settings.data_dir() / "molecules" / "tox21.csv").exists():
        pytest.skip(f"data folder {settings.data_dir()} not found; set MEDCORE_DATA_DIR")


@pytest.mark.parametrize("model_id", [
    pytest.param("tox-cnn", marks=pytest.mark.slow),
    pytest.param("mol-gan", marks=pytest.mark.slow),  # 20k samples + SA/QED: minutes on 2 cores
])
def test_evaluate_equals_card(model_id):
    bundle = _bundle(model_id)
    _data()
    assert registry.module(model_id).evaluate(bundle, settings.data_dir()) == bundle.card["metrics"]


def test_tox_cnn_ranks_estrogens_above_caffeine_for_er():
    from medcore.molecules.tox.model import score

    bundle = _bundle("tox-cnn")
    names = ["estradiol", "bisphenol_A", "caffeine"]
    p = score(bundle, [io.standardise(examples.EXAMPLES[n]).smiles for n in names])
    er = bundle.extras["preprocess"]["assays"].index("NR-ER")
    assert p[0, er] > p[2, er] and p[1, er] > p[2, er]


def test_gan_samples_are_valid_and_mostly_unique():
    from medcore.molecules.generate import gan
    from medcore.molecules.generate import metrics as genmetrics

    bundle = _bundle("mol-gan")
    raw = gan.generate(bundle, 500, seed=7)
    canon = [genmetrics.canon_or_none(s) for s in raw]
    assert all(canon) and len(set(canon)) > 400

"""xray-gan: quick training end to end, and the shipped generator's measurements."""

from __future__ import annotations

import numpy as np
import pytest

from medcore.cards import REQUIRED_FIELDS


@pytest.mark.slow
def test_quick_train_gan(tmp_path, data_dir):
    from medcore.train import train

    card = train("xray-gan", tmp_path / "gan", quick=True)
    assert set(REQUIRED_FIELDS) <= set(card)
    m = card["metrics"]
    assert m["fd_generated_vs_test"] > 0 and m["fd_real_test_halves_floor"] > 0
    assert card["architecture"]["training_config"]["size"] == 64
    auc = m["augmentation"]["test_roc_auc"]
    assert 0 <= auc["real_only"] <= 1 and 0 <= auc["real_plus_synthetic"] <= 1
    assert (tmp_path / "gan" / "aug_synth.keras").exists()


@pytest.mark.slow
def test_shipped_evaluate_equals_card(gan, data_dir):
    from medcore.imaging import gan as module

    assert module.evaluate(gan, data_dir) == gan.card["metrics"]


def test_generation_is_seeded_and_conditional(gan):
    from medcore.imaging.gan import generate_images

    a = generate_images(gan, 4, seed=3, label=1)
    b = generate_images(gan, 4, seed=3, label=1)
    c = generate_images(gan, 4, seed=3, label=0)
    size = gan.extras["size"]
    assert a.shape == (4, size, size) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.std() > 5  # not a blank image


def test_example_upload_is_a_valid_png(gan):
    from medcore.imaging.gan import example_upload
    from medcore.imaging.io import load_upload

    name, data = example_upload(gan)
    assert name.startswith("synthetic_")
    assert load_upload(name, data).pixels.shape == (224, 224)

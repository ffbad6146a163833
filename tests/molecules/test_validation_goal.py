"""Local validation's goal on held-out data the project has: tox-cnn's scaffold-split network
(it never saw these scaffolds) validated on the scaffold test molecules, as a lab would on its
own new chemistry (the CSV path to such figures is tested with the CLI and in the browser).
Recalibrated on one half per assay, the prediction sets reach their 90 % level on the other
half (mean over assays within 2 points), and the map lowers the mean ECE there."""

from __future__ import annotations

import numpy as np
import pytest

from medcore import registry, settings
from medcore.validation import cases, measure, profile


def test_recalibrated_sets_reach_their_level_on_new_scaffolds():
    from medcore.molecules.tox import data

    if not registry.is_trained("tox-cnn"):
        pytest.skip("tox-cnn is not trained (python -m medcore train tox-cnn)")
    if not (settings.data_dir() / "molecules" / "tox21.csv").exists():
        pytest.skip(f"data folder {settings.data_dir()} not found; set MEDCORE_DATA_DIR")
    from medcore.molecules import featurize
    from medcore.molecules.tox import model as tox_model

    bundle = registry.load("tox-cnn")
    tox = data.load_tox21(settings.data_dir())
    test = data.scaffold_split(tox.mols)["test"]
    p = tox_model.probabilities(bundle.extras["scaffold_model"],
                                featurize.of_mols([tox.mols[i] for i in test]))
    y = tox.labels[test]
    tasks = []
    for j, assay in enumerate(data.ASSAYS):
        m = ~np.isnan(y[:, j])
        tasks.append(cases.TaskCases(assay, ["inactive", "active"],
                                     [str(i) for i in np.flatnonzero(m)], y[m, j].astype(int),
                                     p[m, j], 0.5, None))
    labelled = cases.Labelled("tox-cnn", tasks)
    result = measure.run(bundle, labelled, fit=True, n_boot=0, date="2026-12-05")
    checks = [t["recalibration"]["check"] for t in result["tasks"].values()]
    coverage = np.mean([c["after"]["prediction_sets"]["coverage"] for c in checks])
    assert abs(coverage - 0.9) <= 0.02, coverage
    before = np.mean([c["before"]["ece"] for c in checks])
    after = np.mean([c["after"]["ece"] for c in checks])
    assert after < before, (before, after)
    # the profile applies to new probabilities as it did inside the check
    prof = result["profile"]
    t = labelled.tasks[0]
    got = profile.apply(prof, t.p, t.name)
    assert got["sets"].shape == (len(t.y), 2) and profile.label(prof).startswith(
        "recalibrated on ")

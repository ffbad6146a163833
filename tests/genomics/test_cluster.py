"""k-mer profiles, clustering scores and 2-D projection (no model needed)."""

from __future__ import annotations

import numpy as np

from medcore.genomics import cluster


def test_kmer_profiles_skip_ambiguous_and_normalise():
    prof = cluster.kmer_profiles(["AAAA", "ACGN", "NNNN"], k=2)
    assert prof.shape == (3, 16)
    assert prof[0, 0] == 1.0  # only AA
    np.testing.assert_allclose(prof[1].sum(), 1.0)
    assert prof[1].nonzero()[0].tolist() == [1, 6]  # AC, CG; GN skipped
    assert prof[2].sum() == 0


def test_clusters_recover_separated_groups():
    rng = np.random.default_rng(0)
    centres = np.eye(3, 8) * 10
    y = np.repeat([0, 1, 2], 60)
    feats = centres[y] + rng.normal(0, 0.5, (180, 8))
    labels = cluster.cluster(feats, 3)
    s = cluster.scores(y, labels)
    assert s["kmeans"]["ari"] > 0.95 and s["kmeans"]["nmi"] > 0.9
    assert s["hdbscan"]["ari"] > 0.8
    noise = cluster.scores(y, cluster.cluster(rng.normal(size=(180, 8)), 3))
    assert noise["kmeans"]["ari"] < 0.1
    xy = cluster.project_2d(feats)
    assert xy.shape == (180, 2) and np.isfinite(xy).all()


def test_tiny_inputs_do_not_crash():
    assert cluster.cluster(np.zeros((1, 4)))["kmeans"].tolist() == [0]
    assert cluster.project_2d(np.ones((2, 4))).shape == (2, 2)

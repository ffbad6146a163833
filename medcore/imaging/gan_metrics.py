"""Measured value of the X-ray GAN: Frechet distance in xray-cnn feature space and the
augmentation experiment, recomputed identically by ``train`` and ``evaluate``.

FD compares equal-sized sets (312 images): real test half A vs generated (with half B's class
mix), vs the other real test half B (the floor: what two real samples score) and vs 312 real
training images (the train/test shift, for scale).
"""

from __future__ import annotations

import numpy as np

from medcore import metrics
from medcore.imaging.data import Split

FD_SEED = 12345


def frechet_distance(f1: np.ndarray, f2: np.ndarray) -> float:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^1/2) between two feature sets (Heusel 2017)."""
    from scipy import linalg

    mu1, mu2 = f1.mean(0), f2.mean(0)
    eps = 1e-6 * np.eye(f1.shape[1])  # dead ReLU features make covariances singular
    s1, s2 = np.cov(f1, rowvar=False) + eps, np.cov(f2, rowvar=False) + eps
    covmean = linalg.sqrtm(s1 @ s2)
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))


def _feats(extractor, x: np.ndarray) -> np.ndarray:
    return np.asarray(extractor.predict(x[..., None].astype(np.float32), batch_size=512,
                                        verbose=0), np.float64)


def fd_report(generator, extractor, test: Split, train: Split) -> dict:
    from medcore.imaging.gan_fit import generate

    rng = np.random.default_rng(0)
    order = rng.permutation(len(test.y))
    half = len(order) // 2
    a, b = order[:half], order[half:2 * half]
    fake = generate(generator, half, seed=FD_SEED, labels=test.y[b])
    tr = rng.choice(len(train.y), half, replace=len(train.y) < half)
    fa = _feats(extractor, test.x[a])
    return {
        "fd_generated_vs_test": round(frechet_distance(fa, _feats(extractor, fake)), 4),
        "fd_real_test_halves_floor": round(frechet_distance(fa, _feats(extractor, test.x[b])), 4),
        "fd_real_train_vs_test": round(frechet_distance(fa, _feats(extractor, train.x[tr])), 4),
        "fd_n_per_set": int(half),
    }


def _auc_pair(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score

    real, synth = roc_auc_score(y, p[:, 0]), roc_auc_score(y, p[:, 1])
    return {"real_only": real, "real_plus_synthetic": synth, "difference": synth - real}


def augmentation_report(aug_real, aug_synth, test: Split, generator) -> dict:
    """Test ROC-AUC of the two same-budget classifiers, paired bootstrap CI of the difference,
    and how often the real-only classifier agrees with the label a generated image was asked for.
    """
    from medcore.imaging.gan_fit import generate

    x = test.x[..., None].astype(np.float32)
    p = np.stack([np.asarray(m.predict(x, batch_size=512, verbose=0)).ravel()
                  for m in (aug_real, aug_synth)], axis=1)
    point = {k: round(v, 4) for k, v in _auc_pair(test.y, p).items()}
    labels = np.arange(400) % 2
    fake = generate(generator, 400, seed=FD_SEED + 1, labels=labels)
    pf = np.asarray(aug_real.predict(fake[..., None].astype(np.float32), verbose=0)).ravel()
    return {"test_roc_auc": point,
            "ci95": metrics.bootstrap_ci(test.y, p, _auc_pair, n_boot=1000, seed=0),
            "label_agreement_of_generated": round(float(((pf >= 0.5) == labels).mean()), 4)}

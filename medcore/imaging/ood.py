"""Out-of-distribution check: does an upload look like the chest X-rays the model learned?

Three signals. (1) Colour: X-rays are grayscale, so a colourful original (mean chroma above
``CHROMA_LIMIT``) is flagged before any model runs. (2) Mahalanobis distance of the image's
pooled CNN features to the training images' features (Ledoit-Wolf covariance); the limit is the
99.5th percentile of validation X-rays. (3) Pixel-space PCA residual: how badly the 28 px image
is rebuilt from the top principal components of training X-rays (noise and text pages are not);
limit again the validation 99.5th percentile. About 1% of real X-rays are flagged by design.
How well this separates photos, text scans and noise from X-rays is measured in
:mod:`medcore.imaging.ood_probe` and reported in the card.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

CHROMA_LIMIT = 0.06
QUANTILE = 99.5


def _features(model, x: np.ndarray) -> np.ndarray:
    from medcore.imaging.cnn_model import feature_model

    fm = feature_model(model)
    return np.asarray(fm.predict(x[..., None].astype(np.float32), batch_size=512, verbose=0),
                      np.float64)


def fit_ood(model, x_train: np.ndarray, x_val: np.ndarray, path: Path,
            n_components: int = 24) -> None:
    """Store feature mean/precision, PCA basis and both validation-quantile limits."""
    from sklearn.covariance import LedoitWolf

    lw = LedoitWolf().fit(_features(model, x_train))
    flat = _flat(x_train)
    pixel_mean = flat.mean(axis=0)
    _, _, vt = np.linalg.svd(flat - pixel_mean, full_matrices=False)
    params = {"mean": lw.location_, "precision": lw.precision_, "pixel_mean": pixel_mean,
              "basis": vt[:n_components]}
    limit = float(np.percentile(distance(params, _features(model, x_val)), QUANTILE))
    pixel_limit = float(np.percentile(residual(params, x_val), QUANTILE))
    np.savez(path, **params, limit=np.array(limit), pixel_limit=np.array(pixel_limit))


def load_ood(path: Path) -> dict:
    with np.load(path) as f:
        out = {k: f[k] for k in ("mean", "precision", "pixel_mean", "basis")}
        out.update(limit=float(f["limit"]), pixel_limit=float(f["pixel_limit"]))
    return out


def _flat(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, np.float64).reshape(len(x), -1) / 255.0


def residual(params: dict, x: np.ndarray) -> np.ndarray:
    """RMS pixel error of the PCA reconstruction of uint8 (n, size, size) images."""
    d = _flat(x) - params["pixel_mean"]
    rebuilt = (d @ params["basis"].T) @ params["basis"]
    return np.sqrt(((d - rebuilt) ** 2).mean(axis=1))


def distance(params: dict, feats: np.ndarray) -> np.ndarray:
    d = feats - params["mean"]
    return np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", d, params["precision"], d), 0.0))


def check(params: dict, feats: np.ndarray, x: np.ndarray,
          chroma: np.ndarray | None = None) -> list[dict]:
    """Per image: ``{"flag", "distance", "limit", "pixel_residual", "reason"}``.

    ``feats`` are the model's pooled features and ``x`` the uint8 model inputs (n, size, size).
    """
    dist = distance(params, np.atleast_2d(feats))
    res = residual(params, x)
    chroma = np.zeros(len(dist)) if chroma is None else np.asarray(chroma, float)
    out = []
    for d, r, c in zip(dist, res, chroma, strict=True):
        reasons = []
        if c > CHROMA_LIMIT:
            reasons.append(f"the image is in colour (chroma {c:.2f}); X-rays are grayscale")
        if d > params["limit"]:
            reasons.append(f"its features are far from the training X-rays (distance {d:.1f} "
                           f"> limit {params['limit']:.1f})")
        if r > params["pixel_limit"]:
            reasons.append("its pixel pattern is unlike chest X-rays (PCA residual "
                           f"{r:.3f} > limit {params['pixel_limit']:.3f})")
        out.append({"flag": bool(reasons), "distance": round(float(d), 3),
                    "pixel_residual": round(float(r), 4),
                    "limit": round(float(params["limit"]), 3), "reason": "; ".join(reasons)})
    return out

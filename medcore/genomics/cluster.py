"""Clustering of sequence embeddings and of k-mer profiles, scored against known labels.

Both k-means (k = number of classes) and HDBSCAN (density-based; noise points get -1 and count as
one extra group when scoring) run on a 10-D PCA of the features, so the two representations
are compared on equal terms.
"""

from __future__ import annotations

import itertools
from functools import wraps

import numpy as np
from threadpoolctl import threadpool_limits

SEED = 0


def single_threaded(fn):
    """Run ``fn`` with one BLAS/OpenMP thread: on small data and a busy 2-core machine,
    thread oversubscription made t-SNE 25x slower (110 s vs 4 s for 180 points)."""
    @wraps(fn)
    def wrapper(*args, **kwargs):
        with threadpool_limits(1):
            return fn(*args, **kwargs)
    return wrapper


def kmer_profiles(seqs: list[str], k: int = 3) -> np.ndarray:
    """(n, 4**k) k-mer frequency profiles; k-mers holding an ambiguity code are skipped."""
    index = {"".join(p): i for i, p in enumerate(itertools.product("ACGT", repeat=k))}
    out = np.zeros((len(seqs), 4 ** k), dtype=np.float32)
    for r, s in enumerate(seqs):
        for j in range(len(s) - k + 1):
            i = index.get(s[j:j + k])
            if i is not None:
                out[r, i] += 1
        total = out[r].sum()
        if total:
            out[r] /= total
    return out


def _reduce(features: np.ndarray, dims: int = 10) -> np.ndarray:
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    z = StandardScaler().fit_transform(features)
    dims = min(dims, z.shape[1], max(1, z.shape[0] - 1))
    return PCA(dims, random_state=SEED).fit_transform(z)


@single_threaded
def cluster(features: np.ndarray, n_clusters: int = 3) -> dict[str, np.ndarray]:
    """k-means and HDBSCAN labels for each row of ``features``."""
    from sklearn.cluster import HDBSCAN, KMeans

    n = len(features)
    if n < 2:
        return {"kmeans": np.zeros(n, int), "hdbscan": np.full(n, -1)}
    z = _reduce(features)
    k = min(n_clusters, n)
    km = KMeans(k, n_init=10, random_state=SEED).fit_predict(z)
    hd = HDBSCAN(min_cluster_size=max(2, min(25, n // 20)), copy=True).fit_predict(z) if n >= 5 \
        else np.full(n, -1)
    return {"kmeans": km.astype(int), "hdbscan": hd.astype(int)}


def scores(y: np.ndarray, labels: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """ARI and NMI of each clustering against known labels (4 decimals)."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    out = {}
    for name, lab in labels.items():
        out[name] = {
            "ari": round(float(adjusted_rand_score(y, lab)), 4),
            "nmi": round(float(normalized_mutual_info_score(y, lab)), 4),
            "n_clusters": int(len(set(lab.tolist()) - {-1})),
            "noise_fraction": round(float((lab == -1).mean()), 4),
        }
    return out


@single_threaded
def project_2d(features: np.ndarray, method: str = "tsne") -> np.ndarray:
    """2-D coordinates for plotting: t-SNE (seeded) when there are enough points, else PCA."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    n = len(features)
    if n < 3:
        return np.column_stack([np.arange(n, dtype=float), np.zeros(n)])
    if method == "tsne" and n >= 10:
        z = _reduce(features, 20)
        return TSNE(2, perplexity=min(30.0, (n - 1) / 3), init="pca",
                    random_state=SEED).fit_transform(z)
    return PCA(2, random_state=SEED).fit_transform(features)

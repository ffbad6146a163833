"""The Embedding tab's computation: BiGRU embeddings -> clusters -> 2-D projection, as a table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from medcore.genomics import cluster, data, encode, rnn


def embedding_windows(results: list) -> list[str]:
    """The 60 nt the BiGRU reads for each result: around its junction, or its top site.

    A scanned record with no listed site is read around its highest donor or acceptor score,
    so every record gets a point on the map.
    """
    out = []
    for r in results:
        if r.kind == "window":
            out.append(encode.fit_length(r.seq, data.WINDOW))
            continue
        j = r.sites[0].junction_after if r.sites else int(r.scores[:, :2].max(axis=1).argmax())
        half = data.WINDOW // 2
        out.append(("N" * half + r.seq + "N" * half)[j:j + data.WINDOW])
    return out


def embedding_table(bundle, names: list[str], seqs: list[str], labels: list[str | None],
                    n_clusters: int = 3, method: str = "tsne") -> tuple[pd.DataFrame, dict]:
    """One row per sequence with x, y, k-means and HDBSCAN clusters (and known label).

    Returns the table and, when every sequence has a known label, ARI/NMI of both clusterings.
    """
    emb = rnn.embed(bundle.model, seqs)
    groups = cluster.cluster(emb, n_clusters)
    xy = cluster.project_2d(emb, method)
    df = pd.DataFrame({"name": names, "x": np.round(xy[:, 0], 4), "y": np.round(xy[:, 1], 4),
                       "kmeans_cluster": groups["kmeans"], "hdbscan_cluster": groups["hdbscan"],
                       "known_label": [lab or "" for lab in labels]})
    quality = {}
    if len(seqs) >= 3 and all(labels):
        quality = cluster.scores(np.array(labels), groups)
    return df, quality

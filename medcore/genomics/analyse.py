"""One path from parsed records to results: classify windows, scan long sequences, explain.

Used by ``cnn.predict_paths`` and the Streamlit page alike, so both show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from medcore.genomics import encode, explain, scan
from medcore.genomics.io import SeqRecord


@dataclass
class SeqResult:
    """Prediction for one record; ``track`` is set for sequences longer than the window."""

    name: str
    length: int
    label: str | None
    kind: str  # "window" or "scan"
    class_name: str
    probabilities: dict[str, float]
    window_start: int  # 1-based start of the explained window in the record
    window_seq: str
    contrib: np.ndarray | None = None
    track: tuple[np.ndarray, np.ndarray] | None = None
    sites: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self, top_k: int = 5) -> dict:
        out = {"name": self.name, "length": self.length, "mode": self.kind,
               "class": self.class_name, "probabilities": self.probabilities,
               "known_label": self.label, "notes": self.notes}
        if self.kind == "scan":
            out["window_start"] = self.window_start
            out["top_sites"] = self.sites
        if self.contrib is not None:
            out["explanation"] = {"method": explain.METHOD, "top_positions": explain.top_positions(
                self.contrib, self.window_seq, top_k, self.window_start)}
        return out


def _peaks(centres: np.ndarray, p: np.ndarray, k: int = 5, min_gap: int = 30,
           min_p: float = 0.5) -> list[int]:
    """Indices of up to ``k`` highest windows at least ``min_gap`` apart with p >= ``min_p``."""
    order = np.argsort(-p)
    chosen: list[int] = []
    for i in order[: 50 * k]:
        if p[i] < min_p or len(chosen) >= k:
            break
        if all(abs(int(centres[i]) - int(centres[j])) >= min_gap for j in chosen):
            chosen.append(int(i))
    return chosen


def analyse(bundle, records: list[SeqRecord], explain_limit: int = 25, step: int = 1
            ) -> list[SeqResult]:
    """Classify every record; explain the first ``explain_limit`` with SHAP."""
    width = int(bundle.extras["preprocess"]["window"])
    names = list(bundle.card["class_names"])
    model = bundle.model
    results: list[SeqResult] = []
    short = [r for r in records if len(r.seq) <= width]
    proba = scan.classify(model, [r.seq for r in short], width) if short else np.zeros((0, 3))
    by_name = {}
    for r, p in zip(short, proba, strict=True):
        notes = list(r.notes)
        if len(r.seq) < width:
            notes.append(f"Shorter than the {width}-nt window: padded with N on both sides.")
        by_name[id(r)] = SeqResult(r.name, len(r.seq), r.label, "window", names[int(p.argmax())],
                                   {n: round(float(v), 4) for n, v in zip(names, p, strict=True)},
                                   1, encode.fit_length(r.seq, width), notes=notes)
    for r in records:
        if id(r) in by_name:
            results.append(by_name[id(r)])
            continue
        centres, pr = scan.scan(model, r.seq, width, step=step)
        splice = pr[:, :2].max(axis=1)
        best = int(splice.argmax())
        start = int(centres[best]) - width // 2
        sites = []
        for c, cname in enumerate(names[:2]):
            for i in _peaks(centres, pr[:, c]):
                sites.append({"class": cname, "junction_after": int(centres[i]),
                              "probability": round(float(pr[i, c]), 4)})
        results.append(SeqResult(
            r.name, len(r.seq), r.label, "scan", names[int(pr[best].argmax())],
            {n: round(float(v), 4) for n, v in zip(names, pr[best], strict=True)},
            start + 1, r.seq[start:start + width], track=(centres, pr), sites=sites,
            notes=list(r.notes) + [f"Scanned {len(centres):,} windows of {width} nt (step {step}); "
                                   "class and probabilities are the best splice window."]))
    explain_results(bundle, results[:explain_limit])
    return results


def explain_results(bundle, results: list[SeqResult]) -> None:
    """Fill ``contrib`` (SHAP, towards the predicted class) for results that lack it."""
    names = list(bundle.card["class_names"])
    width = int(bundle.extras["preprocess"]["window"])
    background = bundle.extras["background"]
    results = [r for r in results if r.contrib is None]
    for c in range(len(names)):
        group = [r for r in results if names.index(r.class_name) == c]
        if not group:
            continue
        x = encode.one_hot_batch([r.window_seq for r in group], width)
        contrib = explain.contributions(bundle.model, background, x, c)
        for r, v in zip(group, contrib, strict=True):
            r.contrib = v

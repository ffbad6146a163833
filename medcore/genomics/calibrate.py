"""One conformal calibration per input shape, and the figures that measure each.

Why: a set is only as good as the cases it was calibrated on. A 400-nt window shows the network
all 249 nt its score reads; a 60-nt window (the UCI shape) shows it 60, the rest read as no
base, so its probabilities are spread differently and sets calibrated on 400-nt windows covered
0.81 of short human windows at 90 %. A site listed by a scan is a third kind of case: chosen
because it scored high, so its calibration must be on positions chosen the same way.

All three come from the GUE validation part (human windows the network never trained on), split
in stratified halves (seed 0, ``conformal.halves``): the first half calibrates, the second is
where coverage is measured. Shapes:

- ``window``: records of at least ``network.CONTEXT + 1`` nt (the junction sees its whole
  receptive field); calibrated on the 400-nt windows.
- ``short``: shorter records; calibrated on the 60 nt around each window's junction (bases
  171-230, aligned as UCI's windows are).
- ``scan``: sites a scan lists (``scan.peaks``: local maxima >= ``SITE_THRESHOLD``, ``MIN_GAP``
  apart) in long records made by joining the windows end to end (``joined``).

``python -m medcore.genomics.recalibrate`` rewrites ``conformal.npz`` from the shipped weights,
recomputes the card's metrics and reseals the card; the weights are not touched.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from medcore import conformal
from medcore.genomics import data, network, scan

SHAPES = ("window", "short", "scan")
SHAPE_KEYS = {"window": "window_400", "short": "short_60", "scan": "scan_sites"}
SHORT = data.WINDOW  # nt of the short calibration windows
SEEN = network.CONTEXT + 1  # nt the score at one junction reads
PER_RECORD = 25  # windows joined into one scanned record (10,000 nt)
SITE_THRESHOLD = 0.5  # a scan lists local maxima from this probability of their class
MIN_GAP = 10  # nt between two listed sites of one class
FILE = "conformal.npz"
QUICK_WINDOWS = 100  # windows per half for a quick (test) model: figures, not a guarantee


def shape_of(length: int) -> str:
    """``window`` when the junction of a record this long sees all it reads, else ``short``."""
    return "window" if length >= SEEN else "short"


def unseen_note(length: int) -> str | None:
    """What a window too short for the receptive field cannot show the model (None if none)."""
    if length >= SEEN:
        return None
    j = data.junction_index(length)
    return (f"Shorter than the {SEEN} nt the score reads: it sees bases 1-{length} "
            f"({j} before the junction, {length - j} after) and reads the other "
            f"{SEEN - length} as no base, so a splice signal further away (branch point, "
            f"polypyrimidine tract, exonic enhancers) is not seen. Its set is calibrated on "
            f"{SHORT}-nt human windows.")


def short_cut(seq: str, width: int = SHORT) -> str:
    """The ``width`` bases around a record's junction (400 nt -> bases 171-230)."""
    j = data.junction_index(len(seq))
    return seq[j - width // 2:j + width - width // 2]


def joined(seqs: list[str], y: np.ndarray, seed: int = data.SEED,
           per_record: int = PER_RECORD) -> list[tuple[str, np.ndarray]]:
    """Windows in a seeded random order, ``per_record`` joined end to end per record.

    Returns (sequence, truth) per record: truth is each position's class, the window's class at
    its junction and N elsewhere. Why N elsewhere: it is what the windows' labels say of those
    positions for a neither window and for other donors in a donor window (acceptors in it);
    a real site off-centre would count as a false one, so figures lean low, not high. A
    junction's score reads 124 nt each side and sits 200 nt from the joins, so it is the
    window's own score; positions near a join see two unrelated windows, as a scan of a real
    sequence sees whatever lies there.
    """
    order = np.random.default_rng(seed).permutation(len(seqs))
    out = []
    for start in range(0, len(order), per_record):
        idx = order[start:start + per_record]
        seq = "".join(seqs[i] for i in idx)
        truth = np.full(len(seq), network.N, np.int64)
        offset = 0
        for i in idx:
            truth[offset + data.junction_index(len(seqs[i]))] = y[i]
            offset += len(seqs[i])
        out.append((seq, truth))
    return out


def site_rows(model, records: list[tuple[str, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, truth) at every position a scan would list, over all records."""
    ps, ys = [], []
    for seq, truth in records:
        scores = scan.site_scores(model, seq)
        pos = sorted({i for c in (network.EI, network.IE)
                      for i in scan.peaks(scores[:, c], SITE_THRESHOLD, MIN_GAP)})
        ps.append(scores[pos])
        ys.append(truth[pos])
    return np.concatenate(ps), np.concatenate(ys)


def precision_at_k(model, records: list[tuple[str, np.ndarray]]) -> dict:
    """SpliceAI's top-k accuracy per class: in each record, of the k positions scoring highest
    for the class (k = its true junctions there), the share that are those junctions."""
    hits = {c: 0 for c in (network.EI, network.IE)}
    total = dict(hits)
    for seq, truth in records:
        scores = scan.site_scores(model, seq)
        for c in hits:
            k = int((truth == c).sum())
            top = np.argsort(-scores[:, c], kind="stable")[:k]
            hits[c] += int((truth[top] == c).sum())
            total[c] += k
    out = {name: round(hits[c] / max(total[c], 1), 4)
           for c, name in ((network.EI, "EI"), (network.IE, "IE"))}
    out["both"] = round(sum(hits.values()) / max(sum(total.values()), 1), 4)
    out["sites"] = {"EI": total[network.EI], "IE": total[network.IE]}
    return out


def shape_cases(model, seqs: list[str], y: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(probabilities, truth) of each shape's cases made from the windows ``seqs``."""
    return {"window": (scan.classify(model, seqs), np.asarray(y)),
            "short": (scan.classify(model, [short_cut(s) for s in seqs]), np.asarray(y)),
            "scan": site_rows(model, joined(seqs, y))}


def halves(data_dir: Path, quick: bool = False) -> tuple[data.Split, np.ndarray, np.ndarray]:
    """The GUE validation part and its calibration / measurement halves (seed 0); for a quick
    model the first ``QUICK_WINDOWS`` of each."""
    gue = data.gue_split(data_dir)
    cal, rest = conformal.halves(gue.y_test, data.SEED)
    if quick:
        cal, rest = cal[:QUICK_WINDOWS], rest[:QUICK_WINDOWS]
    return gue, cal, rest


def save(model, data_dir: Path, folder: Path, quick: bool = False) -> None:
    """Write every shape's calibration probabilities and labels (any level can be asked for)."""
    gue, cal, _ = halves(data_dir, quick)
    cases = shape_cases(model, [gue.x_test[i] for i in cal], gue.y_test[cal])
    np.savez(Path(folder) / FILE, **{f"{k}_{shape}": v for shape, (p, y) in cases.items()
                                     for k, v in (("p", p), ("y", y))})


def load(folder: Path) -> dict[str, dict[str, np.ndarray]]:
    """``{shape: {"p", "y"}}`` from ``conformal.npz``."""
    with np.load(Path(folder) / FILE) as f:
        return {shape: {"p": f[f"p_{shape}"], "y": f[f"y_{shape}"]} for shape in SHAPES}


def wrong_and_sure(p: np.ndarray, y: np.ndarray, p_cal: np.ndarray, y_cal: np.ndarray,
                   level: float = conformal.LEVEL) -> float:
    """Share of all cases whose set is one class, and the wrong one."""
    sets = conformal.prediction_sets(p, conformal.thresholds(p_cal, y_cal, level))
    covered = sets[np.arange(len(y)), np.asarray(y, int)]
    return round(float(((sets.sum(axis=1) == 1) & ~covered).mean()), 4)


NOTES = {
    "window": "400-nt GUE validation windows: calibrated on one stratified half (seed 0), "
              "measured on the other",
    "short": f"the {SHORT} nt around each junction (bases 171-230) of the same windows: "
             "calibrated on the cuts of the first half, measured on the cuts of the second",
    "scan": f"sites a scan lists (local maxima >= {SITE_THRESHOLD}, {MIN_GAP} nt apart) in "
            f"records of {PER_RECORD} windows joined end to end (seeded order); a site's truth "
            "is its window's class at the junction, N elsewhere; calibrated on the records "
            "of the first half, measured on those of the second",
}


def measured(model, extras: dict, data_dir: Path) -> dict:
    """Each shape's coverage, wrong-and-sure, uncertain and empty shares on the second half."""
    gue, _, rest = halves(data_dir, bool(extras["preprocess"].get("quick")))
    cases = shape_cases(model, [gue.x_test[i] for i in rest], gue.y_test[rest])
    out = {}
    for shape in SHAPES:
        p, y = cases[shape]
        cal = extras["calibration"][shape]
        if not len(y) or not len(cal["y"]):  # a scan of a weak model may list no site
            out[SHAPE_KEYS[shape]] = {"n": int(len(y)), "n_calibration": int(len(cal["y"])),
                                      "note": NOTES[shape] + "; no case to measure"}
            continue
        swapped = conformal.report(cal["p"], cal["y"], p, y, data.CLASS_NAMES)
        out[SHAPE_KEYS[shape]] = {
            **conformal.report(p, y, cal["p"], cal["y"], data.CLASS_NAMES),
            "wrong_and_sure": wrong_and_sure(p, y, cal["p"], cal["y"]), "n": int(len(y)),
            "note": NOTES[shape],
            "halves_swapped": {
                **{k: swapped[k] for k in ("coverage", "share_uncertain", "share_empty")},
                "wrong_and_sure": wrong_and_sure(cal["p"], cal["y"], p, y),
                "note": "a check of how much the figures above owe to the split: calibrated "
                        "on the second half, measured on the first (not what ships)"}}
    return out


def scan_figures(model, data_dir: Path, quick: bool = False) -> dict:
    """Precision at k over the whole GUE validation part joined into long records."""
    gue = data.gue_split(data_dir)
    n = 2 * QUICK_WINDOWS if quick else len(gue.x_test)
    records = joined(gue.x_test[:n], gue.y_test[:n])
    return {"precision_at_k": precision_at_k(model, records), "records": len(records),
            "record_length": PER_RECORD * data.LONG_WINDOW,
            "note": f"the {n} GUE validation windows in a seeded random order "
                    f"(seed {data.SEED}), joined {PER_RECORD} at a time into "
                    f"{PER_RECORD * data.LONG_WINDOW:,}-nt records; per class, k = the record's "
                    "true junctions of that class, and the figure is the share of the k "
                    "top-scoring positions that are exactly those junctions (SpliceAI's top-k "
                    "accuracy). Sites here are denser (about one per 500 nt) than in genes."}

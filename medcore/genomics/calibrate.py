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

Each shape also gets its own set rule (``choose``, ``DESIGN_V4_SETS``): the LAC score with
class-conditional or marginal quantiles and a default level, picked on the calibration half
alone by repeated half-splits of it. Why: with about 100 cases per class a class quantile at
90 % moves several points between samples (the two halves' 400-nt thresholds for acceptors
were 0.78 and 0.53), and a level fixed at 90 % left one wrong class shown alone for about one
window in ten of the calibration half.

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
KINDS = ("mondrian", "marginal")  # one LAC quantile per class, or one over all cases
LEVEL_GRID = tuple(round(0.80 + 0.01 * i, 2) for i in range(20))  # 0.80 ... 0.99
GOAL_WRONG_SURE = 0.05  # share of cases shown one class that is wrong
GOAL_COVERAGE_GAP = 0.02  # |coverage - level|
GOAL_NOT_ANSWERED = 0.35  # share uncertain (2+ classes) or empty
CV_REPEATS = 100  # half-splits of the calibration half per candidate
MIN_CASES = 20  # fewer calibration cases than this: the default rule, not a choice
DEFAULT_RULE = {"kind": "mondrian", "level": conformal.LEVEL}  # files saved before the rule
DESIGN_V4_SETS = (
    "Fixed before the measured half was scored. Per shape (400-nt windows, shorter windows, "
    "sites a scan lists), the set rule is chosen on the calibration half alone. Score: LAC "
    "(1 - the class's probability); quantiles either per class (Mondrian) or one over all "
    "cases (marginal); default level from 0.80 to 0.99 in steps of 0.01. Each of the 40 "
    f"candidates is scored over {CV_REPEATS} random half-splits of the calibration half (seed "
    "0; stratified by class for windows, by record for scan sites): calibrated on one part, "
    "measured on the other, averaged. A candidate meets the goals when wrong-and-sure (a "
    f"one-class set that is wrong) <= {GOAL_WRONG_SURE}, |coverage - level| <= "
    f"{GOAL_COVERAGE_GAP} and the share not answered (uncertain or empty) <= "
    f"{GOAL_NOT_ANSWERED}. Chosen: of those meeting all three, the fewest not answered; if "
    "none does, by priority: of those meeting wrong-and-sure and coverage, the fewest not "
    "answered; if none meets wrong-and-sure, the lowest wrong-and-sure. Ties: Mondrian, then "
    "the lower level. The chosen kind and level are the shape's default on the page, in "
    "predict/score and in reports; a level the user picks keeps the shape's kind. The measured "
    "half is then scored once with the chosen rules.")
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


def site_rows(model, records: list[tuple[str, np.ndarray]]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(probabilities, truth, record number) at every position a scan would list."""
    ps, ys, gs = [], [], []
    for k, (seq, truth) in enumerate(records):
        scores = scan.site_scores(model, seq)
        pos = sorted({i for c in (network.EI, network.IE)
                      for i in scan.peaks(scores[:, c], SITE_THRESHOLD, MIN_GAP)})
        ps.append(scores[pos])
        ys.append(truth[pos])
        gs.append(np.full(len(pos), k, np.int64))
    return np.concatenate(ps), np.concatenate(ys), np.concatenate(gs)


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


def shape_cases(model, seqs: list[str], y: np.ndarray
                ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(probabilities, truth, group) of each shape's cases made from the windows ``seqs``; a
    window is its own group, a scan site's group is its record (sites of one record are not
    independent, so the rule's half-splits keep a record whole)."""
    y = np.asarray(y)
    own = np.arange(len(y))
    return {"window": (scan.classify(model, seqs), y, own),
            "short": (scan.classify(model, [short_cut(s) for s in seqs]), y, own),
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
    """Write every shape's calibration probabilities, labels and groups, and the set rule
    chosen on them (``choose``); any level can still be asked for."""
    import json

    gue, cal, _ = halves(data_dir, quick)
    cases = shape_cases(model, [gue.x_test[i] for i in cal], gue.y_test[cal])
    arrays = {f"{k}_{shape}": v for shape, (p, y, g) in cases.items()
              for k, v in (("p", p), ("y", y), ("g", g))}
    for shape, (p, y, g) in cases.items():
        arrays[f"rule_{shape}"] = np.array(json.dumps(choose(p, y, g, shape == "scan")))
    np.savez(Path(folder) / FILE, **arrays)


def load(folder: Path) -> dict[str, dict]:
    """``{shape: {"p", "y", "g", "rule"}}`` from ``conformal.npz`` (a file saved before the
    rule gets ``DEFAULT_RULE``)."""
    import json

    with np.load(Path(folder) / FILE) as f:
        return {shape: {"p": f[f"p_{shape}"], "y": f[f"y_{shape}"],
                        "g": f[f"g_{shape}"] if f"g_{shape}" in f else np.arange(
                            len(f[f"y_{shape}"])),
                        "rule": (json.loads(str(f[f"rule_{shape}"])) if f"rule_{shape}" in f
                                 else dict(DEFAULT_RULE))}
                for shape in SHAPES}


def design_text(calibration: dict) -> str:
    """The pre-committed rule and what it chose per shape (the card's ``design_v4_sets``)."""
    chosen = "; ".join(
        f"{shape}: {c['rule']['kind']} at {c['rule']['level']:.2f} (goals met on the "
        f"calibration half: {c['rule'].get('goals_met_on_calibration_half', 'not chosen')})"
        for shape, c in calibration.items())
    return f"{DESIGN_V4_SETS} Chosen: {chosen}."


def thresholds(cal: dict, level: float | None = None) -> np.ndarray:
    """Per-class LAC thresholds of one shape's calibration (``load``) at ``level`` (None: the
    shape's default), with the shape's kind of quantile."""
    level = cal["rule"]["level"] if level is None else level
    fn = conformal.thresholds if cal["rule"]["kind"] == "mondrian" else \
        conformal.marginal_thresholds
    return fn(cal["p"], cal["y"], level)


def figures(p: np.ndarray, y: np.ndarray, q: np.ndarray) -> dict[str, float]:
    """Coverage, wrong-and-sure (one-class set, wrong), uncertain (2+) and empty shares."""
    y = np.asarray(y, int)
    sets = conformal.prediction_sets(p, q)
    covered = sets[np.arange(len(y)), y]
    size = sets.sum(axis=1)
    return {"coverage": float(covered.mean()),
            "wrong_and_sure": float(((size == 1) & ~covered).mean()),
            "share_uncertain": float((size > 1).mean()), "share_empty": float((size == 0).mean()),
            "set_size": float(size.mean())}


def _splits(y: np.ndarray, groups: np.ndarray, by_group: bool, seed: int = data.SEED):
    from sklearn.model_selection import GroupShuffleSplit, ShuffleSplit, StratifiedShuffleSplit

    if not by_group and np.unique(y, return_counts=True)[1].min() < 2:  # too rare to stratify
        return list(ShuffleSplit(CV_REPEATS, test_size=0.5, random_state=seed)
                    .split(np.zeros(len(y))))
    if by_group:
        return list(GroupShuffleSplit(CV_REPEATS, test_size=0.5, random_state=seed)
                    .split(np.zeros(len(y)), y, groups))
    return list(StratifiedShuffleSplit(CV_REPEATS, test_size=0.5, random_state=seed)
                .split(np.zeros(len(y)), y))


def choose(p: np.ndarray, y: np.ndarray, groups: np.ndarray, by_group: bool = False) -> dict:
    """The set rule of one shape, from its calibration cases alone (``DESIGN_V4_SETS``)."""
    p, y = np.asarray(p, float), np.asarray(y, int)
    if len(y) < MIN_CASES or len(np.unique(groups)) < 2:  # a quick model's scan may list none
        return {**DEFAULT_RULE, "score": "LAC", "cases": int(len(y)),
                "goals_met_on_calibration_half": f"not chosen: fewer than {MIN_CASES} cases "
                                                 "or one record"}
    splits = _splits(y, np.asarray(groups), by_group)
    rows = []
    for kind in KINDS:
        for level in LEVEL_GRID:
            cal = {"p": None, "y": None, "rule": {"kind": kind, "level": level}}
            runs = []
            for a, b in splits:
                cal["p"], cal["y"] = p[a], y[a]
                runs.append(figures(p[b], y[b], thresholds(cal)))
            mean = {k: round(float(np.mean([r[k] for r in runs])), 4) for k in runs[0]}
            mean["not_answered"] = round(mean["share_uncertain"] + mean["share_empty"], 4)
            rows.append({"kind": kind, "level": level, **mean})
    ws = [r for r in rows if r["wrong_and_sure"] <= GOAL_WRONG_SURE]
    cov = [r for r in ws if abs(r["coverage"] - r["level"]) <= GOAL_COVERAGE_GAP]
    every = [r for r in cov if r["not_answered"] <= GOAL_NOT_ANSWERED]
    pool, met = ((every, "all three goals") if every else
                 (cov, "wrong-and-sure and coverage; not the uncertain share") if cov else
                 (ws, "wrong-and-sure only") if ws else (rows, "none"))
    key = ((lambda r: (r["not_answered"], KINDS.index(r["kind"]), r["level"])) if pool is not rows
           else (lambda r: (r["wrong_and_sure"], KINDS.index(r["kind"]), r["level"])))
    best = min(pool, key=key)
    return {"score": "LAC", "kind": best["kind"], "level": best["level"],
            "goals_met_on_calibration_half": met,
            "calibration_half_cv": {k: best[k] for k in ("coverage", "wrong_and_sure",
                                                          "share_uncertain", "share_empty")},
            "cases": int(len(y)), "repeats": len(splits)}


def shape_report(p: np.ndarray, y: np.ndarray, cal: dict) -> dict:
    """A shape's figures on measured cases at its default level, per class, and at every
    level of the curve (each with coverage, wrong-and-sure, uncertain and empty shares)."""
    y = np.asarray(y, int)
    level = cal["rule"]["level"]
    at = figures(p, y, thresholds(cal))
    sets = conformal.prediction_sets(p, thresholds(cal))
    covered = sets[np.arange(len(y)), y]
    curve = []
    for lv in sorted({*conformal.CURVE_LEVELS, level}):
        f = figures(p, y, thresholds(cal, lv))
        single = 1.0 - f["share_uncertain"] - f["share_empty"]
        curve.append({"level": lv, "share_single": round(single, 4),
                      "error_among_single": round(f["wrong_and_sure"] / max(single, 1e-12), 4),
                      **{k: round(v, 4) for k, v in f.items() if k != "set_size"}})
    return {"level": level, **{k: round(v, 4) for k, v in at.items()},
            "per_class": {name: {"coverage": (round(float(covered[y == c].mean()), 4)
                                              if (y == c).any() else None),
                                 "n": int((y == c).sum())}
                          for c, name in enumerate(data.CLASS_NAMES)},
            "n_calibration": int(len(cal["y"])), "rule": cal["rule"], "curve": curve}


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
    """Each shape's coverage, wrong-and-sure, uncertain and empty shares on the second half,
    with the shape's rule."""
    gue, _, rest = halves(data_dir, bool(extras["preprocess"].get("quick")))
    cases = shape_cases(model, [gue.x_test[i] for i in rest], gue.y_test[rest])
    out = {}
    for shape in SHAPES:
        p, y, _ = cases[shape]
        cal = extras["calibration"][shape]
        if not len(y) or not len(cal["y"]):  # a scan of a weak model may list no site
            out[SHAPE_KEYS[shape]] = {"n": int(len(y)), "n_calibration": int(len(cal["y"])),
                                      "note": NOTES[shape] + "; no case to measure"}
            continue
        swapped = figures(cal["p"], cal["y"], thresholds({**cal, "p": p, "y": y}))
        out[SHAPE_KEYS[shape]] = {
            **shape_report(p, y, cal), "n": int(len(y)), "note": NOTES[shape],
            "halves_swapped": {
                **{k: round(swapped[k], 4) for k in ("coverage", "wrong_and_sure",
                                                      "share_uncertain", "share_empty")},
                "note": "a check of how much the figures above owe to the split: the same "
                        "rule calibrated on the second half, measured on the first (not what "
                        "ships)"}}
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

"""The genomics service: parsed records in, typed results out; explanations asked for apart.

``predict``, ``score``, the page and the bench all call :func:`analyse`, so they show the same
numbers. A record of up to 400 nt is one window: its class is read at its junction. A longer
record has no single class: it is scanned, and its result lists the top-scoring sites.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from medcore import conformal
from medcore.errors import SchemaError
from medcore.genomics import calibrate, data, io, network, scan, variant
from medcore.genomics import explain as explain_module
from medcore.genomics.io import Exon, Locus, SeqRecord

SITE_THRESHOLD = calibrate.SITE_THRESHOLD  # a position is listed from this probability
MAX_SITES = 20  # per class, highest first
MIN_GAP = calibrate.MIN_GAP  # nt between two listed sites of one class
FLANK = 10  # bases shown either side of a listed site
KIND = {"EI": "donor", "IE": "acceptor", "N": "neither"}
METHOD = explain_module.METHOD  # the explanation, in words (pages and reports)


@dataclass(frozen=True)
class Verdict:
    """What one prediction set means: the decision, its words and its tone (the colour)."""

    decision: str  # the class, "uncertain" or "fits none"
    words: str  # what a table shows: the class, "uncertain: {..}" or "fits none (empty set)"
    tone: str  # "sure", "uncertain" or "none"

    @property
    def sentence(self) -> str:
        """The words with what the class means (headings, the report)."""
        return f"{self.words} ({KIND[self.decision]})" if self.tone == "sure" else self.words

    @property
    def after_set(self) -> str:
        """What to write after the set itself: its meaning without repeating the set."""
        return self.sentence if self.tone == "sure" else self.decision


def verdict(prediction_set: list[str]) -> Verdict:
    """The one rule: one class -> that class; several -> uncertain; empty -> fits none."""
    if len(prediction_set) == 1:
        c = prediction_set[0]
        return Verdict(c, c, "sure")
    if prediction_set:
        return Verdict("uncertain", f"uncertain: {conformal.describe(prediction_set)}",
                       "uncertain")
    return Verdict("fits none", "fits none (empty set)", "none")


@dataclass(frozen=True)
class Site:
    class_name: str  # "EI" (donor) or "IE" (acceptor): the track it was listed from
    junction_after: int  # 1-based base before the junction, in the record
    probability: float
    context: str  # FLANK bases, "|" at the junction, FLANK bases
    probabilities: dict[str, float] = field(default_factory=dict)  # all three at this position
    # scan-site calibration; None in a window, whose one answer is its class at the junction
    prediction_set: list[str] | None = None
    genomic: str = ""  # the junction in genome coordinates, when the record has them
    known: str = ""  # "donor" / "acceptor" when it is a junction of the exons the user gave

    @property
    def verdict(self) -> Verdict | None:
        return None if self.prediction_set is None else verdict(self.prediction_set)

    def to_row(self) -> dict:
        return {"class": self.class_name, "junction_after": self.junction_after,
                **({"genomic": self.genomic} if self.genomic else {}),
                "probability": self.probability, "prediction_set": self.prediction_set,
                "call": self.verdict.words if self.verdict else None,
                **({"known": self.known} if self.known else {}), "context": self.context}


@dataclass(frozen=True, eq=False)
class SeqResult:
    """One record: its per-position scores, its class (windows only) and listed sites.

    Frozen: :func:`set_level`, :func:`fill_scores`, :func:`explain`, :func:`at_site` and
    :func:`mark_known` return new results, so a page's or a report's copy never changes
    under it. Equal only to itself (it holds arrays).
    """

    name: str
    seq: str
    label: str | None
    kind: str  # "window" (<= 400 nt: one class) or "scan" (longer: sites only)
    scores: np.ndarray | None  # (length, 3) per position: junction before that base
    class_name: str | None = None
    probabilities: dict[str, float] | None = None
    prediction_set: list[str] | None = None  # conformal set at ``level``; 2+ = uncertain
    member_spread: dict[str, float] | None = None  # min/max/sd of the members' P(class)
    level: float | None = None
    shape: str | None = None  # whose calibration the set uses: "window", "short" or "scan"
    locus: Locus | None = None  # where the record lies on the genome (from its header)
    sites: list[Site] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    explain_at: int | None = None  # 0-based junction index the explanation is for
    explain_class: str | None = None
    contrib: np.ndarray | None = None  # (bases shown, 4), from ``explain_start``
    explain_start: int = 1  # 1-based first base of ``contrib``

    @property
    def length(self) -> int:
        return len(self.seq)

    @property
    def verdict(self) -> Verdict | None:
        """A window's decision from its set (``None`` for a scan, which lists sites)."""
        return None if self.prediction_set is None else verdict(self.prediction_set)

    def to_row(self, top_k: int = 5) -> dict:
        out = {"name": self.name, "length": self.length, "mode": self.kind,
               "known_label": self.label, "notes": self.notes,
               "locus": str(self.locus) if self.locus else None}
        if self.kind == "window":
            out.update({"class": self.class_name, "decision": self.verdict.decision,
                        "call": self.verdict.words, "probabilities": self.probabilities,
                        "prediction_set": self.prediction_set, "level": self.level,
                        "calibration": self.shape,
                        "member_spread": self.member_spread,
                        "junction_after": data.junction_index(self.length)})
            if self.locus:
                out["junction_genomic"] = self.locus.junction(data.junction_index(self.length))
        else:
            out["level"] = self.level
        out["sites"] = [s.to_row() for s in self.sites]
        if self.contrib is not None:
            out["explanation"] = {
                "method": explain_module.METHOD, "class": self.explain_class,
                "junction_after": self.explain_at,
                "top_positions": explain_module.top_positions(
                    self.contrib, self.seq[self.explain_start - 1:], top_k, self.explain_start)}
        return out


def context(seq: str, j: int, flank: int = FLANK) -> str:
    """``flank`` bases either side of the junction before index ``j``; '.' beyond the ends."""
    left = seq[max(0, j - flank):j].rjust(flank, ".")
    right = seq[j:j + flank].ljust(flank, ".")
    return f"{left}|{right}"


def find_sites(seq: str, scores: np.ndarray, threshold: float = SITE_THRESHOLD,
               k: int = MAX_SITES, min_gap: int = MIN_GAP) -> list[Site]:
    """Top sites of each class (``scan.peaks``), highest first, with all three probabilities;
    their sets are filled by :func:`site_sets`."""
    names = data.CLASS_NAMES
    sites = [Site(cname, i, round(float(scores[i, cls]), 4), context(seq, i),
                  {n: round(float(v), 4) for n, v in zip(names, scores[i], strict=True)})
             for cls, cname in ((network.EI, "EI"), (network.IE, "IE"))
             for i in scan.peaks(scores[:, cls], threshold, min_gap, k)]
    return sorted(sites, key=lambda s: -s.probability)


def site_sets(bundle, sites: list[Site], level: float | None) -> list[Site]:
    """The listed sites with their sets at ``level`` (None: the scan rule's default),
    calibrated on sites a scan lists."""
    if not sites:
        return []
    names = list(bundle.card["class_names"])
    proba = np.array([[s.probabilities[n] for n in names] for s in sites])
    return [replace(s, prediction_set=found) for s, found in
            zip(sites, prediction_sets(bundle, proba, level, "scan"), strict=True)]


def member_spread(p: np.ndarray) -> dict[str, float] | None:
    """The members' probabilities of the called class as min, max and SD (``None`` for one)."""
    if len(p) < 2:
        return None
    return {"min": round(float(p.min()), 4), "max": round(float(p.max()), 4),
            "sd": round(float(p.std()), 4), "members": int(len(p))}


def prediction_sets(bundle, proba: np.ndarray, level: float | None, shape: str = "window"
                    ) -> list[list[str]]:
    """Each case's conformal set with its ``shape``'s rule (``calibrate.SHAPES``: its kind of
    quantile, calibrated on held-out human cases of that shape, shipped in ``conformal.npz``)
    at ``level``; None: the shape's default level."""
    sets = conformal.prediction_sets(proba, calibrate.thresholds(
        bundle.extras["calibration"][shape], level))
    names = list(bundle.card["class_names"])
    return [[n for n, inside in zip(names, row, strict=True) if inside] for row in sets]


def default_level(bundle, shape: str) -> float:
    """The level a ``shape``'s sets use unless the user picks one (chosen per shape on the
    calibration half: ``calibrate.choose``)."""
    return float(bundle.extras["calibration"][shape]["rule"]["level"])


def measured_text(bundle, shape: str, level: float) -> str:
    """What the model card measured for sets of this shape at ``level`` on held-out human
    cases (the curve's nearest level when the level is not one of them)."""
    key = calibrate.SHAPE_KEYS[shape]
    m = bundle.card.get("metrics", {}).get("conformal_by_shape", {}).get(key, {})
    curve = m.get("curve") or []
    if not curve or "wrong_and_sure" not in curve[0]:
        return ""
    point = min(curve, key=lambda c: abs(c["level"] - level))
    at = ("at" if abs(point["level"] - level) < 1e-9 else "at the nearest measured level,")
    return (f"Measured {at} {point['level']:.0%} on {m['n']:,} held-out "
            f"{MEASURED_ON[shape]}: the set held the true class for "
            f"{point['coverage']:.1%}, showed one wrong class alone for "
            f"{point['wrong_and_sure']:.1%}, was uncertain for {point['share_uncertain']:.1%}"
            + (f" and empty for {point['share_empty']:.1%}" if point["share_empty"] else "")
            + ".")


MEASURED_ON = {"window": "400-nt human windows", "short": "60-nt human windows",
               "scan": "sites a scan listed in human sequence"}


def analyse(bundle, records: list[SeqRecord], *, level: float | None = None,
            explain_top: int = 25, progress: Callable[[float, str], None] | None = None
            ) -> list[SeqResult]:
    """Score every record; explain the first ``explain_top`` results (:func:`explain`).
    ``level``: every set's level; None: each shape's own default (``default_level``).

    Windows are classified in batches at their junction; their per-position scores are
    computed when asked for (:func:`fill_scores`), since a batch of windows rarely needs them.
    """
    names = list(bundle.card["class_names"])
    width = data.LONG_WINDOW
    short = [r for r in records if len(r.seq) <= width]
    if progress:
        progress(0.0, f"Classifying {len(short)} window(s)")
    p_short, each = scan.classify_with_members(bundle.model, [r.seq.upper() for r in short])
    # sets from the probabilities as shown (4 places), as ``set_level`` recomputes them: a case
    # on a threshold gets the same set from the command line and from the page
    p_short = np.array([[round(float(v), 4) for v in row] for row in p_short]).reshape(
        len(short), len(names))
    proba = dict(zip(map(id, short), p_short, strict=True))
    members = dict(zip(map(id, short), each, strict=True))
    shapes = {id(r): calibrate.shape_of(len(r.seq)) for r in short}
    sets = {}
    for shape in ("window", "short"):
        group = [i for i, r in enumerate(short) if shapes[id(r)] == shape]
        found = prediction_sets(bundle, p_short[group], level, shape) if group else []
        sets.update({id(short[i]): f for i, f in zip(group, found, strict=True)})
    results: list[SeqResult] = []
    for k, r in enumerate(records):
        seq, notes = r.seq.upper(), list(r.notes)
        if id(r) in proba:
            j, p = data.junction_index(len(seq)), proba[id(r)]
            if len(seq) not in (data.WINDOW, data.LONG_WINDOW):
                notes.append(f"Classified at its junction after base {j} (the middle), as "
                             "the 60-nt and 400-nt training windows are.")
            if (unseen := calibrate.unseen_note(len(seq))) is not None:
                notes.append(unseen)
            cname = names[int(p.argmax())]
            results.append(SeqResult(
                r.name, seq, r.label, "window", None, cname,
                {n: round(float(v), 4) for n, v in zip(names, p, strict=True)},
                sets[id(r)], level=level or default_level(bundle, shapes[id(r)]),
                shape=shapes[id(r)], locus=r.locus,
                member_spread=member_spread(members[id(r)][:, int(p.argmax())]), notes=notes,
                explain_at=j, explain_class=cname))
            continue
        if progress:
            progress(k / max(len(records), 1), f"Scanning {r.name} ({len(seq):,} nt)")
        notes.append(f"Longer than {width} nt: every position scored; no single class. "
                     f"Sites are positions scoring >= {SITE_THRESHOLD}.")
        res = fill_scores(bundle, SeqResult(
            r.name, seq, r.label, "scan", None, notes=notes,
            level=level or default_level(bundle, "scan"), shape="scan", locus=r.locus))
        if res.sites:
            res = at_site(res, res.sites[0])
        results.append(res)
    if explain_top > 0:
        results[:explain_top] = explain(bundle, results[:explain_top], progress=progress)
    if progress:
        progress(1.0, "Done")
    return results


def set_level(bundle, results: list[SeqResult], level: float | None) -> list[SeqResult]:
    """New results whose windows' and listed sites' prediction sets are read at another level
    (None: each shape's default; no model call); the given results are unchanged."""
    names = list(bundle.card["class_names"])
    out = list(results)
    for shape in ("window", "short"):
        idx = [i for i, r in enumerate(results) if r.kind == "window" and r.shape == shape]
        if not idx:
            continue
        proba = np.array([[results[i].probabilities[n] for n in names] for i in idx])
        for i, s in zip(idx, prediction_sets(bundle, proba, level, shape), strict=True):
            out[i] = replace(results[i], prediction_set=s,
                             level=level or default_level(bundle, shape))
    for i, r in enumerate(results):
        if r.kind == "scan":
            at = level or default_level(bundle, "scan")
            out[i] = replace(r, level=at, sites=site_sets(bundle, r.sites, at))
    return out


def fill_scores(bundle, result: SeqResult) -> SeqResult:
    """The result with its per-position scores and listed sites (itself when already there)."""
    if result.scores is not None:
        return result
    scores = scan.site_scores(bundle.model, result.seq)
    sites = find_sites(result.seq, scores)
    if result.locus is not None:
        sites = [replace(s, genomic=result.locus.junction(s.junction_after)) for s in sites]
    if result.kind == "scan":
        sites = site_sets(bundle, sites, result.level)
    return replace(result, scores=scores, sites=sites)


def at_site(result: SeqResult, site: Site) -> SeqResult:
    """The result with its explanation aimed at ``site`` (the old one dropped when it moves)."""
    if (result.explain_at, result.explain_class) == (site.junction_after, site.class_name):
        return result
    return replace(result, explain_at=site.junction_after, explain_class=site.class_name,
                   contrib=None)

def known_junctions(result: SeqResult, exons: list[Exon]) -> dict[int, str]:
    """Junction index -> "donor" / "acceptor" from exons: an acceptor before each exon but the
    first along the record (as written, 5'->3'), a donor after each but the last."""
    spans = []
    for e in exons:
        if e.chrom is not None and (result.locus is None
                                    or not io.same_chrom(e.chrom, result.locus.chrom)):
            raise SchemaError(f"Exon {e.chrom}:{e.start:,}-{e.end:,} is not on this record "
                              f"({result.locus or 'no coordinates in its header'}).",
                              f"Give exons of {result.name}, as {io.EXON_FORMS}.")
        if result.locus is not None:
            if not (result.locus.contains(e.start) or result.locus.contains(e.end)):
                raise SchemaError(f"Exon {e.start:,}-{e.end:,} lies outside {result.locus}.",
                                  "Give genome coordinates inside the record's range.")
            ends = sorted((result.locus.index(e.start), result.locus.index(e.end)))
        else:
            ends = [e.start - 1, e.end - 1]
        spans.append((max(ends[0], 0), min(ends[1], result.length - 1)))
    spans.sort()
    out: dict[int, str] = {}
    for k, (lo, hi) in enumerate(spans):
        if k > 0 and 0 < lo < result.length:
            out[lo] = "acceptor"
        if k < len(spans) - 1 and 0 < hi + 1 < result.length:
            out[hi + 1] = "donor"
    return out


def mark_known(result: SeqResult, exons: list[Exon]) -> tuple[SeqResult, list[dict]]:
    """The result with its listed sites at the exons' junctions marked (no marks for no exons),
    and one row per known junction: its score, its rank among the record's positions for its
    class, whether that rank is within the number of known junctions of the class (k), and
    its set when the scan lists it."""
    known = known_junctions(result, exons) if exons else {}
    sites = [replace(s, known=known.get(s.junction_after, "")
                     if known.get(s.junction_after) == KNOWN_KIND[s.class_name] else "")
             for s in result.sites]
    by_pos = {(s.junction_after, s.class_name): s for s in sites}
    rows = []
    for idx, kind in sorted(known.items()):
        cls = network.EI if kind == "donor" else network.IE
        cname = data.CLASS_NAMES[cls]
        p = result.scores[:, cls]
        site = by_pos.get((idx, cname))
        rows.append({"known": kind, "junction_after": idx,
                     **({"genomic": result.locus.junction(idx)} if result.locus else {}),
                     "score": round(float(p[idx]), 4),
                     "rank": int((p > p[idx]).sum()) + 1,
                     "call": site.verdict.words if site else
                     f"not listed (score < {SITE_THRESHOLD} or not a local top)"})
    for row in rows:  # precision at k, as the card measures it: k = known junctions per class
        k = sum(other["known"] == row["known"] for other in rows)
        row["in_top_k"] = row["rank"] <= k
    return replace(result, sites=sites), rows


KNOWN_KIND = {"EI": "donor", "IE": "acceptor"}  # the class a known junction's site is listed as


def explain(bundle, results: list[SeqResult], *,
            progress: Callable[[float, str], None] | None = None) -> list[SeqResult]:
    """New results with ``contrib`` filled (SHAP towards the explained class at the explained
    junction) where it is missing; the given results are unchanged."""
    names = list(bundle.card["class_names"])
    out = list(results)
    todo = [i for i, r in enumerate(results) if r.contrib is None and r.explain_at is not None]
    for c, cname in enumerate(names):
        group = [i for i in todo if results[i].explain_class == cname]
        if not group:
            continue
        if progress:
            progress(c / len(names), f"SHAP for {len(group)} record(s) towards {cname}")
        x = np.stack([scan.canvas_at(results[i].seq, results[i].explain_at) for i in group])
        contrib = explain_module.contributions(bundle.model, bundle.extras["background"], x, c)
        for i, v in zip(group, contrib, strict=True):
            r = results[i]
            lo = max(0, r.explain_at - scan.MARGIN)
            hi = min(r.length, r.explain_at + scan.MARGIN + 1)
            out[i] = replace(r, contrib=v[scan.MARGIN - (r.explain_at - lo):
                                          scan.MARGIN + (hi - r.explain_at)],
                             explain_start=lo + 1)
    return out


def variant_effect(bundle, text: str, results: list[SeqResult],
                   selected: SeqResult | None = None) -> tuple[SeqResult, variant.Effect]:
    """The result a variant applies to (a VCF line by its coordinates or CHROM, another form on
    ``selected``) and what the variant does to the junctions near it (``variant.Effect``)."""
    rec, v = variant.locate(text, results, selected)
    return rec, variant.record_effect(bundle.model, rec, v, text)

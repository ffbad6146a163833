"""The validation report: one self-contained HTML page (figures inline, no request to any host)
with a site's figures beside the card's held-out ones, the reliability curves, the calls at the
threshold, subgroups, wrong-and-confident cases and the recalibration measured on the check half.
"""

from __future__ import annotations

import base64
import html

from medcore.report import CSP, STYLE, png

SHOWN = [("roc_auc", "ROC-AUC"), ("ece", "ECE (10 bins)"),
         ("calibration_slope", "calibration slope"),
         ("calibration_intercept", "calibration intercept"), ("brier", "Brier score"),
         ("sensitivity", "sensitivity"), ("specificity", "specificity"), ("ppv", "PPV"),
         ("accuracy", "accuracy"), ("macro_f1", "macro F1"), ("share_flagged", "share flagged"),
         ("coverage", "prediction sets: coverage"),
         ("share_uncertain", "prediction sets: share uncertain")]


def _e(v) -> str:
    return html.escape(str(v), quote=True)


def _n(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.4f}"
    if isinstance(v, dict):
        return ", ".join(f"{k} {_n(x)}" for k, x in v.items())
    if isinstance(v, list):
        return "[" + ", ".join(_n(x) for x in v) + "]"
    return str(v)


def flat(f: dict) -> dict:
    """Figures with the prediction sets' coverage and share uncertain lifted to the top."""
    sets = f.get("prediction_sets")
    if not sets:
        return f
    return {**f, "coverage": sets.get("coverage"), "share_uncertain": sets.get("share_uncertain")}


def compare_rows(columns: list[dict]) -> list[list[str]]:
    """(label, value per column) for each figure any column has."""
    cols = [flat(c) for c in columns]
    rows = []
    for key, label in SHOWN:
        if any(c.get(key) is not None for c in cols):
            rows.append([label] + [_n(c.get(key)) for c in cols])
    return rows


def _table(head: list[str], rows: list[list[str]]) -> str:
    h = "".join(f"<th>{_e(c)}</th>" for c in head)
    b = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table class='grid'><thead><tr>{h}</tr></thead><tbody>{b}</tbody></table>"


def reliability_png(curves: list[tuple[str, dict]]) -> bytes:
    """Observed rate against mean predicted probability, one line per curve."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.2, 4.0))
    ax.plot([0, 1], [0, 1], color="#bbb", lw=1, label="perfect calibration")
    for name, c in curves:
        ax.plot(c["prob_pred"], c["prob_true"], marker="o", ms=3, label=name)
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed rate")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, loc="upper left")
    return png(fig)


def card_curve(card: dict) -> dict | None:
    """The card's held-out reliability bins in ``calibration_curve``'s shape (binary models)."""
    cal = card.get("curves", {}).get("calibration")
    if not cal:
        return None
    return {"prob_pred": [b["mean_predicted"] for b in cal],
            "prob_true": [b["observed"] for b in cal]}


def _img(data: bytes, alt: str) -> str:
    return f"<img alt='{_e(alt)}' src='data:image/png;base64,{base64.b64encode(data).decode()}'>"


def _task(name: str, t: dict, card: dict) -> str:
    counts = ", ".join(f"{c} {n}" for c, n in zip(t["classes"], t["class_counts"], strict=True))
    parts = [f"<h2>{_e('Output ' + name if name != 'main' else 'Figures')}</h2>",
             f"<p class='small'>{t['n']:,} labelled cases ({_e(counts)}).</p>"]
    if "figures" not in t:
        return "".join(parts) + f"<div class='warn'>{_e(t.get('note', ''))}</div>"
    f = t["figures"]
    head, cols = ["figure", "your cases"], [f]
    if t.get("with_site_profile"):
        head.append("with the site profile")
        cols.append(t["with_site_profile"]["figures"])
    head.append(f"card (held-out: {t['card'].get('split', '')})")
    cols.append(t["card"])
    parts.append(_table(head, compare_rows(cols)))
    lo, hi = (f.get("ci95", {}).get("roc_auc") or [None, None])[:2]
    if lo is not None and hi is not None:
        parts.append(f"<p class='small'>ROC-AUC 95 % bootstrap interval {lo:.4f}–{hi:.4f}.</p>")
    curves = [("your cases", f["calibration"])]
    if card_curve(card) and name == "main" and len(t["classes"]) == 2:
        curves.append(("card (held-out)", card_curve(card)))
    rec = t.get("recalibration")
    if rec:
        curves.append(("recalibrated (check half)", rec["check"]["after"]["calibration"]))
    parts.append("<figure><h3>Reliability curve</h3>"
                 + _img(reliability_png(curves), "reliability curve") + "</figure>")
    m = f["confusion"]
    thr = f" at the shipped threshold {f['threshold']:.4g}" if "threshold" in f else ""
    parts.append(f"<h3>Calls{_e(thr)} (rows: truth, columns: call)</h3>"
                 + _table([""] + m["labels"],
                          [[lab] + [str(v) for v in row]
                           for lab, row in zip(m["labels"], m["matrix"], strict=True)]))
    if f.get("wrong_and_confident"):
        parts.append("<h3>Wrong and confident (most confident first)</h3>" + _table(
            ["case", "label", "call", "probability of the call"],
            [[w["case"], w["label"], w["call"], _n(w["probability_of_call"])]
             for w in f["wrong_and_confident"]]))
    for col, values in t.get("subgroups", {}).items():
        parts.append(f"<h3>By {_e(col)}</h3>" + _table(
            ["group", "n", "ROC-AUC", "ECE", "sensitivity", "specificity", "PPV", "coverage"],
            [[v, str(g.get("n")), _n(g.get("roc_auc")), _n(g.get("ece")),
              _n(g.get("sensitivity")), _n(g.get("specificity")), _n(g.get("ppv")),
              _n((g.get("prediction_sets") or {}).get("coverage"))]
             for v, g in values.items()]))
    if rec:
        parts.append(
            f"<h3>Recalibration (fitted on {rec['n_fit']} cases, measured on the other "
            f"{rec['n_check']})</h3><p>Map: {_e(rec['map'])}; threshold "
            f"{_n(rec['threshold'])} ({_e(rec['threshold_rule'])}).</p>"
            + _table(["figure", "shipped model", "recalibrated"],
                     compare_rows([rec["check"]["before"], rec["check"]["after"]]))
            + f"<p class='small'>{_e(rec['guarantee'])}</p>")
    return "".join(parts)


def build(result: dict, card: dict) -> str:
    """The report for one :func:`medcore.validation.measure.run` result."""
    version = f" v{result['model_version']}" if result.get("model_version") else ""
    title = f"{result['model_id']}{version} on local cases"
    site = (f"<p class='warn'>Figures with the site profile: {_e(result['site_profile'])}.</p>"
            if result.get("site_profile") else "")
    made = (f"<p class='warn'>New site profile: {_e(result['profile_label'])} "
            f"(sha256 <code>{_e(result['profile']['sha256'])}</code>).</p>"
            if result.get("profile") else "")
    notes = "".join(f"<li>{_e(n)}</li>" for n in result.get("notes", [])[:50])
    more = result.get("n_notes", 0) - min(50, len(result.get("notes", [])))
    notes_html = (f"<h2>Inputs left out or noted</h2><ul>{notes}</ul>"
                  + (f"<p class='small'>and {more} more</p>" if more > 0 else "")
                  if notes else "")
    body = "".join(_task(n, t, card) for n, t in result["tasks"].items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<title>Validation: {_e(title)}</title><style>{STYLE}</style></head>
<body>
<h1>Local validation: {_e(title)}</h1>
<p class="small">medcore research report. Not a medical device. Model sha256
<code>{_e(result.get('model_sha256', ''))}</code>.</p>
{site}{made}{body}{notes_html}
</body></html>
"""

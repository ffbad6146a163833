"""One self-contained HTML report per case (a film, a patient, a molecule, a sequence).

A workbench adapter (``medcore.report.imaging`` and its siblings) turns that workbench's result
into a :class:`Case`; :func:`build` renders any case the same way. Why self-contained: a report
is handed to a colleague or filed, often inside a hospital network that blocks other hosts, so
it carries its figures as data URIs and a Content-Security-Policy that forbids any fetch.
Every string is escaped here, once, because names and notes come from the user's files.
"""

from __future__ import annotations

import base64
import html
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from medcore.conformal import describe
from medcore.uploads import Failed

# Only inline styles and data: images may load; nothing from any host, not even this one.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
LIMITATION_LINES = 2
SET_MEANING = {0: "empty: the input fits no class well at this level",
               1: "one class: the model is sure at this level",
               2: "several classes: uncertain at this level"}


@dataclass(frozen=True)
class Figure:
    """An explanation figure, embedded as bytes (PNG, or SVG as an image)."""

    title: str
    data: bytes
    mime: str = "image/png"
    caption: str = ""


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[list]


@dataclass(frozen=True)
class ModelFacts:
    """What a result must be traced to: the model, its version and the hash of its file."""

    id: str
    version: str
    date_trained: str
    sha256: str
    limitations: list[str]  # the card's limitations, at most LIMITATION_LINES lines


@dataclass(frozen=True)
class Case:
    """Everything a report shows for one input, as plain values (no workbench types)."""

    kind: str  # "film", "patient", "molecule" or "sequence"
    name: str  # what the user called it (file, patient id, molecule or record name)
    model: ModelFacts
    result: str  # the answer in words, or why it is withheld
    inputs: list[tuple[str, str]] = field(default_factory=list)  # the input summary
    probability: float | None = None
    probability_of: str = ""  # e.g. "P(pneumonia)"
    threshold: float | None = None
    prediction_set: list[str] | dict[str, list[str]] | None = None  # one set, or one per output
    level: float | None = None
    warnings: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    synthetic: bool = False
    leans: bool = True  # an uncertain set's headline calls the result "the model leans"


Failure = Failed  # an input that gave no result: its name and the message the page shows


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.;])\s+(?=[A-Z])", text) if s.strip()]


def model_facts(card: dict) -> ModelFacts:
    """Id, version, date, sha256 and the first two limitations, read from a model card."""
    lim = card.get("limitations") or []
    lines = list(lim) if isinstance(lim, list) else _sentences(str(lim))
    version = card.get("version")
    return ModelFacts(str(card.get("id", "")), f"v{version}" if version else "unnumbered",
                      str(card.get("date_trained", "")), str(card.get("sha256", "")),
                      [str(x) for x in lines[:LIMITATION_LINES]])


def png(fig, dpi: int = 100) -> bytes:
    """A matplotlib figure as PNG bytes, then closed (reports never keep figures open)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def rgb_png(pixels) -> bytes:
    """A (H, W) or (H, W, 3) uint8 array as PNG bytes."""
    import numpy as np
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.asarray(pixels, np.uint8)).save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _num(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def _set_text(names: list[str]) -> str:
    return describe(names) + " (" + SET_MEANING[min(len(names), 2)] + ")"


def _answer(case: Case) -> str:
    """The headline: the result, or, when the prediction set is not one class, "uncertain"
    first and the result as the model's leaning, not set as a decision."""
    found = case.prediction_set
    if isinstance(found, list) and len(found) != 1:
        level = f" at {case.level:.0%}" if case.level is not None else ""
        what = "fits neither class" if not found else "uncertain"
        lean = "The model leans: " if case.leans else ""
        return (f'<p class="answer uncertain">{_e(what.capitalize())}{_e(level)}: prediction '
                f'set {_e(describe(found))}. {lean}'
                f'{_e(case.result)}</p>')
    return f'<p class="answer">{_e(case.result)}</p>'


def _prediction_set(case: Case) -> str:
    if case.prediction_set is None:
        return ""
    level = f" at {case.level:.0%}" if case.level is not None else ""
    if isinstance(case.prediction_set, dict):
        items = "".join(f"<li><b>{_e(k)}</b>: {_e(_set_text(v))}</li>"
                        for k, v in case.prediction_set.items())
        return f"<tr><th>Prediction sets{_e(level)}</th><td><ul>{items}</ul></td></tr>"
    return (f"<tr><th>Prediction set{_e(level)}</th>"
            f"<td>{_e(_set_text(list(case.prediction_set)))}</td></tr>")


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in pairs)


def _table(t: Table) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in t.columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(_num(v))}</td>" for v in row) + "</tr>"
                   for row in t.rows)
    return (f"<h2>{_e(t.title)}</h2><table class='grid'><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _figure(f: Figure) -> str:
    uri = f"data:{f.mime};base64,{base64.b64encode(f.data).decode()}"
    caption = f"<figcaption>{_e(f.caption)}</figcaption>" if f.caption else ""
    return (f"<figure><h3>{_e(f.title)}</h3><img alt='{_e(f.title)}' src='{uri}'>{caption}"
            "</figure>")


STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:60rem;
margin:1.5rem auto;padding:0 1rem;color:#222;line-height:1.4}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:1.6rem;
border-bottom:1px solid #ddd}h3{font-size:1rem;margin:.4rem 0}
table{border-collapse:collapse;margin:.4rem 0}th,td{text-align:left;padding:.2rem .6rem;
vertical-align:top}table.facts th{color:#555;font-weight:600;white-space:nowrap}
table.grid th,table.grid td{border:1px solid #ddd;font-size:.9rem}
.answer{font-size:1.25rem;font-weight:700;margin:.6rem 0}
.answer.uncertain{font-weight:400;color:#8a5a00}
.warn{background:#fff4e5;border-left:4px solid #e8a33d;padding:.4rem .8rem;margin:.3rem 0}
.synthetic{background:#eef4ff;border-left:4px solid #4a7bd0;padding:.4rem .8rem}
figure{margin:.8rem 0}figure img{max-width:100%;border:1px solid #eee}
figcaption,.small{color:#555;font-size:.85rem}code{word-break:break-all}
"""


def build(case: Case) -> str:
    """The report as one HTML document: no scripts, no links, figures inline."""
    m = case.model
    prob = ([(f"Probability {case.probability_of}".strip(), f"{case.probability:.4f}")]
            if case.probability is not None else [])
    thr = [("Threshold", f"{case.threshold:.4f}")] if case.threshold is not None else []
    warnings = ("".join(f"<div class='warn'>{_e(w)}</div>" for w in case.warnings)
                if case.warnings else "<p>None.</p>")
    synthetic = ("<p class='synthetic'>Synthetic example generated by medcore, not a real "
                 "patient or sample.</p>" if case.synthetic else "")
    limits = "".join(f"<li>{_e(x)}</li>" for x in m.limitations)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<title>{_e(m.id)} report: {_e(case.name)}</title><style>{STYLE}</style></head>
<body>
<h1>{_e(case.kind.capitalize())}: {_e(case.name)}</h1>
<p class="small">medcore research report. Not a medical device; not for clinical decisions.</p>
{synthetic}
{_answer(case)}
<h2>Result</h2><table class="facts">{_rows(prob + thr)}{_prediction_set(case)}</table>
<h2>Warnings</h2>{warnings}
<h2>Input</h2><table class="facts">{_rows(case.inputs)}</table>
{"".join(_table(t) for t in case.tables)}
{"<h2>Explanation</h2>" if case.figures else ""}{"".join(_figure(f) for f in case.figures)}
<h2>Model</h2><table class="facts">{_rows([("Model id", m.id), ("Version", m.version),
                                            ("Trained", m.date_trained)])}
<tr><th>Card sha256</th><td><code>{_e(m.sha256)}</code></td></tr></table>
<h2>Limitations (from the model card)</h2><ul>{limits}</ul>
</body></html>
"""


def file_name(model_id: str, name: str, taken: set[str] | None = None) -> str:
    """A safe ``.html`` name from the model and the case's name (never a path the user chose),
    unique within ``taken``."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{model_id}_{name}").strip("._")[:90]
    out, k = f"{stem or 'case'}.html", 1
    while taken is not None and out in taken:
        k += 1
        out = f"{stem}_{k}.html"
    if taken is not None:
        taken.add(out)
    return out


def named(cases: list[Case]) -> list[tuple[str, str]]:
    """(file name, HTML) per case, names unique within the list."""
    taken: set[str] = set()
    return [(file_name(c.model.id, c.name, taken), build(c)) for c in cases]


def zip_bytes(cases: list[Case], csv_name: str, csv: bytes) -> bytes:
    """The batch download: one report per case plus the results CSV, built in memory."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in named(cases):
            zf.writestr(name, text)
        zf.writestr(csv_name, csv)
    return buf.getvalue()


def write(cases: list[Case], out_dir: Path) -> list[Path]:
    """One HTML file per case in ``out_dir`` (created if missing); nothing else is written."""
    if not cases:
        return []
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in named(cases):
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def cases_from_paths(bundle, paths: list[Path], **options) -> list[Case | Failure]:
    """Cases for files on disk through the model's adapter (its ``ModelSpec.report``: the path
    its page runs)."""
    from medcore import registry

    adapter = registry.report_adapter(bundle.id)
    if adapter is None:
        raise ValueError(f"{bundle.id} has no report adapter in its ModelSpec.")
    return adapter(bundle, paths, **options)

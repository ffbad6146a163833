"""Render a benchmark report dict as BENCHMARKS.md."""

from __future__ import annotations


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _scalars(d: dict) -> dict:
    return {k: v for k, v in (d or {}).items() if isinstance(v, (int, float))}


def target_table(targets: list[dict]) -> list[str]:
    lines = ["| model | target | goal | measured | result |", "|---|---|---|---|---|"]
    for t in targets:
        result = "–" if t["pass"] is None else ("pass" if t["pass"] else "short")
        lines.append(f"| {t['model']} | {t['name']} | {t['target']} | {_fmt(t['value'])} "
                     f"| {result} |")
    return lines


def render_markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        "# medcore benchmarks", "",
        f"Measured {report['date']} by `python -m medcore bench"
        f"{' --quick' if report['quick'] else ''}` on: {m['cpu']}, {m['cores']} cores, "
        f"GPU: {', '.join(m['gpus']) or 'none'}, Python {m['python']}.", "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()), "",
        "## Targets", "", *target_table(report["targets"]), "",
    ]
    for mid, res in report["models"].items():
        lines += [f"## {mid}", ""]
        if "status" in res or "error" in res:
            lines += [res.get("status") or res["error"], ""]
            continue
        lines.append(f"Load {res['load_ms']} ms. Quality source: {res['quality_source']}.")
        lines.append("")
        q = _scalars(res["quality"])
        if q:
            lines += ["| metric | value |", "|---|---|"]
            lines += [f"| {k} | {_fmt(v)} |" for k, v in q.items()]
            lines.append("")
        if res.get("anchors"):
            lines += ["Published anchors:", ""]
            lines += [f"- {a.get('name')}: {a.get('metric', '')} {a.get('value')} "
                      f"({a.get('source', '')})" for a in res["anchors"]]
            lines.append("")
        speed = _scalars(res.get("speed"))
        if speed:
            lines += ["| speed figure | value |", "|---|---|"]
            lines += [f"| {k} | {_fmt(v)} |" for k, v in speed.items()]
            lines.append("")
    if report.get("app"):
        lines += ["## The app in a real browser (headless Chromium)", ""]
        lines += [f"- {k}: {_fmt(v)}" for k, v in _scalars(report["app"]).items()]
        lines.append("")
    return "\n".join(lines)

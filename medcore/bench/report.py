"""Render a benchmark report dict as BENCHMARKS.md."""

from __future__ import annotations


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.0f}" if abs(v) >= 1e4 else f"{v:.4g}"  # no exponents in a table
    return str(v)


def _scalars(d: dict) -> dict:
    return {k: v for k, v in (d or {}).items() if isinstance(v, (int, float))}


def _value_table(label: str, values: dict | None) -> list[str]:
    """A two-column table of the numeric entries, or nothing when there are none."""
    rows = _scalars(values)
    if not rows:
        return []
    return [f"| {label} | value |", "|---|---|", *(f"| {k} | {_fmt(v)} |" for k, v in rows.items()),
            ""]


def target_table(targets: list[dict]) -> list[str]:
    lines = ["| model | target | goal | measured | result |", "|---|---|---|---|---|"]
    for t in targets:
        result = "–" if t["pass"] is None else ("pass" if t["pass"] else "short")
        lines.append(f"| {t['model']} | {t['name']} | {t['target']} | {_fmt(t['value'])} "
                     f"| {result} |")
    return lines


HEADLINE = {  # model id -> metrics quoted in the README results table
    "xray-cnn": ["roc_auc", "accuracy", "sensitivity", "specificity", "ece"],
    "xray-gan": ["fd_generated_vs_test", "fd_real_test_halves_floor"],
    "history-rnn": ["roc_auc", "event1", "pr_auc", "brier", "ece"],
    "history-cnn": ["roc_auc", "event1", "pr_auc", "brier", "ece"],
    "tox-cnn": ["mean_roc_auc", "scaffold_mean_roc_auc"],
    "mol-gan": ["validity", "uniqueness_1k", "uniqueness_10k", "novelty"],
    "dna-cnn": ["mcc", "accuracy", "macro_f1"],
    "dna-rnn": ["accuracy", "macro_f1"],
}


def results_table(report: dict) -> list[str]:
    """One row per model: headline held-out figures and its speed targets' results."""
    lines = ["| model | held-out figures | speed / target checks |", "|---|---|---|"]
    for mid, res in report["models"].items():
        if "quality" not in res:
            lines.append(f"| {mid} | {res.get('status') or res.get('error')} | |")
            continue
        q = res["quality"]
        figs = ", ".join(f"{k} {_fmt(_find(q, k))}" for k in HEADLINE.get(mid, [])
                         if _find(q, k) is not None)
        checks = "; ".join(f"{t['name']}: {_fmt(t['value'])} vs {t['target'].strip()} "
                           f"({'pass' if t['pass'] else 'short'})"
                           for t in report["targets"] if t["model"] == mid
                           and t["pass"] is not None and not t["name"].startswith("held-out"))
        lines.append(f"| {mid} | {figs} | {checks} |")
    return lines


KERAS_COLUMNS = [  # (key in each model's "keras" figures, column heading)
    ("train_samples_per_s", "training samples/s"),
    ("train_tfdata_samples_per_s", "with tf.data"),
    ("train_tfdata_xla_samples_per_s", "tf.data + XLA"),
    ("single_p50_ms", "one input p50 ms"),
    ("single_p95_ms", "p95 ms"),
    ("predict_batch_per_s", "batch inference /s"),
    ("tutorial_ms_per_input", "tutorial ms/input"),
    ("medcore_ms_per_input", "medcore ms/input"),
    ("tutorial_ratio", "ratio"),
]


def keras_table(models: dict) -> list[str]:
    """The timings every model shares (``medcore.bench.training``), one row per model."""
    rows = [(mid, res["keras"]) for mid, res in models.items() if res.get("keras")]
    if not rows:
        return []
    lines = ["| model | " + " | ".join(h for _, h in KERAS_COLUMNS) + " |",
             "|---" * (len(KERAS_COLUMNS) + 1) + "|"]
    for mid, k in rows:
        lines.append(f"| {mid} | " + " | ".join(_fmt(k.get(key)) for key, _ in KERAS_COLUMNS)
                     + " |")
    return ["## Training and inference, every model", "",
            "Same code for every model (`medcore/bench_train.py`): training throughput of a "
            "fresh copy of the shipped architecture (second epoch, batch 64; arrays straight "
            "into `fit`, then a shuffled, prefetched `tf.data` pipeline, then that pipeline with "
            "`jit_compile=True`; GANs: their own adversarial loop), one input through "
            "`predict_on_batch` (p50/p95 of repeated calls after warm-up), batched `predict`, "
            "and a "
            "tutorial's per-input `model.predict` "
            "against medcore's batched scoring of the same inputs. Inputs are random tensors of "
            "the model's input shape.", "", *lines, ""]


def _find(d: dict, key: str):
    """A metric by name at the top level or one level down (e.g. under ``random``)."""
    if key in d and not isinstance(d[key], dict):
        return d[key]
    for v in d.values():
        if isinstance(v, dict) and key in v and not isinstance(v[key], dict):
            return v[key]
    return None


def render_markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        "# medcore benchmarks", "",
        f"Measured {report['date']} by `python -m medcore bench"
        f"{' --quick' if report['quick'] else ''}` on: {m['cpu']}, {m['cores']} cores, "
        f"GPU: {', '.join(m['gpus']) or 'none'}, Python {m['python']}.", "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()), "",
        *([("Re-measured with `--update` (entries not named stay from the full run; `app` is the "
            "page timings and server memory): "
            + ", ".join(f"{k} {v}" for k, v in report["updated"].items()) + "."), ""]
          if report.get("updated") else []),
        "## Results", "", *results_table(report), "",
        "## Targets", "", *target_table(report["targets"]), "",
        *keras_table(report["models"]),
    ]
    for mid, res in report["models"].items():
        lines += [f"## {mid}", ""]
        if "status" in res or "error" in res:
            lines += [res.get("status") or res["error"], ""]
            continue
        lines.append(f"Load {res['load_ms']} ms. Quality source: {res['quality_source']}.")
        lines.append("")
        lines += _value_table("metric", res["quality"])
        if res.get("anchors"):
            lines += ["Published anchors:", ""]
            lines += [f"- {a.get('name')}: {a.get('metric', '')} {a.get('value')} "
                      f"({a.get('source', '')})" for a in res["anchors"]]
            lines.append("")
        lines += _value_table("speed figure", res.get("speed"))
    if report.get("app"):
        lines += ["## The app in a real browser (headless Chromium)", ""]
        lines += [f"- {k}: {_fmt(v)}" for k, v in _scalars(report["app"]).items()]
        lines.append("")
    return "\n".join(lines)

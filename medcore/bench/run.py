"""``python -m medcore bench``: speed and quality of every model, against targets and anchors.

Writes ``benchmarks.json`` (times in ms under ``*_ms`` keys, grouped by model id) and
``BENCHMARKS.md``. Each model's ``registry.Measure`` names its own speed figures on the path
its users run (``medcore.bench.<workbench>``; no model module imports the bench) and its
quality goals; this module adds load time, held-out quality beside the card's anchors, one
case report, one local validation, the figures every Keras model shares, app timings in a real
browser and the pass/short table of the goals.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from medcore import registry, settings
from medcore.bench import case_report, validation
from medcore.bench import env as bench_env
from medcore.bench import training as bench_train
from medcore.bench.report import render_markdown
from medcore.errors import MedcoreError

log = logging.getLogger(__name__)

def _lookup(metrics: dict, path: str):
    cur = metrics
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def _passes(value: float, goal: float, direction: str) -> bool:
    return value >= goal if direction == ">=" else value <= goal


def bench_model(model_id: str, quick: bool) -> dict:
    """Load time, held-out quality and the module's own speed figures for one model."""
    out: dict = {"title": registry.MODELS[model_id].title}
    t0 = time.perf_counter()
    bundle = registry.load(model_id)
    out["load_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    if quick:
        out["quality_source"] = "model card (recomputed only in the full bench)"
        out["quality"] = bundle.card["metrics"]
    else:
        t0 = time.perf_counter()
        out["quality"] = registry.module(model_id).evaluate(bundle, settings.data_dir())
        out["evaluate_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        out["quality_source"] = "recomputed by evaluate on the held-out split"
    out["anchors"] = bundle.card.get("anchors", [])
    measure = registry.spec(model_id).measure
    own = measure.ref("speed")(bundle, quick) if measure.speed else {}
    out["speed"] = own.get("figures", {})
    out["targets"] = own.get("targets", [])
    if measure.case_report:  # the classifiers that give a case report
        reported = case_report.run(bundle)
        out["speed"].update(reported.get("figures", {}))
        out["targets"] += reported.get("targets", [])
    validated = validation.run(bundle, quick)  # a full bench only: seconds per model
    out["speed"].update(validated.get("figures", {}))
    out["targets"] += validated.get("targets", [])
    out["keras"] = keras_figures(bundle, quick)
    return out


def keras_figures(bundle: registry.Bundle, quick: bool) -> dict:
    """Figures every model shares: training throughput, batch inference, the tutorial ratio.

    The GANs' adversarial loops are timed by their ``Measure.training``; classifiers train a
    fresh copy of the shipped architecture with Keras ``fit``.
    """
    model = bundle.model
    if len(model.outputs) > 1:
        # an ensemble that also returns its members (tox-cnn): time the output users are
        # served, the averaged probabilities
        import keras

        names = [t.name for t in model.outputs]
        model = keras.Model(model.inputs, model.outputs[0])
        log.info("timing %s's first output of %s", bundle.id, names)
    steps = bench_train.steps_for(bundle.extras.get("preprocess", {}))
    out: dict = {"input_steps_if_variable": steps}
    training = registry.spec(bundle.id).measure.training
    if training:
        out.update(registry.spec(bundle.id).measure.ref("training")(bundle, quick))
    else:
        n = 256 if quick else 1024
        out.update(bench_train.train_throughput(model, n=n, steps=steps))
        for pipeline in ("tf.data", "tf.data+xla"):  # the input pipeline and XLA, measured
            res = bench_train.train_throughput(model, n=n, steps=steps, pipeline=pipeline)
            out[f"train_{pipeline.replace('.', '').replace('+', '_')}_samples_per_s"] = \
                res["train_samples_per_s"]
    out.update(bench_train.single_latency(model, steps=steps, reps=20 if quick else 100))
    out.update(bench_train.predict_throughput(model, n=512 if quick else 2048, steps=steps))
    out.update(bench_train.tutorial_ratio(model, n=64 if quick else 256,
                                          n_tutorial=10 if quick else 30, steps=steps))
    return out


def quality_targets(models: dict) -> list[dict]:
    rows = []
    for mid, spec in registry.MODELS.items():
        for g in spec.measure.goals:
            quality = models.get(mid, {}).get("quality")
            value = _lookup(quality, g.metric) if quality else None
            rows.append({"model": mid, "name": f"held-out {g.metric}",
                         "target": f"{g.direction} {g.goal}", "value": value,
                         "pass": None if value is None else _passes(float(value), g.goal,
                                                                    g.direction)})
    return rows


def _targets(models: dict, app_targets: list[dict]) -> list[dict]:
    targets = quality_targets(models)
    for mid, res in models.items():
        for t in res.get("targets", []):
            targets.append({"model": mid, "name": t["name"],
                            "target": f"{t.get('op', '<=')} {t['target']} {t.get('unit', '')}",
                            "value": t["value"], "pass": t["pass"]})
    return targets + app_targets


def _write(report: dict, out_dir: Path) -> None:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "benchmarks.json").write_text(json.dumps(report, indent=2, default=float) + "\n")
    (out_dir / "BENCHMARKS.md").write_text(render_markdown(report))


def update_bench(models: list[str], out_dir: Path = Path("."), browser: bool = False) -> dict:
    """Re-bench only ``models`` (e.g. after retraining one) inside the full report already in
    ``out_dir``: their entries and targets are replaced and dated, everything else is kept;
    ``browser`` also re-runs the app figures (page timings and server memory)."""
    path = Path(out_dir) / "benchmarks.json"
    if not path.exists():
        raise MedcoreError(f"No benchmarks.json in {out_dir} to update.",
                           "Run a full `python -m medcore bench` first.")
    report = json.loads(path.read_text())
    if report["quick"]:
        raise MedcoreError("The report in that folder is a --quick run.",
                           "Update a full report, or run `python -m medcore bench --quick`.")
    for mid in models:
        registry.spec(mid)
        report["models"][mid] = bench_model(mid, quick=False)
        report.setdefault("updated", {})[mid] = time.strftime("%Y-%m-%d %H:%M")
    app_targets = [t for t in report["targets"] if t["model"] not in registry.MODELS]
    if browser:
        from medcore.bench.app import bench_app

        report["app"] = bench_app()
        app_targets = report["app"].pop("targets", [])
        report.setdefault("updated", {})["app"] = time.strftime("%Y-%m-%d %H:%M")
    report["targets"] = _targets(report["models"], app_targets)
    _write(report, out_dir)
    return report


def run_bench(quick: bool = False, out_dir: Path = Path("."), models: list[str] | None = None,
              browser: bool = True) -> dict:
    """Run the benchmark and write ``benchmarks.json`` and ``BENCHMARKS.md`` into ``out_dir``."""
    report: dict = {"quick": quick, "date": time.strftime("%Y-%m-%d %H:%M"),
                    "machine": bench_env.machine(), "models": {}}
    for mid in models or list(registry.MODELS):
        if not registry.is_trained(mid):
            report["models"][mid] = {"status": "not trained yet"}
            continue
        try:
            report["models"][mid] = bench_model(mid, quick)
        except MedcoreError as err:
            report["models"][mid] = {"error": str(err)}
    app_targets: list[dict] = []
    if browser:
        from medcore.bench.app import bench_app

        report["app"] = bench_app(quick=quick)
        app_targets = report["app"].pop("targets", [])
    report["targets"] = _targets(report["models"], app_targets)
    _write(report, out_dir)
    return report

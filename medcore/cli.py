"""``python -m medcore``: the same code paths the pages use, from a terminal."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _emit(obj, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(obj, indent=2, default=float) + "\n")
        return
    if isinstance(obj, list):
        for row in obj:
            sys.stdout.write(f"{row}\n")
    elif isinstance(obj, dict):
        for k, v in obj.items():
            sys.stdout.write(f"{k}: {json.dumps(v, default=float)}\n")
    else:
        sys.stdout.write(f"{obj}\n")


def cmd_models(args: argparse.Namespace) -> int:
    from medcore import registry
    from medcore.cards import headline, load_card

    rows = []
    for mid, spec in registry.MODELS.items():
        row = {"id": mid, "workbench": spec.workbench, "title": spec.title}
        if registry.is_trained(mid):
            card = load_card(registry.model_folder(mid))
            row.update(status="trained", date_trained=card.get("date_trained"),
                       dataset=card.get("dataset", {}).get("name"), headline=headline(card))
        else:
            row["status"] = "not trained yet"
        rows.append(row)
    if args.json:
        _emit(rows, True)
    else:
        for r in rows:
            figures = ", ".join(f"{k}={v}" for k, v in r.get("headline", {}).items())
            sys.stdout.write(f"{r['id']:<12} {r['status']:<16} {r['title']}  {figures}\n")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from medcore.train import train

    options = {}
    if args.size:
        options["size"] = args.size
    if args.network:
        options["network"] = args.network
    card = train(args.model_id, Path(args.out) if args.out else None, quick=args.quick, **options)
    _emit({"id": card["id"], "metrics": card["metrics"]}, args.json)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from medcore import registry, settings

    bundle = registry.load(args.model_id)
    metrics = registry.module(args.model_id).evaluate(bundle, settings.data_dir())
    _emit(metrics, args.json)
    return 0


def _options(args: argparse.Namespace) -> dict:
    """Model-specific options of predict/score (the registry's ``ModelSpec.options``), checked
    before any model loads."""
    from medcore import registry
    from medcore.errors import InputError

    out: dict = {}
    for flag, (opt, users) in registry.options().items():
        value = getattr(args, opt.dest, None)
        if value is None:
            continue
        if args.model_id not in users:
            raise InputError(f"{flag} applies to {', '.join(users)} only.",
                             f"Drop {flag}, or use {' or '.join(users)}.")
        if getattr(args, "report", None) and not opt.with_report:
            raise InputError(f"{flag} cannot be combined with --report.",
                             f"Run {flag} and the reports as two commands.")
        out |= registry.resolve(opt.parse)(value)
    return out


def cmd_predict(args: argparse.Namespace) -> int:
    from medcore import registry
    from medcore.validation.command import load_site, site_rows

    options = _options(args)
    site = load_site(args.model_id, args.site)
    if args.report:
        return _reports(args, options, site)
    from medcore.uploads import expand_inputs

    paths = expand_inputs(args.files)
    bundle = registry.load(args.model_id)
    results = registry.module(args.model_id).predict_paths(bundle, paths, **options)
    _emit(site_rows(args.model_id, results, site), args.json)
    return 0


def _reports(args: argparse.Namespace, options: dict, site: dict | None = None) -> int:
    """``predict --report DIR``: one HTML report per case; a failed input is reported on stderr
    with the page's message and gets no file (exit 2 when any failed)."""
    from medcore import registry, report
    from medcore.errors import InputError

    if registry.spec(args.model_id).report is None:
        with_reports = [m for m, s in registry.MODELS.items() if s.report is not None]
        raise InputError(f"--report applies to {', '.join(with_reports)}.",
                         "Drop --report, or use one of those models.")
    from medcore.uploads import expand_inputs

    paths = expand_inputs(args.files)
    bundle = registry.load(args.model_id)
    outcomes = report.cases_from_paths(bundle, paths, **options)
    from medcore.validation.command import site_cases

    cases = site_cases(args.model_id, [c for c in outcomes if isinstance(c, report.Case)], site)
    failures = [f for f in outcomes if isinstance(f, report.Failure)]
    for f in failures:
        sys.stderr.write(f"error: {f.name}: {f.error}\n")
    paths = report.write(cases, Path(args.report))
    _emit([{"case": c.name, "report": str(p)} for c, p in zip(cases, paths, strict=True)]
          + [{"file": f.name, "error": f.error} for f in failures], args.json)
    return 2 if failures else 0


def cmd_bench(args: argparse.Namespace) -> int:
    if args.gpu:
        from medcore.bench.gpu import run_gpu_bench

        _emit(run_gpu_bench(Path(args.out), quick=args.quick, models=args.models or None),
              args.json)
        return 0
    from medcore.bench.run import run_bench, update_bench

    if args.update:
        _emit(update_bench(args.models or [], Path(args.out), browser=args.app), args.json)
        return 0
    report = run_bench(quick=args.quick, out_dir=Path(args.out), models=args.models or None,
                       browser=not args.no_browser)
    _emit(report, args.json)
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from medcore.scoring import score
    from medcore.validation.command import load_site

    site = load_site(args.model_id, args.site)
    result = score(args.model_id, args.inputs, Path(args.out), chunk_size=args.chunk,
                   scheduler=args.scheduler,
                   options=_options(args) | ({"site": site} if site else {}))
    _emit(result, args.json)
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    from medcore import datasets

    if args.fetch:
        _emit({"path": str(datasets.fetch(args.fetch))}, args.json)
        return 0
    rows = [{"name": d.name, "local": str(datasets.local_path(d.name) or "missing"),
             "url": d.url, "licence": d.licence} for d in datasets.DATASETS.values()]
    _emit(rows, args.json)
    return 0


def _model_options(parsers: dict[str, argparse.ArgumentParser]) -> None:
    """The registry's model-specific options on the commands that take them."""
    from medcore import registry

    for flag, (opt, users) in registry.options().items():
        for command in opt.commands:
            parsers[command].add_argument(flag, dest=opt.dest,
                                          help=f"{', '.join(users)}: {opt.help}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m medcore", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    def add(name: str, fn, help: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help)
        sp.add_argument("--json", action="store_true", help="print JSON")
        sp.set_defaults(fn=fn)
        return sp

    add("models", cmd_models, "list model ids with their card summary")
    t = add("train", cmd_train, "train a model from the data folder and write its card")
    t.add_argument("model_id")
    t.add_argument("--quick", action="store_true", help="tiny 1-epoch model (for tests)")
    t.add_argument("--size", type=int, help="input size in pixels (xray models)")
    t.add_argument("--out", help="output folder (default assets/models/ID)")
    t.add_argument("--network", help="xray-cnn: finish a run whose network was fitted "
                                     "separately (a .keras file from cnn.fit_network)")
    e = add("evaluate", cmd_evaluate, "recompute held-out metrics of a trained model")
    e.add_argument("model_id")
    pr = add("predict", cmd_predict, "predict and explain for files")
    pr.add_argument("model_id")
    pr.add_argument("files", nargs="+", help="files, folders (with their subfolders) or globs")
    pr.add_argument("--report", metavar="DIR", help="write one self-contained HTML report per "
                                                    "case into DIR (classifiers only)")
    pr.add_argument("--site", metavar="FILE", help="classifiers: a site profile (from "
                                                   "`validate --site-out`); adds its answers")
    from medcore.validation.command import add_validate

    add_validate(add)
    b = add("bench", cmd_bench, "measure speed and quality; writes BENCHMARKS.md + JSON")
    b.add_argument("--quick", action="store_true", help="a few minutes, for CI")
    b.add_argument("--out", default=".", help="folder for BENCHMARKS.md and benchmarks.json")
    b.add_argument("--models", nargs="*", help="only these model ids")
    b.add_argument("--no-browser", action="store_true", help="skip the real-browser timings")
    b.add_argument("--app", action="store_true",
                   help="with --update: also re-run the real-browser timings and memory")
    b.add_argument("--update", action="store_true",
                   help="re-bench only --models inside the full report already in --out")
    b.add_argument("--gpu", action="store_true",
                   help="float32 vs mixed precision on the GPU (any Keras backend, e.g. "
                        "KERAS_BACKEND=jax); writes BENCHMARKS_GPU.md + benchmarks_gpu.json")
    s = add("score", cmd_score, "batch-score a folder or glob on Dask (chunked, resumable)")
    s.add_argument("model_id")
    s.add_argument("inputs", nargs="+",
                   help="files, folders (with their subfolders) or globs, several of each")
    s.add_argument("--out", required=True, help="output folder for chunk-NNNNN.jsonl files")
    s.add_argument("--chunk", type=int, default=256, help="inputs per task")
    s.add_argument("--scheduler", help="address of an existing Dask scheduler")
    s.add_argument("--site", metavar="FILE", help="classifiers: a site profile; adds its answers")
    _model_options({"predict": pr, "score": s})
    d = add("datasets", cmd_datasets, "list datasets, or fetch one")
    d.add_argument("--fetch", metavar="NAME")
    return p


def main(argv: list[str] | None = None) -> int:
    from medcore.errors import MedcoreError

    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except MedcoreError as err:
        sys.stderr.write(f"error: {err}\n")
        return 2

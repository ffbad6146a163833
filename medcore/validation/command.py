"""``python -m medcore validate`` and the ``--site FILE`` option of ``predict`` and ``score``.

Nothing is written unless asked: the profile only with ``--site-out``, the report only with
``--report``; the labelled inputs are read into memory.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from medcore.errors import InputError

REPORT_NAME = "validation-report.html"


def read_inputs(specs: list[str]) -> list[tuple[str, bytes]]:
    """(name, bytes) for files, ZIPs (opened later, in memory), folders and globs, found as
    ``predict`` and ``score`` find them (``uploads.expand_inputs``); a file below a folder is
    named by its path inside that folder, so class subfolders stay visible."""
    from medcore import uploads

    out: list[tuple[str, bytes]] = []
    for spec in specs:
        root = Path(spec)
        for f in uploads.expand_inputs(spec):
            name = f.relative_to(root).as_posix() if root.is_dir() else f.name
            out.append((name, uploads.read_path(f)))
    return out


def load_site(model_id: str, path: str | None, card: dict | None = None) -> dict | None:
    """The profile named by ``--site``, checked against the model's card (no model load)."""
    if not path:
        return None
    from medcore import registry, uploads
    from medcore.cards import load_card
    from medcore.validation import profile

    classifiers = registry.ids(kind=registry.CLASSIFIER)
    if model_id not in classifiers:
        raise InputError(f"--site applies to {', '.join(classifiers)}.", "Drop --site.")
    card = card or load_card(registry.model_folder(model_id))
    return profile.loads(uploads.read_path(path), card, Path(path).name)


def _target(args: argparse.Namespace) -> tuple[str | None, float | None]:
    if args.sensitivity is not None and args.ppv is not None:
        raise InputError("Ask for a sensitivity or a PPV, not both.", "Drop one of them.")
    if args.sensitivity is not None:
        return "sensitivity", args.sensitivity
    if args.ppv is not None:
        return "ppv", args.ppv
    return None, None


def cmd_validate(args: argparse.Namespace) -> int:
    from medcore import registry, uploads
    from medcore.validation import cases, measure, profile, report

    classifiers = registry.ids(kind=registry.CLASSIFIER)
    if args.model_id not in classifiers:
        raise InputError(f"validate applies to the classifiers: {', '.join(classifiers)}.",
                         "Pick one of them.")
    target, value = _target(args)
    bundle = registry.load(args.model_id)
    site = load_site(args.model_id, args.site, bundle.card)
    labels = (Path(args.labels).name, uploads.read_path(args.labels)) if args.labels else None
    labelled = cases.read(bundle, read_inputs(args.data), labels)
    fit = bool(args.site_out or target)
    result = measure.run(bundle, labelled, site=site, fit=fit, target=target, value=value,
                         n_boot=args.boot)
    shown = {k: v for k, v in result.items() if k != "profile"}
    if args.site_out:
        Path(args.site_out).write_bytes(profile.to_bytes(result["profile"]))
        shown["profile_file"] = args.site_out
        shown["profile_sha256"] = result["profile"]["sha256"]
    if args.report:
        out = Path(args.report)
        out.mkdir(parents=True, exist_ok=True)
        (out / REPORT_NAME).write_text(report.build(result, bundle.card), encoding="utf-8")
        shown["report"] = str(out / REPORT_NAME)
    if args.json:
        sys.stdout.write(json.dumps(shown, indent=2, default=float) + "\n")
    else:
        for name, t in result["tasks"].items():
            f = t.get("figures")
            line = (f"roc_auc {f['roc_auc']}  ece {f['ece']}  n {t['n']}" if f
                    else t.get("note", ""))
            sys.stdout.write(f"{name}: {line}\n")
        for k in ("profile_label", "profile_file", "report"):
            if shown.get(k):
                sys.stdout.write(f"{k}: {shown[k]}\n")
    return 0


def add_validate(add) -> None:
    """Register ``validate`` with the CLI's ``add(name, fn, help)``."""
    v = add("validate", cmd_validate,
            "measure a classifier on your labelled cases; recalibrate it (site profile)")
    v.add_argument("model_id")
    v.add_argument("data", nargs="+", help="a folder (class subfolders or not), a ZIP, or files")
    v.add_argument("--labels", help="labels: file,label CSV (films); patient_id,died CSV "
                                    "(patients); name,label CSV (sequences)")
    v.add_argument("--site-out", metavar="FILE", help="fit and write a site profile (JSON)")
    v.add_argument("--site", metavar="FILE", help="also measure an existing site profile")
    v.add_argument("--sensitivity", type=float, help="profile threshold for this sensitivity")
    v.add_argument("--ppv", type=float, help="profile threshold for this PPV")
    v.add_argument("--report", metavar="DIR", help="write validation-report.html into DIR")
    v.add_argument("--boot", type=int, default=1000, help="bootstrap resamples (default 1000)")


def site_rows(model_id: str, rows: list[dict], site: dict | None) -> list[dict]:
    """``predict``'s rows with the profile's answers added (unchanged without a profile)."""
    if site is None:
        return rows
    from medcore.validation.annotate import annotate

    return annotate(model_id, rows, site)


def site_cases(model_id: str, cases: list, site: dict | None) -> list:
    """``predict --report`` cases with the profile's answer as a table headed by its label
    (single-output binary models: the report carries the probability it is applied to)."""
    if site is None:
        return cases
    import dataclasses

    from medcore import conformal
    from medcore.report import Table
    from medcore.validation import profile

    t = profile.task(site)
    if t is None or t["kind"] != "binary":
        raise InputError("--site with --report applies to xray-cnn and the history models.",
                         "Use --site with --json for this model's recalibrated answers.")
    out = []
    for c in cases:
        if c.probability is None:
            out.append(c)
            continue
        s = profile.named(site, [c.probability])[0]
        rows = [["recalibrated probability", f"{s['probability']:.4f}"],
                ["call", s["call"]], ["threshold", f"{s['threshold']:.4f}"],
                [f"prediction set at {s['level']:.0%}", conformal.describe(s["prediction_set"])]]
        out.append(dataclasses.replace(
            c, tables=[Table(f"Site profile: {profile.label(site)}", ["", ""], rows),
                       *c.tables],
            warnings=[f"This site's answer ({profile.label(site)}): {s['call']}, "
                      f"probability {s['probability']:.4f}.", *c.warnings]))
    return out

"""The "Validate on my data" step a workbench page adds with one call: upload labelled cases,
see the model's figures on them beside the card's held-out figures, recalibrate, download the
site profile and the report, or load a profile and see results made with it, labelled so.

Streamlit only: what is measured and fitted lives in ``medcore.validation``. Uploads stay in
this session's memory; only the figures and the profile are kept in its state.
"""

from __future__ import annotations

import copy

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from medcore import registry
from medcore.errors import InputError
from ui import components

INPUTS = {  # workbench -> (file types, what to upload, the labels uploader's text or None)
    "imaging": (["png", "jpg", "jpeg", "dcm", "zip"],
                "Films: a ZIP with one subfolder per class (NORMAL/, PNEUMONIA/), or films "
                "with a labels CSV `file,label`.", "Labels CSV `file,label` (optional with "
                                                  "class subfolders)"),
    "history": (["csv", "json", "ndjson", "txt", "zip"],
                "Your patient export (CSV or FHIR), and an outcomes CSV `patient_id,died` "
                "(0/1). Other outcome columns (age band, sex, unit) become subgroups.",
                "Outcomes CSV `patient_id,died`"),
    "molecules": (["csv", "zip"],
                  "A CSV of molecules with a SMILES column and assay columns named as the "
                  "assays (NR-AR, SR-p53, ...): 1 active, 0 inactive, blank not measured.",
                  None),
    "genomics": (["fa", "fasta", "fna", "csv", "txt", "zip"],
                 "Windows of up to 400 nt: FASTA with `label=EI` (or `class=`) in each header, "
                 "or a CSV with a class column.", "Labels CSV `name,label` (optional)"),
}
TARGETS = {"keep the shipped threshold's sensitivity": None, "reach a sensitivity": "sensitivity",
           "reach a PPV": "ppv"}


def _key(model_id: str, what: str) -> str:
    return f"validate_{model_id}_{what}"


def reliability_figure(curves: list[tuple[str, dict]]) -> go.Figure:
    """Observed rate against mean predicted probability, one line per curve, with the
    diagonal of perfect calibration."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect calibration",
                             line={"color": "#bbb", "dash": "dot"}))
    for name, c in curves:
        fig.add_trace(go.Scatter(x=c["prob_pred"], y=c["prob_true"], mode="lines+markers",
                                 name=name))
    fig.update_layout(height=380, margin={"t": 30, "b": 10}, xaxis_title="mean predicted "
                      "probability", yaxis_title="observed rate", title="Reliability curve",
                      xaxis_range=[0, 1], yaxis_range=[0, 1],
                      legend={"orientation": "h", "y": -0.25})
    return fig


def _measure(model_id: str, files, labels, target: str | None, value: float | None) -> None:
    from medcore.validation import cases, measure

    bundle = components.get_model(model_id)
    if bundle is None:
        return
    with st.status(f"Scoring and measuring {model_id} on your cases…", expanded=False) as s:
        try:
            labelled = cases.read(bundle, files, labels)
            result = measure.run(bundle, labelled, fit=True, target=target, value=value,
                                 n_boot=500)
        except InputError as err:
            s.update(label="Not measured", state="error")
            st.session_state[_key(model_id, "result")] = {"error": str(err)}
            return
        s.update(label="Measured", state="complete")
    st.session_state[_key(model_id, "result")] = result


def _show_task(model_id: str, name: str, t: dict, card: dict) -> None:
    from medcore.validation import report

    if "figures" not in t:
        st.warning(t.get("note", "Not measured."))
        return
    f = t["figures"]
    left, right = st.columns([3, 2])
    rec = t.get("recalibration")
    left.dataframe(pd.DataFrame(report.compare_rows([f, t["card"]]),
                                columns=["figure", f"your {t['n']:,} cases", "card (held-out)"]),
                   hide_index=True)
    ci = (f.get("ci95") or {}).get("roc_auc")
    interval = (f"ROC-AUC 95 % bootstrap interval {ci[0]:.3f}–{ci[1]:.3f}. "
                if ci and None not in ci else "")
    left.caption(f"{interval}Card: {t['card'].get('split', '')}.")
    curves = [("your cases", f["calibration"])]
    held = report.card_curve(card) if name == "main" and len(t["classes"]) == 2 else None
    if held:
        curves.append(("card (held-out)", held))
    if rec:
        curves.append(("recalibrated (check half)", rec["check"]["after"]["calibration"]))
    right.plotly_chart(reliability_figure(curves), key=_key(model_id, f"rel_{name}"))
    m = f["confusion"]
    thr = f" at the shipped threshold {f['threshold']:.3g}" if "threshold" in f else ""
    st.markdown(f"**Calls{thr}** (rows: truth, columns: call)")
    st.dataframe(pd.DataFrame(m["matrix"], index=m["labels"], columns=m["labels"]))
    if f.get("wrong_and_confident"):
        st.markdown("**Wrong and confident** (most confident first)")
        st.dataframe(pd.DataFrame(f["wrong_and_confident"]), hide_index=True, height=200)
    for col, values in t.get("subgroups", {}).items():
        st.markdown(f"**By {col}**")
        st.dataframe(pd.DataFrame([{"group": v, "n": g.get("n"), "roc_auc": g.get("roc_auc"),
                                    "ece": g.get("ece"), "sensitivity": g.get("sensitivity"),
                                    "ppv": g.get("ppv"),
                                    "coverage": (g.get("prediction_sets") or {}).get("coverage"),
                                    "note": g.get("note", "")}
                                   for v, g in values.items()]), hide_index=True)
    if rec:
        st.markdown(f"**Recalibration**: {rec['map']} map; threshold "
                    f"{rec['threshold']:.4g} ({rec['threshold_rule']})"
                    if rec["threshold"] is not None else
                    f"**Recalibration**: {rec['map']} map; calls by {rec['threshold_rule']}")
        st.dataframe(pd.DataFrame(report.compare_rows([rec["check"]["before"],
                                                       rec["check"]["after"]]),
                                  columns=["figure", "shipped model", "recalibrated"]),
                     hide_index=True)
        st.caption(f"Fitted on {rec['n_fit']} of your cases, measured on the other "
                   f"{rec['n_check']} (both columns on those). {rec['guarantee']} A class "
                   "with too few fit cases for a level is always in the set at that level.")


def _results(model_id: str, card: dict) -> None:
    from medcore.validation import profile, report

    result = st.session_state.get(_key(model_id, "result"))
    if not result:
        return
    if "error" in result:
        st.error(result["error"])
        return
    tasks = result["tasks"]
    names = list(tasks)
    name = names[0]
    if len(names) > 1:  # opens on the measured output with the most cases of its rarer class
        best = max(names, key=lambda n: ("figures" in tasks[n], min(tasks[n]["class_counts"])))
        name = st.selectbox("Output", names, index=names.index(best), key=_key(model_id, "task"),
                            format_func=lambda n: n if "figures" in tasks[n]
                            else f"{n} (too few cases)")
    _show_task(model_id, name, tasks[name], card)
    if result.get("n_notes"):
        with st.expander(f"{result['n_notes']} inputs left out or noted"):
            st.write("\n".join(f"- {n}" for n in result["notes"]))
    c1, c2 = st.columns(2)
    c1.download_button("Download site profile (JSON)", profile.to_bytes(result["profile"]),
                       file_name=f"{model_id}-site-profile.json", mime="application/json",
                       key=_key(model_id, "dl_profile"),
                       help=f"{result['profile_label']}; sha256 {result['profile']['sha256'][:12]}")
    c2.download_button("Download validation report (HTML)",
                       lambda: report.build(result, card).encode(),
                       file_name=f"{model_id}-validation.html", mime="text/html",
                       key=_key(model_id, "dl_report"))


def _load_profile(model_id: str, card: dict) -> dict | None:
    from medcore.validation import profile

    up = st.file_uploader("Load a site profile", type=["json"], key=_key(model_id, "profile"),
                          help="A profile downloaded here for this model; results below are "
                               "then also shown recalibrated, and say so.")
    if up is None:
        return None
    try:
        prof = profile.loads(up.getvalue(), card, up.name)
    except InputError as err:
        components.file_error(up.name, str(err))
        return None
    st.success(f"Site profile loaded: {profile.label(prof)}.", icon=":material/tune:")
    return prof


def site_frame(model_id: str, rows: list[dict], prof: dict) -> pd.DataFrame:
    """One row per result (per assay for tox-cnn): the shipped probability beside the profile's
    probability, call and prediction set."""
    from medcore.conformal import describe
    from medcore.validation.annotate import annotate

    bench = registry.spec(model_id).workbench
    wrapped = {"history": [{"patients": copy.deepcopy(rows)}],
               "molecules": [{"molecules": copy.deepcopy(rows)}]}.get(bench,
                                                                       copy.deepcopy(rows))
    annotate(model_id, wrapped, prof)
    out = []
    if bench == "history":
        for r in wrapped[0]["patients"]:
            out.append({"patient": r["patient_id"], "risk (shipped)": r["risk"],
                        **_site_cols(r.get("site"), describe)})
    elif bench == "molecules":
        for r in wrapped[0]["molecules"]:
            for a, s in (r.get("site") or {}).get("assays", {}).items():
                out.append({"molecule": r["name"], "assay": a,
                            "probability (shipped)": r["probabilities"][a],
                            **_site_cols(s, describe)})
    else:
        for r in wrapped:
            if r.get("site"):
                out.append({"input": r.get("file") or r.get("name"),
                            **_site_cols(r["site"], describe)})
    return pd.DataFrame(out)


def _site_cols(s: dict | None, describe) -> dict:
    if not s:
        return {}
    return {"recalibrated probability": s["probability"], "call (site)": s["call"] or "withheld",
            f"prediction set at {s['level']:.0%} (site)": (describe(s["prediction_set"])
                                                           if s["prediction_set"] is not None
                                                           else "")}


def validate_step(model_id: str, rows: list[dict] | None = None) -> dict | None:
    """The whole step in an expander; returns the loaded site profile (or None). ``rows``: the
    page's current results (the service's dicts), shown again with the profile applied."""
    from medcore.validation import profile

    bench = registry.spec(model_id).workbench
    types, what, labels_text = INPUTS[bench]
    with st.expander(f"Validate {model_id} on my data", key=_key(model_id, "open")):
        if not registry.is_trained(model_id):
            st.info(f"{model_id} is not trained yet.")
            return None
        from medcore.cards import load_card

        card = load_card(registry.model_folder(model_id))  # the model loads only to measure
        st.caption(f"{what} At least 50 labelled cases, 10 of each class. Figures are shown "
                   "beside the model card's held-out figures; nothing you upload is kept.")
        files = components.uploaded_files("Labelled cases", types, _key(model_id, "files"))
        labels = None
        if labels_text:
            got = components.uploaded_files(labels_text, ["csv", "txt"],
                                            _key(model_id, "labels"))
            labels = got[0] if got else None
        c1, c2 = st.columns(2)
        choice = c1.radio("Site threshold", list(TARGETS), key=_key(model_id, "target"),
                          disabled=bench == "genomics",
                          help="The decision threshold the site profile will use.")
        value = c2.number_input("Target", 0.05, 0.99, 0.9, 0.01, key=_key(model_id, "value"),
                                disabled=TARGETS[choice] is None)
        if st.button("Measure and recalibrate", key=_key(model_id, "run"), type="primary",
                     disabled=not files):
            _measure(model_id, files, labels, TARGETS[choice],
                     value if TARGETS[choice] else None)
        _results(model_id, card)
        st.divider()
        prof = _load_profile(model_id, card)
        if prof is not None and rows:
            st.markdown(f"**Results with the site profile** ({profile.label(prof)})")
            st.dataframe(site_frame(model_id, rows, prof), hide_index=True)
            outputs = card.get("metrics", {}).get("per_assay_roc_auc", {})
            unfitted = [a for a in outputs if profile.task(prof, a) is None]
            if unfitted:
                st.caption("Not recalibrated (too few local cases): "
                           f"{', '.join(unfitted)}; their answers stay the shipped model's.")
    return prof

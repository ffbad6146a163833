"""Drug discovery: Tox21 toxicity per assay with per-atom attribution, and a molecule generator."""

from __future__ import annotations

import hashlib

import pandas as pd
import plotly.express as px
import streamlit as st

from medcore import registry, report
from medcore.errors import InputError
from medcore.molecules import draw, examples, io, service
from medcore.report import molecules as molecules_report
from ui import components
from ui.validate import validate_step

components.use_app_navigation()

(TOX,) = registry.ids("molecules", registry.CLASSIFIER)
(GAN,) = registry.ids("molecules", registry.GENERATOR)
GRID_MAX = 12

st.title("Drug discovery")
st.write("Predict activity in the 12 **Tox21** in-vitro assays for your molecules, see which "
         "atoms drove each prediction and how near each is to the training molecules, and "
         "generate new candidates filtered by toxicity and QED.")
score_tab, gen_tab = st.tabs(["Score molecules", "Generator"])


def _sources() -> list[tuple[str, bytes]]:
    files = components.uploaded_files("SMILES (.smi/.txt), CSV with a SMILES column, or SDF",
                                      ["smi", "smiles", "txt", "csv", "tsv", "sdf", "sd", "mol"],
                                      key="drugs_upload")
    pasted = st.text_area("…or paste SMILES, one per line (optionally followed by a name)",
                          key="drugs_paste", height=100)
    if st.button("Try an example", help="Well-known drugs and molecules drawn from mol-gan"):
        st.session_state["drugs_example"] = True
    out = list(files)
    if pasted.strip():
        out.append(("pasted SMILES", pasted.encode()))
    if st.session_state.get("drugs_example"):
        st.caption("Example: well-known drugs typed as SMILES (aspirin, caffeine, ibuprofen, …).")
        out.append(("example drugs.smi", examples.examples_text().encode()))
    return out


def _parse(sources: list[tuple[str, bytes]]) -> list[io.MolRecord]:
    """Scored and not-scored records of every source; each file's problems shown beside it."""
    records: list[io.MolRecord] = []
    for k, (name, data) in enumerate(sources):
        fname = name if "." in name else "pasted.smi"
        try:
            batch = io.load_upload(fname, data)
            if batch.needs_column:
                col = st.selectbox(f"Which column of **{name}** holds the SMILES?",
                                   batch.column_candidates, key=f"drugs_col_{k}")
                batch = io.load_upload(fname, data, smiles_column=col)
        except InputError as err:
            components.file_error(name, str(err))
            continue
        for rec in batch.records:
            rec.name = f"{rec.name}" if len(sources) == 1 else f"{name}: {rec.name}"
        bad = batch.invalid
        if bad:
            components.file_error(name, f"{len(bad)} of {len(batch.records)} rows could not be "
                                  "used (details below); the others were scored.")
            st.dataframe(pd.DataFrame([{"row": r.row, "name": r.name, "problem": r.error}
                                       for r in bad]), hide_index=True)
        for note in batch.notes:
            st.info(f"**{name}**: {note}")
        skipped = batch.unscored
        if skipped:
            st.warning(f"**{name}**: {len(skipped)} molecule(s) not scored: "
                       + " ".join(f"**{r.name}**: {r.not_scored.removeprefix('Not scored: ')}"
                                  for r in skipped[:5]),
                       icon=":material/block:")
        changed = [r for r in batch.valid if r.note]
        if changed:
            st.info(f"**{name}**: salts reduced to their parent. "
                    + " ".join(f"**{r.name}**: {r.note}" for r in changed[:5])
                    + (f" (and {len(changed) - 5} more, see the note column)"
                       if len(changed) > 5 else ""))
        records.extend(r for r in batch.records if not r.error)
    return records


def _score(tox, records: list[io.MolRecord]) -> list[service.MoleculeResult]:

    key = hashlib.sha256(repr([(r.name, r.smiles, r.not_scored) for r in records]).encode()
                         ).hexdigest()
    if st.session_state.get("drugs_key") != key:
        n = len([r for r in records if r.smiles])
        with st.status(f"Scoring {n} molecule(s) and explaining the first "
                       f"{min(n, GRID_MAX)}…", expanded=False) as status:
            batch = io.MolBatch(records=records)
            st.session_state["drugs_rows"] = service.analyse(tox, batch, explain_top=GRID_MAX,
                                                             full_attribution=True)
            st.session_state["drugs_key"] = key
            st.session_state["drugs_attribution"] = {}
            status.update(label="Done", state="complete")
    return st.session_state["drugs_rows"]


def _help(tox) -> dict:
    """Column help for the results table: glossary text, each assay's base rate, threshold and
    held-out precision, and the domain's cut-off."""
    from medcore.molecules import glossary
    from medcore.molecules.service import domain_threshold
    from medcore.molecules.tox import calls

    rules = calls.Rules.of(tox)
    cfg = {}
    for a, r in rules.assays.items():
        rests = (f"Called active at >= {r.threshold:.2f} (held-out precision {r.precision:.2f}, "
                 f"sensitivity {r.sensitivity:.2f})" if r.makes_calls else
                 f"No call: {r.why_not}")
        cfg[a] = st.column_config.ProgressColumn(
            a, min_value=0.0, max_value=1.0, format="%.2f",
            help=f"{glossary.describe(a)} Base rate {r.base_rate:.1%}. {rests}.")
    cfg["active_assays"] = st.column_config.TextColumn(
        "called active", help="Assays called active: " + calls.RULE)
    cfg["top_assay"] = st.column_config.TextColumn(
        "top assay", help="The assay with the highest probability relative to its threshold.")
    cfg["top_assay_call"] = st.column_config.TextColumn(
        "top assay: call", help="active, uncertain, below threshold or no call (one rule, "
        "shown under 'When is a molecule called active?').")
    cfg["measured_in_tox21"] = st.column_config.TextColumn(
        "measured in Tox21", help="For a molecule Tox21 holds (same standardised parent): its "
        "measured labels, and whether the model trained on it.")
    cfg["nearest_training_similarity"] = st.column_config.NumberColumn(
        "nearest training similarity", format="%.2f",
        help=f"{glossary.DOMAIN} Threshold {domain_threshold(tox):.2f}.")
    cfg["far_from_training"] = st.column_config.CheckboxColumn(
        "far from training", help=f"Nearest training molecule below {domain_threshold(tox):.2f}"
        " Tanimoto: calls become uncertain.")
    cfg["top_assay_set"] = st.column_config.TextColumn(
        "top assay: prediction set", help="The top assay's conformal set at the chosen level; "
        "a call is active only when it is {active}.")
    cfg["uncertain_assays"] = st.column_config.TextColumn(
        "uncertain assays", help="Assays whose call is uncertain: at or over the threshold "
        "but the members disagree, the molecule is far from training or the set is not "
        "{active}; or below it with the set {active}.")
    cfg["top_assay_member_sd"] = st.column_config.NumberColumn(
        "members' spread (SD)", format="%.3f", help="Standard deviation of the ensemble "
        "members' probabilities for the top assay: a large spread means they disagree.")
    cfg["note"] = st.column_config.TextColumn(
        "note", help="What was removed before scoring, or why a molecule was not scored.")
    return cfg


def _results(tox, rows: list[service.MoleculeResult]) -> None:
    from medcore.molecules import glossary

    scored = [r for r in rows if r.scored]
    st.info(glossary.SCOPE, icon=":material/info:")
    if not scored:
        st.warning("None of the molecules could be scored; the reasons are above.")
        return
    shown = scored[:GRID_MAX]
    _thresholds(tox)
    _calls(tox, shown, len(scored))
    st.subheader("Molecules coloured by attribution")
    st.caption("Atoms shaded red raise, blue lower the probability of each molecule's top assay "
               "(integrated gradients; top = highest probability relative to the assay's "
               "threshold). Legend: name, top assay and its probability.")
    legends = [f"{r.name} | {r.top_assay} {r.probabilities[r.top_assay]:.2f}" for r in shown]
    st.image(draw.grid_png([r.smiles for r in shown], legends,
                           [r.atom_attribution for r in shown]))
    df = service.rows_to_frame(rows)
    assays = tox.extras["preprocess"]["assays"]
    st.subheader("Probabilities per assay")
    st.dataframe(df, hide_index=True, column_config=_help(tox))
    export = service.export_frame(tox, df, rows)
    components.download_table(export, "medcore_tox21_predictions.csv", key="drugs_dl")
    st.download_button(
        "Download reports + CSV (ZIP)", lambda args=(tox, scored),
        csv=export.to_csv(index=False).encode(): report.zip_bytes(
            molecules_report.cases(*args), "medcore_tox21_predictions.csv", csv),
        file_name="tox21_reports.zip", mime="application/zip", key="drugs_zip",
        help=f"One HTML report per scored molecule and the table; atom maps for the first "
             f"{GRID_MAX}.")
    _glossary()
    head = df[df["top_assay"].notna()].head(60)
    fig = px.imshow(head[assays].to_numpy(), x=assays, y=[f"{r}. {n}" for r, n in zip(
        head["row"], head["name"], strict=True)], zmin=0, zmax=1, aspect="auto",
        color_continuous_scale="Blues", labels={"color": "probability"})
    st.plotly_chart(fig, key="drugs_heat")
    st.caption("Probabilities, not calls (blue, so that red on this page means only a call of "
               "active): an assay's call depends on its own threshold, the members' agreement "
               "and the domain, listed under 'Calls per molecule'.")
    _detail(tox, scored, assays)


def _thresholds(tox) -> None:
    """The rule and, per assay, what a call rests on: shown, not folded away."""
    from medcore.molecules import glossary
    from medcore.molecules.tox import calls

    rules = calls.Rules.of(tox)
    st.subheader("When is a molecule called active?")
    st.write(calls.RULE)
    st.caption((f"Members disagree above SD {rules.sd_cut:.2f} (measured on validation calls: "
                "above it they were clearly less precise). " if rules.sd_cut is not None else
                "No members' SD cut: validation calls were not less precise at any spread. ")
               + "Base rate: the share of training "
               "molecules measured active. Held-out: the random split's test molecules.")
    table = pd.DataFrame(rules.table())
    table.insert(1, "what it measures", [glossary.ASSAYS[a].title for a in table["assay"]])
    st.table(table.style.format({"base rate": "{:.1%}", "threshold": "{:.3f}",
                                 "held-out precision": "{:.2f}",
                                 "held-out sensitivity": "{:.2f}"}, na_rep="–"))


def _chip(word: str) -> str:
    """A call as a coloured label, in the colours the report and the charts use."""
    from medcore.molecules.tox import calls

    return (f'<span style="background-color:{calls.COLOURS[word]};color:white;'
            f'padding:0 5px;border-radius:4px;font-weight:600">{word}</span>')


def _calls(tox, rows: list[service.MoleculeResult], n_scored: int) -> None:
    """One line per molecule: its active and uncertain calls with their probabilities beside
    the base rate, and Tox21's measured labels where it holds the molecule."""
    from html import escape

    from medcore.molecules.tox import calls

    st.subheader("Calls per molecule")
    if n_scored > len(rows):
        st.caption(f"The first {len(rows)} of {n_scored}; the table below has them all.")
    rules = calls.Rules.of(tox)
    lines = []
    for r in rows:
        parts, quiet = [], []
        for a, w in r.calls.items():
            p, base = r.probabilities[a], rules.assays[a].base_rate
            if w == calls.UNCERTAIN and p < rules.assays[a].threshold:
                quiet.append(a)  # below the threshold, its set {active}: listed compactly
            elif w in (calls.ACTIVE, calls.UNCERTAIN):
                why = f"; {escape(r.call_reasons[a])}" if a in r.call_reasons else ""
                parts.append(f"{_chip(w)} **{a}** P {p:.2f} ({calls.lift(p, base)}x base "
                             f"rate {base:.1%}{why})")
        if quiet:
            parts.append(f"{_chip(calls.UNCERTAIN)} below threshold, prediction set "
                         f"{{active}}: {', '.join(quiet)}")
        below = sum(w == calls.BELOW for w in r.calls.values())
        nocall = sum(w == calls.NO_CALL for w in r.calls.values())
        parts.append(f"below threshold in {below}" + (f", no call in {nocall}" if nocall
                                                       else ""))
        tail = f" — {r.measured_summary}" if r.measured_summary else ""
        lines.append(f"- **{escape(str(r.name))}**: " + " · ".join(parts) + tail)
    st.markdown("\n".join(lines), unsafe_allow_html=True)


def _glossary() -> None:
    from medcore.molecules import glossary

    with st.expander("Glossary: the 12 assays and the descriptors, in plain words"):
        st.markdown("\n".join(f"- **{a}**: {x.text()}" for a, x in glossary.ASSAYS.items()))
        st.markdown("**Descriptors** (whole-molecule properties beside each drawing):")
        st.dataframe(pd.DataFrame({"descriptor": list(glossary.DESCRIPTORS),
                                   "meaning": list(glossary.DESCRIPTORS.values())}),
                     hide_index=True)


def _detail(tox, rows: list[service.MoleculeResult], assays: list[str]) -> None:
    from medcore.molecules import glossary

    st.subheader("Why this prediction? (per-atom attribution)")
    names = [r.name for r in rows]
    i = st.selectbox("Molecule", range(len(rows)), format_func=lambda k: names[k],
                     key="drugs_pick")
    row = rows[i]
    a = st.selectbox("Assay", assays, index=assays.index(row.top_assay),
                     key=f"drugs_assay_{i}", help="Opens on the molecule's top assay: the "
                     "highest probability relative to the assay's threshold.")
    st.caption(f"**{a}**: {glossary.describe(a)}")
    _certainty(tox, row, a)
    _call_table(tox, row)
    st.download_button(  # built here (about 0.1 s): a deferred build once hung in the browser
        "Download this molecule's report (HTML)",
        report.build(molecules_report.cases(tox, [row])[0]),
        file_name=report.file_name(TOX, row.name), mime="text/html",
        key=f"drugs_report_{i}", help="Self-contained: opens offline, figures inside.")
    cache = st.session_state.setdefault("drugs_attribution", {})
    if (row.smiles, a) not in cache:
        with st.spinner("Computing the attribution…"):
            cache[(row.smiles, a)] = service.explain(tox, [row], assay=a)[0].explanation
    parts = cache[(row.smiles, a)]
    left, right = st.columns(2)
    with left:
        st.code(row.smiles, language=None)
        if row.note:
            st.caption(row.note)
        st.image(draw.similarity_map_png(row.smiles, parts.atoms),
                 caption=f"{a}: red atoms raise the probability, blue lower it (the graph's "
                         "atoms and bonds and the ECFP4 substructures the molecule has, against "
                         "a copy of the molecule with no features)")
        top = parts.top_descriptors()
        whole = pd.DataFrame({"property": [k for k, _ in top],
                              "attribution": [v for _, v in top],
                              "meaning": [glossary.describe(k) for k, _ in top]})
        fig = px.bar(whole, x="attribution", y="property", orientation="h",
                     hover_data=["meaning"], color=whole["attribution"] > 0,
                     color_discrete_map={True: "#d62728", False: "#1f77b4"})
        fig.update_layout(showlegend=False, yaxis={"autorange": "reversed"}, height=300,
                          margin={"t": 10})
        st.caption("Whole-molecule contributions, not drawn on atoms: RDKit descriptors "
                   "and the ECFP4 substructures this molecule lacks (meanings below).")
        st.plotly_chart(fig, key="drugs_whole")
        st.markdown("\n".join(f"- **{k}**: {m}" for k, m in zip(whole["property"],
                                                                 whole["meaning"], strict=True)))
    with right:
        from medcore.molecules.tox import calls

        rules = calls.Rules.of(tox)
        prob = pd.DataFrame({"assay": assays, "probability": [row.probabilities[x]
                                                             for x in assays],
                             "threshold": [rules.assays[x].threshold for x in assays],
                             "call": [row.calls[x] for x in assays]})
        fig = px.bar(prob, x="probability", y="assay", color="call", orientation="h",
                     range_x=[0, 1], hover_data=["threshold"],
                     color_discrete_map=calls.COLOURS)
        fig.add_scatter(x=prob["threshold"], y=prob["assay"], mode="markers", name="threshold",
                        marker={"symbol": "line-ns-open", "size": 14, "color": "black"})
        st.plotly_chart(fig, key="drugs_bar")
        st.caption("Black ticks: each assay's threshold; colours: each assay's call. "
                   + calls.RULE)
        _domain(tox, row)


def _certainty(tox, row: service.MoleculeResult, assay: str) -> None:
    """The assay's call, in the colour and words of the one rule (never a green "active")."""
    from medcore.conformal import describe
    from medcore.molecules.tox import calls

    r = calls.Rules.of(tox).assays[assay]
    word = row.calls[assay]
    p, sd = row.probabilities[assay], row.member_sd[assay]
    base = (f"base rate {r.base_rate:.1%}, {calls.lift(p, r.base_rate)}x" if r.base_rate
            else "")
    rests = (f"threshold {r.threshold:.2f}: held-out precision {r.precision:.2f}, sensitivity "
             f"{r.sensitivity:.2f}" if r.makes_calls else "")
    text = (f"{assay}: probability {p:.2f} ({base}); {rests}; members' SD {sd:.3f}; "
            f"prediction set at {row.level:.0%}: {describe(row.prediction_sets[assay])}")
    why = row.call_reasons.get(assay, "")
    if word == calls.ACTIVE:
        st.error(f"{text}: called **active**.", icon=":material/science:")
    elif word == calls.UNCERTAIN:
        st.warning(f"{text}: **uncertain** ({why}), no call of activity.",
                   icon=":material/help:")
    elif word == calls.NO_CALL:
        st.info(f"{text}: **no call** ({why}).", icon=":material/block:")
    else:
        st.info(f"{text}: **below threshold**, no call of activity (not a call of "
                "inactivity).", icon=":material/remove:")
    if row.measured:
        summary = row.measured_summary
        st.caption(f"{summary[0].upper()}{summary[1:]}. Measured in {assay}: "
                   f"**{row.measured[assay]}**.")


def _call_table(tox, row: service.MoleculeResult) -> None:
    """All twelve calls of one molecule, coloured by the rule's colour."""
    from medcore.molecules.tox import calls

    rules = calls.Rules.of(tox)
    df = pd.DataFrame([{
        "assay": a, "probability": p, "base rate": rules.assays[a].base_rate,
        "x base rate": calls.lift(p, rules.assays[a].base_rate),
        "threshold": rules.assays[a].threshold,
        "held-out precision": rules.assays[a].precision,
        "held-out sensitivity": rules.assays[a].sensitivity,
        "call": row.calls[a], "why": row.call_reasons.get(a, ""),
        **({"measured in Tox21": row.measured[a]} if row.measured else {})}
        for a, p in row.probabilities.items()])
    style = df.style.apply(lambda col: [f"background-color: {calls.BACKGROUNDS[w]}"
                                        for w in df["call"]], subset=["call"])
    st.table(style.format({"probability": "{:.3f}", "base rate": "{:.1%}",
                           "threshold": "{:.3f}", "held-out precision": "{:.2f}",
                           "held-out sensitivity": "{:.2f}", "x base rate": "{:.1f}"},
                          na_rep="–"))


def _domain(tox, row: service.MoleculeResult) -> None:
    """The nearest training molecule, drawn, and the measured curve behind the far flag."""
    from medcore.molecules import glossary

    ad = tox.card["metrics"]["applicability_domain"]
    sim = row.nearest_training_similarity
    st.markdown(f"**Applicability domain**: nearest training molecule, Tanimoto {sim:.2f} "
                f"(counted as far below {ad['threshold']:.2f}).")
    st.image(draw.grid_png([row.smiles, row.nearest_training_smiles],
                           [row.name, f"nearest in training: {sim:.2f}"], per_row=2,
                           size=240))
    if row.far_from_training:
        st.warning(f"Far from training: similarity {sim:.2f} is below {ad['threshold']:.2f}. "
                   f"On the scaffold test split such molecules scored mean ROC-AUC "
                   f"{ad['roc_auc_below']} against {ad['roc_auc_at_or_above']} for nearer "
                   "ones: treat these probabilities as rough.", icon=":material/explore_off:")
    else:
        st.success(f"Within the training domain (similarity {sim:.2f} >= {ad['threshold']:.2f}).")
    bins = pd.DataFrame(ad["bins"])
    bins["similarity"] = [f"{b['from']:.1f}–{b['to']:.1f}" for b in ad["bins"]]
    bins["domain"] = ["far" if b["to"] <= ad["threshold"] else "near" for b in ad["bins"]]
    fig = px.bar(bins, x="similarity", y="mean_roc_auc", hover_data=["n_molecules"],
                 color="domain", color_discrete_map={"far": "#ff7f0e", "near": "#1f77b4"},
                 range_y=[0.5, 1], labels={"mean_roc_auc": "mean ROC-AUC",
                                           "similarity": "nearest-neighbour similarity"})
    fig.update_layout(height=260, margin={"t": 30}, title="How accuracy falls with distance "
                      "(scaffold test split)")
    st.plotly_chart(fig, key="drugs_domain")
    st.caption(f"{glossary.DOMAIN} Threshold rule: {ad['rule']}.")


def _moses_table(card: dict) -> None:
    """The generator beside MOSES's published models, figures from the mol-gan card."""
    from medcore.molecules.generate.moses_metrics import comparison

    table = card["metrics"].get("moses")
    if not table:
        return
    with st.expander("How does it compare with published generators? (MOSES benchmark)"):
        rows = pd.DataFrame(comparison(table)).set_index("figure")
        st.table(rows.map(lambda v: "–" if v is None or pd.isna(v) else f"{v:.3f}"))
        ref, n_train = table["reference"], card["dataset"]["counts"]["train"]["molecules"]
        st.caption(
            "All figures run from 0 to 1; higher is better. *Unseen MOSES molecules* is MOSES's "
            "test set, *unseen scaffolds* its test set of ring scaffolds absent from its "
            "training set (so ring-scaffold similarity to it is low for every model). Similarity: "
            "nearest neighbour by Tanimoto on Morgan fingerprints; fragments and ring scaffolds "
            "by how often each occurs (cosine). Structural filters here are RDKit's PAINS and "
            "Brenk alerts (Brenk is stricter than MOSES's own list). "
            f"This model learned from {n_train:,} molecules and is measured on 10,000 draws "
            f"(seed 0, no realism filter) against {ref['n_per_set']:,} molecules of each test "
            "set; the published models learned from all 1.58 M MOSES molecules and were "
            "measured on 30,000 draws against all 176,000, so compare loosely. FCD is not "
            "shown: its ChemNet weights ship only for PyTorch. Source: "
            + card.get("moses_published", {}).get("source", "MOSES README"))


with score_tab:
    components.model_summary(TOX)
    records = _parse(_sources())
    if not records:
        st.info("Paste SMILES, upload a file, or press **Try an example**.")
    else:
        tox = components.get_model(TOX)
        if tox is not None:
            level = st.slider(
                "Prediction-set level", 0.5, 0.99, 0.9, 0.01, key="drugs_level",
                help="Per assay, a conformal prediction set holds the true class with at least "
                     "this probability for molecules like the validation molecules: {active} "
                     "or {inactive} = a call at this level, both = uncertain.")
            _results(tox, service.set_level(tox, _score(tox, records), level))
    scored_rows = st.session_state.get("drugs_rows") if records else None
    validate_step(TOX, None if scored_rows is None
                  else [r.to_row() for r in scored_rows])

with gen_tab:
    components.model_summary(GAN)
    c1, c2, c3, c4 = st.columns(4)
    n = c1.number_input("Molecules to generate", 10, 5000, 300, step=50, key="gen_n")
    seed = c2.number_input("Seed", 0, 10**6, 0, key="gen_seed")
    drop = c3.multiselect(
        "Drop molecules with a call of", ["active", "uncertain"], ["active", "uncertain"],
        key="gen_drop", help="The Score tab's calls, made by the same rule at the Score tab's "
        "prediction-set level: 'active' in any assay, and 'uncertain' (members disagree, far "
        "from training, or the set and the threshold disagree).")
    min_qed = c4.slider("Min QED (drug-likeness)", 0.0, 1.0, 0.5, key="gen_qed")
    realistic = st.checkbox(
        "Realism filter", True, key="gen_real",
        help="Keep drawing until this many molecules pass: no ring of 8+ atoms, no PAINS or "
             "Brenk alert, no charged or unusual atoms, and an SA score no worse than 90 % of "
             "the training set. Off: the raw generator (see the mol-gan card for both).")
    if registry.is_trained(GAN):
        from medcore.cards import load_card
        from medcore.molecules.generate.realism import comparison

        with st.expander("How realistic are the molecules? (10,000 drawn with seed 0)"):
            st.dataframe(comparison(load_card(registry.model_folder(GAN))["metrics"]),
                         hide_index=True)
            st.caption("Structural filters: RDKit's PAINS and Brenk alerts, no charged atoms, "
                       "only C N S O F Cl Br H, no ring of 8+ atoms (as MOSES). Shares are of "
                       "unique molecules; figures are from the mol-gan model card. With the "
                       "filter on, **Generate** keeps drawing until it has that many different "
                       "molecules, so its output has no repeats.")
        _moses_table(load_card(registry.model_folder(GAN)))
    if st.button("Generate", type="primary", key="gen_go"):
        gan = components.get_model(GAN)
        if gan is not None:
            from medcore.molecules.generator import propose

            with st.status(f"Generating {n} molecules and scoring them…") as status:
                tox_model = (components.get_model(TOX) if registry.is_trained(TOX)
                             else None)
                if tox_model is None:
                    st.info("tox-cnn is not available: the toxicity filter is skipped.")
                level = float(st.session_state.get("drugs_level", 0.9))
                st.session_state["gen_rows"] = propose(gan, tox_model, int(n), int(seed),
                                                       min_qed, realistic, tuple(drop), level)
                status.update(label="Done", state="complete")
    rows = st.session_state.get("gen_rows")
    if rows is None:
        st.info("Choose how many molecules and a seed, then press **Generate** "
                "(works without the data folder).")
    elif not rows:
        st.warning("No valid molecule was generated; try another seed or more molecules.")
    else:
        from medcore.molecules.generator import to_sdf

        df = pd.DataFrame(rows)
        kept = df[df["passes"]]
        st.write(f"{len(df)} unique valid molecules, {int(df['novel'].sum())} not in the "
                 f"training set; **{len(kept)} pass** the filters.")
        hover = [c for c in ("smiles", "active_assays", "uncertain_assays") if c in df]
        fig = px.scatter(df, x="qed", y="sa_score", color="passes", hover_data=hover)
        st.plotly_chart(fig, key="gen_scatter")
        if kept.empty:
            st.warning("No molecule passes both filters: drop fewer calls, lower the QED "
                       "minimum, or draw more molecules.")
        else:
            top = kept.sort_values("qed", ascending=False).head(GRID_MAX)
            legends = [f"QED {q:.2f} SA {a:.1f}" for q, a in
                       zip(top["qed"], top["sa_score"], strict=True)]
            st.image(draw.grid_png(top["smiles"].tolist(), legends))
            st.dataframe(kept, hide_index=True)
            d1, d2 = st.columns(2)
            d1.download_button("Download SMILES", "\n".join(kept["smiles"]) + "\n",
                               "medcore_generated.smi", key="gen_dl_smi")
            d2.download_button("Download SDF", to_sdf(kept.to_dict("records")),
                               "medcore_generated.sdf", key="gen_dl_sdf")

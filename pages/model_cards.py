"""Model cards: what data each model saw, its held-out metrics and plots."""

import streamlit as st

from medcore import plots, registry
from medcore.cards import baselines_table, figure_words, figures_table, load_card, metric
from ui import components

components.use_app_navigation()

st.title("Model cards")
st.write("Every figure here was measured on held-out data and can be recomputed with "
         "`python -m medcore evaluate ID --json`.")

trained = [m for m in registry.MODELS if registry.is_trained(m)]
untrained = [m for m in registry.MODELS if m not in trained]
if untrained:
    st.caption("Not trained yet: " + ", ".join(f"`{m}`" for m in untrained))
if not trained:
    st.info("No trained models in assets/models yet. Train one with `python -m medcore train ID`.")
    st.stop()


def _prose(value) -> str:
    """Card fields may be text, a list of points, or a dict with a ``text`` entry."""
    if isinstance(value, dict):
        extra = f" ({value['params']:,} parameters)" if "params" in value else ""
        return str(value.get("text", value)) + extra
    if isinstance(value, list):
        return "\n".join(f"- {v}" for v in value)
    return str(value)


model_id = st.selectbox("Model", trained, format_func=lambda m: f"{m}: {registry.MODELS[m].title}")
card = load_card(registry.model_folder(model_id))
spec = registry.spec(model_id)
st.subheader(card.get("task", model_id))
st.markdown(f"**Intended use:** {_prose(card['intended_use'])}")
if spec.cannot:
    st.markdown(f"**What it cannot do:** {spec.cannot}")
ds = card["dataset"]
st.markdown(f"**Data:** {ds.get('name')} ({ds.get('licence', '')}). "
            f"**Split:** {_prose(ds.get('split', ''))}")
st.caption(f"{ds.get('source', '')} {ds.get('citation', '')}")

st.subheader("Held-out metrics")
st.dataframe(figures_table(card), hide_index=True, width="stretch")
if spec.weakest and metric(card, spec.weakest) is not None:
    st.markdown(f"**Weakest figure:** {figure_words(card, spec.weakest)}")
st.markdown("**Limitations:**\n\n" + _prose(card["limitations"]))

curves = card.get("curves", {})
metrics = card["metrics"]
cols = st.columns(3)
if "roc" in curves:
    cols[0].plotly_chart(plots.roc_figure(curves, metrics.get("roc_auc")), width="stretch")
if "calibration" in curves:
    cols[1].plotly_chart(plots.calibration_figure(curves), width="stretch")
confusion = curves.get("confusion") or metrics.get("confusion")
if confusion:
    cols[2].plotly_chart(plots.confusion_figure(confusion), width="stretch")
baselines = baselines_table(card)
if baselines:
    st.subheader("Baselines (same held-out data)")
    st.dataframe(baselines, hide_index=True, width="stretch")
if card.get("anchors"):
    st.subheader("Published anchors")
    st.dataframe(card["anchors"], hide_index=True, width="stretch")
variables = card.get("input_spec", {}).get("variables")
if variables:  # what each input means and the unit the model reads it in
    st.subheader("Input variables and units")
    st.dataframe(variables, hide_index=True, width="stretch")
with st.expander("How it was built: architecture, training date, revisions"):
    st.markdown(f"**Architecture:** {_prose(card['architecture'])}")
    st.markdown(f"**Trained:** {card['date_trained']}")
    if card.get("revisions"):  # what changed since first release, with before/after figures
        st.markdown("**Revisions:**\n\n" + _prose(
            [f"{r['date']}: {r['change']}" for r in card["revisions"]]))
with st.expander("Full card (JSON)"):
    st.json(card, expanded=False)

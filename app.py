"""medcore: home page and navigation. Run with `streamlit run app.py`."""

from pathlib import Path

import streamlit as st

from medcore import registry
from ui.components import model_summary

# a local icon: a Material-icon favicon is fetched by the browser from fonts.gstatic.com on every
# page load, a request to a third party that hospital networks block and users did not ask for
ICON = Path(__file__).resolve().parent / "assets" / "icon.png"
st.set_page_config(page_title="medcore", page_icon=str(ICON), layout="wide")

WORKBENCHES = [
    # (page file, title, icon, workbench key, what it does)
    ("pages/imaging.py", "Imaging", ":material/radiology:", "imaging",
     "Chest X-rays (PNG, JPEG, DICOM): pneumonia or normal with a prediction set, a Grad-CAM "
     "heat map and SHAP, or a plain reason why the film cannot be read; "
     "a GAN that makes synthetic X-rays, with measured realism."),
    ("pages/history.py", "Patient history", ":material/monitor_heart:", "history",
     "ICU vitals and labs over time, as a hospital exports them (long or wide CSV, FHIR): "
     "in-hospital mortality risk from a GRU and a temporal CNN, beside the ICU's base rate, "
     "with the variables and hours that drove it."),
    ("pages/drugs.py", "Drug discovery", ":material/medication:", "molecules",
     "SMILES, CSV or SDF: Tox21 assay activity per assay with the atoms that drove it "
     "(integrated gradients); a GAN that proposes new valid molecules."),
    ("pages/genomics.py", "Genomics", ":material/genetics:", "genomics",
     "FASTA or raw DNA: splice-junction class with a prediction set and per-base importance, "
     "scans of longer records and variant effects; RNN embeddings clustered in a map."),
]


def home() -> None:
    st.title("medcore")
    st.write("Deep-learning models for medicine that show *why* they decided what they did. "
             "Upload your own data in a workbench, or try the built-in examples.")
    for _path, title, _icon, key, text in WORKBENCHES:
        with st.container(border=True):
            st.markdown(f"### {title}")
            st.write(text)
            for mid, spec in registry.MODELS.items():
                if spec.workbench == key:
                    model_summary(mid)
    st.subheader("Privacy")
    st.write("Uploads stay in this browser session's memory and are gone when you close the tab. "
             "Nothing you upload is written to disk, logged, or shared with other sessions. "
             "DICOM patient tags are hidden unless you choose to show them.")
    st.caption("Research software: not a medical device. Model cards state each model's data, "
               "held-out metrics and limitations.")


pages = [st.Page(home, title="Home", icon=":material/home:", default=True)]
pages += [st.Page(path, title=title, icon=icon) for path, title, icon, _, _ in WORKBENCHES]
pages.append(st.Page("pages/model_cards.py", title="Model cards",
                     icon=":material/description:"))
st.navigation(pages).run()

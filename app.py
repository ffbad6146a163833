"""medcore: home page and navigation. Run with `streamlit run app.py`."""

from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

# This script's st.navigation below is the app's navigation: say so before any page runs, so the
# pages' guard for direct visits (components.use_app_navigation) does not spend a run on a
# rerun that would replace a page's widgets while its first visitor is already using them.
PagesManager.uses_pages_directory = False

from medcore import registry  # noqa: E402
from ui.components import model_summary  # noqa: E402

# a local icon: a Material-icon favicon is fetched by the browser from fonts.gstatic.com on every
# page load, a request to a third party that hospital networks block and users did not ask for
ICON = Path(__file__).resolve().parent / "assets" / "icon.png"
st.set_page_config(page_title="medcore", page_icon=str(ICON), layout="wide")

def home() -> None:
    st.title("medcore")
    st.write("Deep-learning models for medicine that show *why* they decided what they did. "
             "Upload your own data in a workbench, or try the built-in examples.")
    for bench in registry.WORKBENCHES.values():
        with st.container(border=True):
            st.markdown(f"### {bench.title}")
            st.write(bench.what)
            for mid in registry.ids(bench.key):
                model_summary(mid)
    st.subheader("Privacy")
    st.write("Uploads stay in this browser session's memory and are gone when you close the tab. "
             "Nothing you upload is written to disk, logged, or shared with other sessions. "
             "DICOM patient tags are hidden unless you choose to show them.")
    st.caption("Research software: not a medical device. Model cards state each model's data, "
               "held-out metrics and limitations.")


pages = [st.Page(home, title="Home", icon=":material/home:", default=True)]
pages += [st.Page(b.page, title=b.title, icon=b.icon) for b in registry.WORKBENCHES.values()]
pages.append(st.Page("pages/model_cards.py", title="Model cards",
                     icon=":material/description:"))
st.navigation(pages).run()

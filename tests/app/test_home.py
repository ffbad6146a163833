"""AppTest: the home page and the Model cards page render without exceptions."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from medcore import cards, registry
from medcore.cards import load_card

ROOT = Path(__file__).resolve().parents[2]


def _app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def test_home_lists_every_model_with_status_and_privacy():
    at = _app().run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    text += " ".join(i.value for i in at.info)
    for mid in registry.MODELS:
        assert f"`{mid}`" in text
    assert "Nothing you upload is written to disk" in text
    for raw in ("roc_auc", "fd_generated_vs_test", "event1", "uniqueness_10k", "long CSV"):
        assert raw not in text, raw
    for mid in registry.MODELS:  # each trained model: its weakest figure and what it cannot do
        if registry.is_trained(mid):
            spec = registry.spec(mid)
            assert spec.cannot and spec.cannot in text, mid
            assert cards.metric(load_card(registry.model_folder(mid)), spec.weakest) is not None
    assert text.count("Weakest figure:") == sum(map(registry.is_trained, registry.MODELS))


def test_home_does_not_import_tensorflow():
    import subprocess
    import sys

    code = ("from streamlit.testing.v1 import AppTest; import sys\n"
            f"at = AppTest.from_file({str(ROOT / 'app.py')!r}, default_timeout=60).run()\n"
            "assert not at.exception\n"
            "assert 'tensorflow' not in sys.modules, 'home page imported tensorflow'\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-2000:]


def test_model_cards_page_renders_each_trained_card():
    at = _app().run()
    at.switch_page("pages/model_cards.py").run()
    assert not at.exception
    trained = [m for m in registry.MODELS if registry.is_trained(m)]
    if not trained:
        assert any("No trained models" in i.value for i in at.info)
        return
    for mid in trained:
        at.selectbox[0].select(mid).run()
        assert not at.exception, mid
        assert any("Held-out metrics" in s.value for s in at.subheader)
        assert at.markdown[1].value.startswith("**Intended use:**"), mid  # after the intro
        figures = at.dataframe[0].value  # figures named in words, never raw keys
        assert not figures["figure"].str.contains("_").any(), mid
        revised = bool(load_card(registry.model_folder(mid)).get("revisions"))
        assert any("**Revisions:**" in m.value for m in at.markdown) == revised, mid
        if mid.startswith("history-"):  # every variable shows the unit the model reads
            units = next(d.value for d in at.dataframe if "unit" in d.value.columns)
            assert units.set_index("variable").loc["Creatinine", "unit"] == "mg/dL", mid


def test_importing_the_page_helpers_never_reruns():
    """The direct-visit guard runs from each page, not at import: a rerun raised mid-import left
    other sessions importing at the same moment with a half-made module (ImportError pages when
    eight sessions opened /imaging at once on a fresh server)."""
    import subprocess
    import sys

    code = ("from streamlit.runtime.pages_manager import PagesManager\n"
            "PagesManager.uses_pages_directory = True\n"
            "import ui.components as c\n"
            "assert PagesManager.uses_pages_directory, 'import changed navigation'\n"
            "assert callable(c.model_summary)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-2000:]

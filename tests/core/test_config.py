"""Security settings read from the effective Streamlit config, not just the file text."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_effective_streamlit_config_is_locked_down(monkeypatch):
    from streamlit import config

    monkeypatch.chdir(ROOT)
    config.get_config_options(force_reparse=True)
    assert config.get_option("server.enableXsrfProtection") is True
    assert config.get_option("server.enableCORS") is True  # CORS protection on, not opened
    assert config.get_option("browser.gatherUsageStats") is False
    assert 0 < config.get_option("server.maxUploadSize") <= 200
    assert config.get_option("client.showErrorDetails") in ("none", "type", False)

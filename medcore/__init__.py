"""medcore: deep-learning models for medicine with explanations. Never imports Streamlit."""

__version__ = "0.1.0"

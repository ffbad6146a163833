"""Reusable Streamlit steps a workbench page adds with one call (Streamlit only, no logic)."""

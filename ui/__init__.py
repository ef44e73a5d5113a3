"""Serving people: application services, the ``minhchung`` CLI, the Streamlit app and exports."""

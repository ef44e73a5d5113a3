"""The Streamlit app (``minhchung serve``): thin page scripts over the application services."""

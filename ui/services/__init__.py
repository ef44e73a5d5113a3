"""Application services: the one layer the CLI and the Streamlit app both call.

Permissions are enforced here (not by hiding buttons): every service method that reads or
changes school data takes the acting user and checks role and school.
"""

"""Domain data of minhchung: framework catalogs, document types, trained artefacts.

This package holds data files only; ``importlib.resources.files("minhchung.models")`` finds them
whether the project is installed editable or as a wheel.
"""

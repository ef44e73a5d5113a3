"""Maps the card's top-level folders onto one import namespace, ``minhchung.*``.

The repository keeps ``ingest/ nlp/ index/ ui/ models/`` at the top level (so the layout shows
the architecture), while the installed distribution exposes them as ``minhchung.ingest`` …
so nothing installs a bare package called ``nlp`` or ``index``.
"""

from setuptools import find_packages, setup

LAYERS = ("ingest", "nlp", "index", "ui", "models")

package_dir = {f"minhchung.{layer}": layer for layer in LAYERS}
packages = []
for layer in LAYERS:
    packages.append(f"minhchung.{layer}")
    packages += [f"minhchung.{layer}.{sub}" for sub in find_packages(layer)]

setup(
    packages=packages,
    package_dir=package_dir,
    package_data={
        "minhchung.models": ["**/*.json", "**/*.yaml", "**/*.jsonl", "**/*.cfg", "**/*.txt", "**/*.bin", "**/*.npy"],
        "minhchung.nlp": ["*.cfg", "patterns/*.jsonl"],
        "minhchung.index": ["migrations/*.py", "migrations/versions/*.py", "migrations/*.ini", "migrations/*.mako"],
        "minhchung.ui": ["static/*"],
    },
    include_package_data=True,
)

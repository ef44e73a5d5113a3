# minhchung — the two commands of the README are `make run` and `make test`.
# Both set everything up first (Debian packages, .venv, Python packages pinned by constraints.txt).

VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEBIAN_PACKAGES := tesseract-ocr tesseract-ocr-vie poppler-utils qpdf fonts-dejavu-core fonts-noto-core chromium chromium-driver
export MINHCHUNG_HOME ?= $(CURDIR)/data

.PHONY: setup system-packages run test bench clean

setup: system-packages $(VENV)/.installed

system-packages:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(VENV)/.installed: pyproject.toml setup.py constraints.txt
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c constraints.txt torch==2.13.0
	$(PIP) install -q -c constraints.txt -e '.[test]'
	touch $@

run: setup
	$(VENV)/bin/minhchung ingest samples/letters/*.pdf samples/scans
	$(VENV)/bin/minhchung serve --port 8501

test: setup
	$(VENV)/bin/python -m pytest -q

bench: setup
	$(PY) -m minhchung.ui.cli bench all

clean:
	rm -rf $(VENV) data .pytest_cache

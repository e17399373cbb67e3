# Two commands set everything up on a fresh machine:
#   make run    install, index seeds/, start the chat on http://127.0.0.1:7860
#   make test   install, then lint, check the layers and run the whole test suite
# Both install the exact versions in requirements.lock (by hash); `make lock` refreshes it.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --quiet --disable-pip-version-check
LOCK := requirements.lock
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup run browser test lint docs screenshot lock clean

setup: $(VENV)/.installed

# Every dependency at its locked version and hash. torch is pinned to the CPU build that lies on
# disk (/opt/wheels): an unpinned torch pulls a multi-GB CUDA build.
$(VENV)/.locked: $(LOCK)
	python3 -m venv $(VENV)
	$(PIP) install pip==26.3
	$(PIP) install --require-hashes --no-deps -r $(LOCK)
	touch $@

# newsdesk itself, its files linked from these folders (strict editable: see setup.py). A new
# module changes its folder's time, and make installs again.
$(VENV)/.installed: $(VENV)/.locked pyproject.toml setup.py app.py cli.py rag index evals
	$(PIP) install --no-deps --no-build-isolation --config-settings editable_mode=strict -e .
	touch $@

run: setup
	$(VENV)/bin/newsdesk ingest seeds/
	$(VENV)/bin/newsdesk serve

# The browser tests drive Debian's Chromium (never a downloaded browser).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

test: setup browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

# The documentation site, into build/site/; strict: a broken link or a missing results file fails.
docs: setup
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

# docs/chat.png, the chat as README shows it (Debian's Chromium, headless).
screenshot: setup browser
	$(VENV)/bin/newsdesk ingest --quiet seeds/
	$(PY) docs/screenshot.py

# Resolve every dependency afresh (newest versions pyproject.toml allows) and write the lock.
lock:
	python3 -m venv build/lock-tools
	build/lock-tools/bin/pip install --quiet --disable-pip-version-check pip==26.3 pip-tools==7.6.2
	CUSTOM_COMPILE_COMMAND="make lock" build/lock-tools/bin/pip-compile --quiet --rebuild \
		--extra test --extra langchain --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
		--no-emit-find-links -P 'torch==2.13.0+cpu' -o $(LOCK).new pyproject.toml
	mv $(LOCK).new $(LOCK)

clean:
	rm -rf $(VENV) .newsdesk build

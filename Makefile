# Two entry points for a new user: `make demo` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test setup clean models event-models

setup: $(VENV)/.installed

# torch first, from the pinned CPU wheel: a later, unpinned request for torch would pull a
# multi-GB CUDA build. Then the project with its pinned dependencies.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: setup
	$(BIN)/chipwatch demo

# Lint for real problems (ruff, rules in pyproject.toml), types of the bottom layer core/ (mypy),
# then the suite (which also checks the import contract and the wheel).
test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

clean:
	rm -rf $(VENV) build *.egg-info

# Rebuild the shipped Chinese NER model from the public CLUENER2020 training data (about 25 min on 2 cores).
CLUENER ?= ../shared/data/ner/cluener_public/train.json
models: setup
	$(BIN)/python -m nlp.train_zh_ner --data $(CLUENER) --out nlp/models/zh_ner

# Rebuild the event heads (nlp/models/events) from eval/data/events and the shared development
# articles they label (about 2 minutes).
ARTICLES ?= ../shared/data/articles
event-models: setup
	$(BIN)/python -m nlp.events.train --articles $(ARTICLES)

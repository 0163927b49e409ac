# Set-up in two commands: `make demo` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO ?= demo-workspace
STAMP := $(VENV)/.installed
# Arguments for pytest: make test ARGS="-k browser" (PYTEST_ADDOPTS works too).
ARGS ?=
# make test runs the tests in this many processes (pytest-xdist; 0: in pytest's own process).
# Each test file stays in one process: its module fixtures are built once, and nbval runs a
# notebook's cells in order in one kernel.
TEST_WORKERS ?= 2
# The demo's pipeline, and the name its batch summary ends with (runs/batch-<start>-<stages>.json).
PIPELINE := portfolio,assess,backup,approval,disable
comma := ,

.PHONY: demo test docs lab dashboard lint bench clean env fonts chromium poppler

env: $(STAMP)

$(STAMP): pyproject.toml
	$(MAKE) --no-print-directory fonts
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench,dask,dashboard]'
	$(PY) -m ipykernel install --sys-prefix --name decomkit --display-name "Python (decomkit)" >/dev/null
	touch $@

# System packages from Debian, installed only when missing and make runs as root (otherwise a note
# says what to install): $(call system_package,CHECK,PACKAGE,WHAT IT IS FOR).
define system_package
	@if $(1) >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing $(2) $(3)"; \
	  apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq $(2) >/dev/null; \
	else echo "note: $(2) is missing; install it ($(3)), or run make as root"; fi
endef

# Charts draw Chinese app names: they need a CJK font.
fonts:
	$(call system_package,fc-list :lang=zh | grep -q .,fonts-noto-cjk,for Chinese text in charts)

# The browser tests (records, JupyterLab, Voila) drive Debian's chromium headless; without it
# they are skipped (never under CI).
chromium:
	$(call system_package,command -v chromium,chromium,for the browser tests)

# The PDF dossier tests read the PDFs back with pdftotext.
poppler:
	$(call system_package,command -v pdftotext,poppler-utils,for the PDF record tests)

demo: $(STAMP)
	$(VENV)/bin/decomkit demo $(DEMO) --replace --anchor $(DEMO)-anchor
	$(VENV)/bin/decomkit batch $(DEMO) --stages $(PIPELINE) --apps candidates -p wait_seconds 4
	$(VENV)/bin/decomkit batch $(DEMO) --stages review --apps old-expense,room-booking
	$(VENV)/bin/decomkit record $(DEMO)
	$(VENV)/bin/decomkit status $(DEMO)
	$(VENV)/bin/decomkit ledger verify $(DEMO) --trust $(DEMO)/keys/trust-profile.json
	rm -rf $(DEMO)-records-copy && cp -r $(DEMO)/records $(DEMO)-records-copy
	$(VENV)/bin/decomkit record verify $(DEMO)-records-copy --trust $(DEMO)/keys/trust-profile.json
	@echo "workspace: $(abspath $(DEMO))"
	@echo "executed notebooks: $(abspath $(DEMO))/runs/<app>/; candidate list: $(abspath $(DEMO))/candidates.xlsx"
	@echo "pipeline batch summary: $$(ls $(abspath $(DEMO))/runs/batch-*-$(subst $(comma),-,$(PIPELINE)).json | tail -n 1)"
	@echo "records (open in a browser): $(abspath $(DEMO))/records/index.html"

test: $(STAMP) chromium poppler
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(ARGS)

# The documentation site, into site/ (warnings are errors); `.venv/bin/mkdocs serve` shows it
# while you edit docs/. The reference pages are generated from the code as it builds.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site
	@echo "documentation: $(abspath site)/index.html"

lint: $(STAMP)
	$(VENV)/bin/ruff check lib tests bench docs
	$(VENV)/bin/mypy

# The scale bench assesses all 1,000 apps, locally and on dask (about 20 minutes each on 2
# cores); SCALE="--sample 40" assesses 40 of them, SCALE="--quick" a 100-app organisation.
SCALE ?=
bench: $(STAMP)
	$(PY) bench/portfolio_metrics.py
	$(PY) bench/interactive.py
	$(PY) bench/batch_pipeline.py
	$(PY) bench/tick.py
	$(PY) bench/scale.py $(SCALE)

lab: $(STAMP)
	test -f $(DEMO)/decomkit.toml || $(VENV)/bin/decomkit demo $(DEMO)
	DECOMKIT_WORKSPACE=$(abspath $(DEMO)) $(VENV)/bin/jupyter lab --notebook-dir=notebooks \
	  --LabApp.extension_manager=readonly $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# The portfolio for managers: Voila, code hidden, weight sliders on, nothing written to the ledger.
dashboard: $(STAMP)
	test -f $(DEMO)/decomkit.toml || $(VENV)/bin/decomkit demo $(DEMO)
	$(VENV)/bin/decomkit dashboard $(DEMO)

clean:
	rm -rf $(VENV) $(DEMO) $(DEMO)-anchor $(DEMO)-records-copy .pytest_cache site .mypy_cache

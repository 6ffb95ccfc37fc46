# Two commands do everything on a fresh Debian or Ubuntu machine with Python 3.11, 3.12 or 3.13:
#   make book   build the HTML book into _build/html
#   make test   lint, unit tests, data validation, build the PDF and the book, test them; installs
#               the Debian packages it needs first (scripts/system-packages.sh)
#   make pdf    the whole book as one PDF, _build/latex/diversion-book.pdf
#   make lighthouse  Lighthouse scores of every chapter on a simulated phone (after make book)
# Both create .venv from requirements.lock the first time.

# The newest supported Python on PATH, unless PYTHON is given (make book PYTHON=python3.12). A name
# that does not run (such as a pyenv shim of a version that is not installed) does not count.
SUPPORTED_PYTHONS := 3.13 3.12 3.11
PYTHON_VERSION := import sys; v = sys.version_info[:2]; print("%d.%d" % v if (3, 11) <= v <= (3, 13) else "")
ifeq ($(origin PYTHON),undefined)
PYTHON := $(firstword $(foreach v,$(SUPPORTED_PYTHONS) 3,$(if $(shell python$(v) -c '$(PYTHON_VERSION)' 2>/dev/null),python$(v))))
NOT_FOUND := none of python3.13, python3.12, python3.11, python3 on PATH is one
else
NOT_FOUND := PYTHON=$(PYTHON) is not one
endif
PY_VERSION := $(if $(PYTHON),$(shell $(PYTHON) -c '$(PYTHON_VERSION)' 2>/dev/null))
NO_PYTHON := make: this book needs Python 3.11, 3.12 or 3.13 and $(NOT_FOUND); install one \
	(Debian/Ubuntu: apt-get install python3 python3-venv) or name it: make PYTHON=/path/to/python3.x
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-py$(PY_VERSION)-$(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-12)
JB_FLAGS := -W -n --keep-going

.PHONY: book test unit lint data-check citation-check book-tests env clean lock bench notebooks \
	serve pdf pdf-tests python system-packages pdf-packages wheel web-tools lighthouse

# Stops at once, in one line, when no supported Python was found.
python:
	@test -n "$(PY_VERSION)" || { echo "$(NO_PYTHON)" >&2; exit 1; }

# A .venv made by another Python version is made again.
$(STAMP): requirements.lock pyproject.toml | python
	if [ -x $(BIN)/python ] && [ "$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')" != "$(PY_VERSION)" ]; then rm -rf $(VENV); fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

env: $(STAMP)

# The analysis package with its data (data/ becomes analysis/data inside the wheel), built offline
# from a copy of its sources. The HTML build puts it at the site root: the recipe of every
# chapter's "Rerun this chapter" section installs it (book/_ext/analysis_wheel.py).
PACKAGE_NAME := $(shell sed -n 's/^name = "\(.*\)"$$/\1/p' pyproject.toml | tr - _)
PACKAGE_VERSION := $(shell sed -n 's/^version = "\(.*\)"$$/\1/p' pyproject.toml)
WHEEL := _build/dist/$(PACKAGE_NAME)-$(PACKAGE_VERSION)-py3-none-any.whl
WHEEL_INPUTS := pyproject.toml README.md LICENSE LICENSE-TEXT.md analysis data
$(WHEEL): $(STAMP) $(shell find $(WHEEL_INPUTS) -type f -not -path '*/__pycache__/*')
	rm -rf _build/wheel-src _build/dist && mkdir -p _build/wheel-src _build/dist
	tar -cf - --exclude=__pycache__ $(WHEEL_INPUTS) | tar -xf - -C _build/wheel-src
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation --no-index \
		--wheel-dir _build/dist ./_build/wheel-src
	rm -rf _build/wheel-src
	test -s $@

wheel: $(WHEEL)

book: $(STAMP) $(WHEEL)
	scripts/offline.sh $(BIN)/jupyter-book build $(JB_FLAGS) .

lint: $(STAMP)
	$(BIN)/ruff check analysis tests book/_ext scripts

data-check: $(STAMP)
	$(BIN)/frictionless validate data/datapackage.json

# CITATION.cff is validated with cffconvert in a venv of its own: cffconvert pins an old jsonschema
# that would downgrade the book's.
CFF_VENV := .venv-cff
$(CFF_VENV)/.installed: | python
	test -x $(CFF_VENV)/bin/python || $(PYTHON) -m venv $(CFF_VENV)
	$(CFF_VENV)/bin/python -m pip install --quiet "cffconvert==2.0.0"
	touch $@

citation-check: $(CFF_VENV)/.installed
	$(CFF_VENV)/bin/cffconvert --validate -i CITATION.cff

# tests/test_pdf.py checks the PDF that `make pdf` wrote: it runs in pdf-tests, not here.
unit: $(STAMP)
	$(BIN)/pytest -m "not book and not browser" --ignore=tests/test_pdf.py --cov=analysis --cov-report=term-missing:skip-covered --cov-fail-under=90

# Checkers of the built site from npm, pinned in tools/web/package-lock.json: the W3C Nu HTML checker
# (vnu-jar, run with Java) and Lighthouse. Install scripts are not run: vnu-jar's would download a
# Java runtime, and the system's Java is used instead.
WEB_TOOLS := tools/web/node_modules/.installed
$(WEB_TOOLS): tools/web/package.json tools/web/package-lock.json
	cd tools/web && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

web-tools: $(WEB_TOOLS)

book-tests: $(STAMP) $(WEB_TOOLS)
	$(BIN)/pytest -m "book or browser"

# Lighthouse scores (performance, accessibility, best practices, SEO) of every chapter page on a
# simulated phone, median of 5 runs, served like GitHub Pages: make lighthouse [PAGES=all] [RUNS=5].
PAGES ?= chapters
RUNS ?= 5
lighthouse: $(STAMP) $(WEB_TOOLS)
	@test -f _build/html/index.html || { echo "no book in _build/html: run make book first" >&2; exit 1; }
	$(BIN)/python scripts/lighthouse.py --runs $(RUNS) --pages $(PAGES)

# xelatex with Sphinx's LaTeX class (settings under latex: and latex_elements in _config.yml,
# book/_ext/pdf_edition.py). LaTeX stops at the first error instead of asking for input.
PDF := _build/latex/diversion-book.pdf
pdf: pdf-packages $(STAMP)
	rm -f $(PDF)
	LATEXOPTS="-interaction=nonstopmode -halt-on-error" \
		scripts/offline.sh $(BIN)/jupyter-book build $(JB_FLAGS) --builder pdflatex .
	test -s $(PDF)

pdf-tests: $(STAMP)
	BOOK_PDF=$(PDF) $(BIN)/pytest tests/test_pdf.py

# The Debian packages that pip cannot install: Chromium (browser tests), linkchecker (internal links),
# the TeX set and poppler-utils (the PDF edition and its checks). Missing ones are installed (as
# root, or with sudo -n); otherwise the target stops at once with the command to run.
system-packages:
	@scripts/system-packages.sh all
pdf-packages:
	@scripts/system-packages.sh pdf

# pdf comes before book: the HTML build copies the PDF into the site and links to it.
test: system-packages lint data-check citation-check unit pdf pdf-tests book book-tests

# One lock for every supported Python (3.11 to 3.13) and platform: --universal with the fewest
# versions, so that each package has one pin whatever the Python. uv runs from a venv of its own.
LOCK_VENV := .venv-lock
lock: | python
	test -x $(LOCK_VENV)/bin/uv || { $(PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/python -m pip install --quiet uv; }
	$(LOCK_VENV)/bin/uv pip compile --quiet --universal --fork-strategy fewest --python-version 3.11 requirements.in -o requirements.lock

# Build times (clean, no change, one chapter edited; medians of 3), the split of each notebook
# (kernel start and imports vs work) and page weight, against budgets. With PEER=path/to/a/book
# the same for that Jupyter Book in the same run (PEER_PYTHON: its environment's Python, if the
# peer needs packages this book's .venv does not have).
PEER ?=
PEER_PYTHON ?=
bench: $(STAMP)
	$(BIN)/python scripts/bench.py $(if $(PEER),--peer $(PEER)) $(if $(PEER_PYTHON),--peer-python $(PEER_PYTHON))

# Every notebook page of the book as a Jupyter notebook in notebooks/ (git-ignored; or
# NOTEBOOKS=<folder>), in the folder layout of book/: the notebooks the pages offer for download,
# which read as plain prose and show every figure (book/_ext/reader_notebooks.py writes them during
# the HTML build). Open them in JupyterLab or VS Code (README.md).
NOTEBOOKS ?= notebooks
notebooks: book
	@cd _build/html/_sources/book && find . -name '*.ipynb' | sort | while read -r notebook; do \
		mkdir -p "$(abspath $(NOTEBOOKS))/$$(dirname "$$notebook")"; \
		cp "$$notebook" "$(abspath $(NOTEBOOKS))/$$notebook"; \
		echo "$(NOTEBOOKS)/$${notebook#./}"; \
	done

# Serve the built book on this machine only, as GitHub Pages serves it (gzip, cache headers):
# make serve [PORT=8000].
PORT ?= 8000
serve: | python
	@test -f _build/html/index.html || { echo "no book in _build/html: run make book first" >&2; exit 1; }
	$(PYTHON) scripts/pages_server.py --port $(PORT) _build/html

clean:
	rm -rf _build

# Two commands do everything on a fresh machine with Python 3.11:
#   make book   build the HTML book into _build/html
#   make test   lint, unit tests, data validation, build the PDF and the book, test them
#   make pdf    the whole book as one PDF, _build/latex/diversion-book.pdf (needs TeX: .ci/run)
#   make lighthouse  Lighthouse scores of every chapter on a simulated phone (after make book)
# Both create .venv from requirements.lock the first time.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-12)
JB_FLAGS := -W -n --keep-going

.PHONY: book test unit lint data-check citation-check book-tests env clean lock bench notebooks serve pdf pdf-tests web-tools lighthouse

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

env: $(STAMP)

book: $(STAMP)
	scripts/offline.sh $(BIN)/jupyter-book build $(JB_FLAGS) .

lint: $(STAMP)
	$(BIN)/ruff check analysis tests book/_ext scripts

data-check: $(STAMP)
	$(BIN)/frictionless validate data/datapackage.json

# CITATION.cff is validated with cffconvert in a venv of its own: cffconvert pins an old jsonschema
# that would downgrade the book's.
CFF_VENV := .venv-cff
$(CFF_VENV)/.installed:
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
pdf: $(STAMP)
	rm -f $(PDF)
	LATEXOPTS="-interaction=nonstopmode -halt-on-error" \
		scripts/offline.sh $(BIN)/jupyter-book build $(JB_FLAGS) --builder pdflatex .
	test -s $(PDF)

pdf-tests: $(STAMP)
	BOOK_PDF=$(PDF) $(BIN)/pytest tests/test_pdf.py

# pdf comes before book: the HTML build copies the PDF into the site and links to it.
test: lint data-check citation-check unit pdf pdf-tests book book-tests

lock:
	python3.11 -m pip install --quiet uv && python3.11 -m uv pip compile --quiet requirements.in --python-version 3.11 -o requirements.lock

# Clean build, no-change rebuilds, notebook execution times, site and page weight vs budgets.
bench: $(STAMP)
	$(BIN)/python scripts/bench.py

# Every notebook page of the book as a Jupyter notebook in notebooks/ (git-ignored), in the same
# folder layout as book/, so that a notebook writes its figure tables where its page would.
notebooks: $(STAMP)
	@for page in $$(grep -rl --include='*.md' '^kernelspec:' book | sort); do \
		target=notebooks/$${page#book/}; target=$${target%.md}.ipynb; \
		mkdir -p "$$(dirname "$$target")"; \
		$(BIN)/jupytext --quiet --to ipynb --output "$$target" "$$page" || exit 1; \
		echo "$$target"; \
	done

# Serve the built book on this machine only, as GitHub Pages serves it (gzip, cache headers):
# make serve [PORT=8000].
PORT ?= 8000
serve:
	@test -f _build/html/index.html || { echo "no book in _build/html: run make book first" >&2; exit 1; }
	$(PYTHON) scripts/pages_server.py --port $(PORT) _build/html

clean:
	rm -rf _build

# The two commands of the README:
#   make serve   install, build the graph from ../shared/papers, serve it on http://127.0.0.1:8000/
#   make test    install, run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
CORPUS ?= ../shared/papers
STORE  ?= brikg-store
HOST   ?= 127.0.0.1
PORT   ?= 8000
BIN     = $(VENV)/bin
YASGUI  = service/static/vendor/yasgui/yasgui.min.js

.PHONY: install serve build test lint clean

$(BIN)/brikg: pyproject.toml
	./scripts/install-system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/brikg

install: $(BIN)/brikg $(YASGUI)

# The web UI's query editor: npm ci (package-lock.json) and a copy into service/static/vendor.
$(YASGUI): package-lock.json
	./scripts/copy-static-assets
	touch $(YASGUI)

build: install
	$(BIN)/brikg build --corpus $(CORPUS) --store $(STORE)

serve: build
	$(BIN)/brikg serve --store $(STORE) --host $(HOST) --port $(PORT)

test: install
	$(BIN)/ruff check kg service tests
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) $(STORE) .pytest_cache .ruff_cache

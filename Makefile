# Set-up and checks. `make demo` and `make test` are all a user needs.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: install demo test lint docs bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q -c constraints.txt -e ".[dev]"
	# tangermeme: the reference the DeepLiftShap and ISM tests compare with (its own pins
	# would replace torch, so without its dependencies; the ones the tests need are in dev)
	$(PY) -m pip install -q -c constraints.txt --no-deps tangermeme
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/attnscope demo --out runs/demo --force

lint: install
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

docs: install
	$(VENV)/bin/mkdocs build --strict --site-dir site

test: lint
	sh scripts/ensure_chromium.sh
	$(VENV)/bin/python -m pytest -q

BENCHMARKS := $(filter-out benchmarks/_%.py benchmarks/readme.py benchmarks/consistency_tune.py,$(wildcard benchmarks/*.py))

# Small versions of every benchmark; results go to benchmarks/results/*_quick.json.
bench: install
	for f in $(BENCHMARKS); do $(PY) $$f --quick || exit 1; done

clean:
	rm -rf $(VENV) runs site .pytest_cache .mypy_cache .ruff_cache

# Canopy: `make run` starts everything, `make test` runs the whole suite. Both install first.
SHELL := /bin/bash
UV := $(shell command -v uv >/dev/null && echo uv || echo "python3 -m uv")
PYTEST_ARGS ?=

.PHONY: setup run test lint format clean

setup:  ## install system packages and the locked Python environment
	@./scripts/install-system.sh
	@./scripts/install-python.sh

run: setup  ## embedded database + demo data + API/STAC on http://127.0.0.1:8000
	$(UV) run canopy up

test: setup lint  ## lint, then the whole test suite (pytest exits 5 when it collects nothing)
	$(UV) run pytest $(PYTEST_ARGS)

lint:
	$(UV) run ruff check .
	$(UV) run ruff format --check .

format:
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

clean:  ## stop the embedded database and remove .canopy (data included)
	-$(UV) run canopy down
	rm -rf .canopy

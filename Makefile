# The two commands of the README: `make demo` and `make test`. Both set up from scratch.
.PHONY: setup demo test test-fast lint bench livekit-server docs install-check

VENV := .venv
BIN := $(VENV)/bin

setup:
	@bash scripts/setup.sh

livekit-server: setup
	@bash scripts/livekit_server.sh >/dev/null

demo: setup
	$(BIN)/voicegraph run --out out/conversation.wav

lint: setup
	$(BIN)/ruff check voicegraph tests benchmarks examples
	$(BIN)/ruff format --check voicegraph tests benchmarks examples
	$(BIN)/mypy
	$(BIN)/mypy --strict examples/*.py

test: setup livekit-server lint
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q tests/framework

bench: setup
	$(BIN)/python benchmarks/runtime.py --quick

# The documentation site into site/ (warnings are errors).
docs: setup
	$(BIN)/mkdocs build --strict

# Build the wheel and sdist, install the wheel in a fresh venv and run it from outside the repo.
install-check: setup
	@bash scripts/install_check.sh

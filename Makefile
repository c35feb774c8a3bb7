# The two commands of the README, and the benchmark. Each sets up what it needs first.
.PHONY: run test bench lint

run:
	scripts/bootstrap
	scripts/run

test:
	scripts/bootstrap --tests
	scripts/test

bench:
	scripts/bootstrap --tests
	scripts/bench

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

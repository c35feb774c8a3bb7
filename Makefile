# The two commands of the README, and the benchmark. Each sets up what it needs first.
.PHONY: run test bench soak lint

run:
	scripts/bootstrap
	scripts/run

test:
	scripts/bootstrap --tests
	scripts/test

bench:
	scripts/bootstrap --tests
	scripts/bench

soak:
	scripts/bootstrap --tests
	scripts/soak

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

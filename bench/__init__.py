"""Benchmarks (see bench/README.md and shared BENCHMARKS.md); not part of `make test`."""

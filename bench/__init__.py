"""Benchmarks with ratios: `make bench` / `make bench-quick` (see bench/README.md)."""

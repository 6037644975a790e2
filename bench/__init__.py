"""Benchmarks: scripts that print figures (never tests). `make bench` runs bench.run_all."""

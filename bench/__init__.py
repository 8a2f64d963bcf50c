"""Benchmarks: each script measures one stage and records its figures (see BENCHMARKS.md)."""

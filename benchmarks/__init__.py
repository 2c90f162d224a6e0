"""Runnable benchmarks (python -m benchmarks.run_all); see docs/benchmarks.md."""

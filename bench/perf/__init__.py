"""Issue 10's performance benchmarks: `python -m bench.perf.run` (bench/README.md)."""

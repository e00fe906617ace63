"""The benchmark script (benchmarks/run.py) and its helpers; not part of the installed package."""

"""Benchmarks, run by hand (never in CI), and the generated site they crawl (sitegen.py)."""

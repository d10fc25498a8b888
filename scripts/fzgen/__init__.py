"""Deterministic capture generator for flowzoo's tests and benchmarks.

The command-line entry point is scripts/fzgen.py; docs/generator.md describes
the scenarios, workloads and the truth files written beside each capture.
"""

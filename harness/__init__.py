"""The comparison harness: runs every backend through the same checks.

Entry point: ``python -m harness`` (see :mod:`harness.cli`).
"""

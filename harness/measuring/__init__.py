"""Measuring backends: the checks of ``compare``, their signals and analyses, the perf study.

Imports :mod:`backends` and :mod:`harness.results` (to record rows), never
playback, views or the command line.
"""

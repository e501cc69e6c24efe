"""Presenting results: rich tables, figures, the HTML report, notebooks, the backend list.

Imports :mod:`backends`, :mod:`harness.results` and :mod:`harness.measuring`
(figures that resample signals), never playback or the command line.
"""

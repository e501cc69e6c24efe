"""Playing audio through a backend on a real device: engine, ring buffer, player, WAV input.

Imports :mod:`backends` (the swapping stream) and :mod:`harness.results`
(the soak's gates), never measuring, views or the command line.
"""

"""Playing audio through a backend on a real device.

engine (source, swapper, FIFO, metrics), pa_ring (the GIL-free FIFO),
outputs (rtmixer's C callback, or a Python one), control and attribution
(the soak's control client and whose xruns they were), player, WAV input.

Imports :mod:`backends` (the swapping stream) and :mod:`harness.results`
(the soak's gates), never measuring, views or the command line.
"""

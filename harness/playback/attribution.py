"""Whose fault was a device underflow: ours, the control's, or the server's.

JACK tells *every* client of *every* xrun (jack2's engine notifies
``ALL_CLIENTS``; PortAudio turns the notification into ``output_underflow``
on each of its streams). A client's own underflow count therefore cannot
say who was late: measured here, a client stalling 18 times in 10 s and a
GIL-free control playing silence in another process both counted every one
of those 18 xruns. The server knows, and says so in its log, naming the
client that had not finished its cycle in time::

    JackEngine::XRun: client = PortAudio-01 was not finished, state = Running
    JackTimedDriver::Process XRun = 1021 usec        (the server itself was late)

So a soak attributes each xrun from the server's log when it can read it
(``.ci/jack-dummy`` exports its path), counting the cycles the server pinned
on our client and on the control client; without the log it can only
compare the two clients' underflow counts, which on JACK are the same
events.

The gate's statistic is :func:`excess_p` over seconds of playback (see
:func:`signs`): each second in which the server pinned more late cycles on
our client than on the control counts against us, each in which it pinned
more on the control counts for us, ties (most often: neither was late)
count for nothing. If ours is as good as the control — two GIL-free clients
doing the same copy on the same server at the same time — each untied
second goes either way with probability 1/2 whatever the machine's load did
(the load is common to both). ``excess_p`` is the chance of at least as many
seconds against us under that hypothesis (a one-sided exact sign test); the
gate fails when it is below ``[soak] late_excess_p_min``.

Why seconds and not late cycles: cycles are not independent. One starved
stretch of a loaded machine pins tens of late cycles on whichever client it
hit; measured here on a 2-core machine running two ``harness compare`` jobs
beside a non-realtime server, three 3-minute soaks gave ours / control
2733 / 3098, 3063 / 3032 and 1672 / 1211 late cycles — -4.8 and +8.7
standard deviations of a binomial on cycles, for two clients of the same
design: the spread of bursts, not a difference between them. A second is
longer than such bursts; the sign of each second asks whether ours was
late more often *consistently*, which is what the gate must know. When
late cycles are rare (a healthy machine) each lands in a second of its own
and the test is the same as one on cycles.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from pathlib import Path

__all__ = ["BIN_SECONDS", "SERVER", "ServerLog", "Tally", "excess_p", "parse_line", "signs"]

#: The name :func:`parse_line` gives an xrun of the server itself.
SERVER = "(server)"
#: The unit of the gate's sign test (see the module).
BIN_SECONDS = 1.0

_LATE_CLIENT = re.compile(
    r"JackEngine::XRun: client (?:= )?(?P<client>.+?)"
    r"(?: was not finished| finished after current callback)"
)
_LATE_SERVER = re.compile(r"JackTimedDriver::Process XRun|xrun of at least")


def parse_line(line: str) -> str | None:
    """The client a server log line pins an xrun on, :data:`SERVER`, or None."""
    if found := _LATE_CLIENT.search(line):
        return found["client"]
    if _LATE_SERVER.search(line):
        return SERVER
    return None


def excess_p(ours: int, control: int) -> float:
    """P(X >= ours) for X ~ Binomial(ours + control, 1/2): 1.0 when both are 0.

    With ``ours`` and ``control`` the seconds in which each was late more
    often than the other (:func:`signs`): small when ours was consistently
    late more often than chance explains (see the module).
    """
    n = ours + control
    return sum(math.comb(n, k) for k in range(ours, n + 1)) / 2**n


def signs(ours: list[int], control: list[int]) -> tuple[int, int]:
    """Bins in which ours counted more than the control, and bins with fewer."""
    worse = sum(o > c for o, c in zip(ours, control, strict=True))
    better = sum(o < c for o, c in zip(ours, control, strict=True))
    return worse, better


class Tally:
    """Events of named series, stamped in monotonic seconds, counted per minute."""

    def __init__(self) -> None:
        self._events: dict[str, list[tuple[float, int]]] = defaultdict(list)
        self._totals: dict[str, int] = defaultdict(int)

    def add(self, series: str, t: float, n: int = 1) -> None:
        """``n`` events of ``series`` at time ``t``."""
        if n:
            self._events[series].append((t, n))
            self._totals[series] += n

    def total(self, series: str, t: float, cumulative: int) -> None:
        """A counter of ``series`` read at ``t``: its growth since the last reading."""
        self.add(series, t, cumulative - self._totals[series])

    def binned(self, series: str, start: float, end: float, seconds: float) -> list[int]:
        """Events in each ``seconds`` from ``start`` to ``end`` (the last bin may be short)."""
        bins = [0] * max(1, math.ceil((end - start) / seconds))
        for t, n in self._events.get(series, ()):
            if start < t <= end:
                bins[min(int((t - start) // seconds), len(bins) - 1)] += n
        return bins

    def per_minute(self, series: str, start: float, end: float) -> list[int]:
        """Events in each minute from ``start`` to ``end`` (the last minute may be short)."""
        return self.binned(series, start, end, 60.0)


class ServerLog:
    """New lines of the audio server's log, read as they appear.

    Parameters
    ----------
    path : Path
        The log (``jackd``'s output). Only what is written after this object
        is created counts.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("rb")
        self._file.seek(0, 2)
        self._partial = b""

    def poll(self, tally: Tally, t: float) -> None:
        """Add the xruns of the lines written since the last poll to ``tally`` at ``t``."""
        data = self._partial + self._file.read()
        *lines, self._partial = data.split(b"\n")
        for line in lines:
            who = parse_line(line.decode("utf-8", "replace"))
            if who is not None:
                tally.add(f"late:{who}", t)

    def close(self) -> None:
        self._file.close()

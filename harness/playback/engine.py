"""The playback engine: source → hot-swappable resampler → FIFO → device callback.

It knows nothing about sounddevice, so tests can drive :meth:`PlaybackEngine.callback`
from a recording sink and the player can hand it to PortAudio.

Three designs:

* ``gil-free`` (default) — a producer thread reads input, resamples and writes
  into PortAudio's lock-free :class:`~harness.playback.pa_ring.PaRingBuffer`;
  rtmixer's audio callback, written in C, copies out of it and never takes
  the GIL. The engine's :meth:`PlaybackEngine.callback` then only stands in
  for that C callback where there is no device (tests); on a device the
  player keeps the engine's counters from what the C callback reports.
* ``producer`` — the same producer, but the audio callback is Python
  (:meth:`PlaybackEngine.callback`) copying out of a
  :class:`~backends.ring.RingBuffer`: it must take the GIL before
  it can copy a frame. On an empty ring it plays silence and counts an
  underrun.
* ``callback`` — the Python callback itself pulls input and resamples until
  the ring holds a block (the seed's original setup), for comparison.

Everything the Python callback records goes into preallocated arrays; it
never allocates in producer mode, takes no lock, logs nothing and prints
nothing. The timing logs are rings holding the last :data:`LOG_SECONDS` of
playback, so their size does not grow with the session.

Nothing is dropped: output the FIFO has no room for is kept by the producer
and written before anything new is resampled.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import perf_counter_ns, sleep
from typing import Any

import numpy as np

from backends import Variant, expected_length
from backends.hotswap import HotSwapResampler
from backends.ring import RingBuffer
from harness.playback.pa_ring import PaRingBuffer

__all__ = [
    "FIFO_SECONDS",
    "LOG_SECONDS",
    "MAX_CROSSFADE_SECONDS",
    "MODES",
    "LoopSource",
    "PlaybackEngine",
    "block_input_frames",
]

MODES = ("gil-free", "producer", "callback")

#: How far ahead the producer keeps the FIFO, at least (plus 4 device blocks).
#: The producer is a normal-priority Python thread: on a loaded 2-core machine
#: the scheduler and the GIL can keep it off the CPU for tens of milliseconds,
#: and a swap to a backend whose filter must be primed costs a few more.
FIFO_SECONDS = 0.1

#: The timing logs keep the callbacks and resampler calls of this much playback.
LOG_SECONDS = 600

#: Longest crossfade at a swap. 5 ms already swaps without a click (below
#: -120 dB between band-limited backends); a fade runs two backends at once and
#: holds back every further swap until it ends, so a longer one only costs.
MAX_CROSSFADE_SECONDS = 10


def block_input_frames(blocksize: int, in_rate: int, out_rate: int) -> int:
    """Input frames the producer resamples per step: one device block's worth, rounded up.

    Swaps are scheduled between steps, so no swap interval can be shorter.
    """
    return -(-blocksize * in_rate // out_rate)


class LoopSource:
    """Input frames from a clip, looped until ``total_frames`` (default: the clip once)."""

    def __init__(self, clip: np.ndarray, *, total_frames: int | None = None) -> None:
        self.clip = clip if clip.ndim == 2 else clip[:, np.newaxis]
        self.total = len(self.clip) if total_frames is None else total_frames
        self.position = 0

    @property
    def remaining(self) -> int:
        return self.total - self.position

    def read(self, n: int) -> np.ndarray:
        """Up to ``n`` frames (fewer at the end); a view unless the clip wraps."""
        n = min(n, self.remaining)
        start = self.position % len(self.clip)
        self.position += n
        if start + n <= len(self.clip):
            return self.clip[start : start + n]
        parts, left = [], n
        while left:
            take = min(left, len(self.clip) - start)
            parts.append(self.clip[start : start + take])
            left -= take
            start = 0
        return np.concatenate(parts)


@dataclass
class _Timings:
    """A preallocated ring of the latest durations (ns), each with an integer tag."""

    ns: np.ndarray
    tag: np.ndarray
    count: int = 0  # durations ever added; the ring keeps the last len(ns)

    @classmethod
    def create(cls, capacity: int) -> _Timings:
        return cls(np.zeros(capacity, np.int64), np.zeros(capacity, np.int16))

    @property
    def kept(self) -> int:
        """Durations the ring holds now."""
        return min(self.count, len(self.ns))

    def add(self, ns: int, tag: int = 0) -> None:
        i = self.count % len(self.ns)
        self.ns[i] = ns
        self.tag[i] = tag
        self.count += 1

    def values_us(self, tag: int | None = None) -> np.ndarray:
        """Every kept duration (µs, in ring order), or those tagged ``tag``."""
        ns = self.ns[: self.kept]
        if tag is not None:
            ns = ns[self.tag[: self.kept] == tag]
        return ns / 1000.0

    def recent_us(self, n: int) -> np.ndarray:
        """The latest ``n`` durations (µs), fewer if fewer are kept."""
        index = np.arange(self.count - min(n, self.kept), self.count) % len(self.ns)
        return self.ns[index] / 1000.0


class PlaybackEngine:
    """Source, swapper, FIFO and the callback body, with their metrics.

    Parameters
    ----------
    source : LoopSource
        The input.
    in_rate, out_rate : int
        Source and device sample rates.
    backends : sequence of str
        Backend specs; the first plays first, ``swap_next`` cycles through them.
    blocksize : int
        Device frames per callback.
    mode : {"gil-free", "producer", "callback"}
        Who reads the FIFO and where resampling happens (see the module).
    crossfade_frames : int
        Crossfade length at a swap, in output frames: at most
        :data:`MAX_CROSSFADE_SECONDS`, and at most the swap interval.
    swap_every_frames : int, optional
        Swap to the next backend every this many input frames; at least one
        step of the producer (:func:`block_input_frames`).
    fifo_frames : int, optional
        How far ahead the producer keeps the FIFO (default
        :data:`FIFO_SECONDS` of output plus 4 blocks).
    expected_callbacks : int
        Sizes the preallocated timing logs, which keep at most the callbacks
        of the last :data:`LOG_SECONDS`.

    Raises
    ------
    ValueError
        A parameter outside the range above; the message names it.
    """

    def __init__(
        self,
        source: LoopSource,
        *,
        in_rate: int,
        out_rate: int,
        backends: Sequence[str],
        blocksize: int = 256,
        mode: str = "gil-free",
        crossfade_frames: int = 240,
        swap_every_frames: int | None = None,
        fifo_frames: int | None = None,
        expected_callbacks: int = 1 << 16,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode: expected one of {', '.join(MODES)}, got {mode!r}")
        if not backends:
            raise ValueError("backends: expected at least one backend spec")
        _check_schedule(
            in_rate=in_rate,
            out_rate=out_rate,
            blocksize=blocksize,
            crossfade_frames=crossfade_frames,
            swap_every_frames=swap_every_frames,
        )
        self.source = source
        self.in_rate, self.out_rate = in_rate, out_rate
        self.channels = source.clip.shape[1]
        self.blocksize, self.mode = blocksize, mode
        # Canonical specs (every option spelled out), as the swapper reports them.
        self.order = [str(Variant.parse(spec).resolved()) for spec in backends]
        self.swapper = HotSwapResampler(
            self.order[0],
            in_rate=in_rate,
            out_rate=out_rate,
            channels=self.channels,
            crossfade_frames=crossfade_frames,
        )
        self.swapper.prepare(self.order)
        self.in_block = block_input_frames(blocksize, in_rate, out_rate)
        self.target = fifo_frames or 4 * blocksize + round(FIFO_SECONDS * out_rate)
        capacity = self.target + out_rate + 8 * blocksize
        self.ring: RingBuffer | PaRingBuffer = (
            PaRingBuffer(capacity, self.channels)
            if mode == "gil-free"
            else RingBuffer(capacity, self.channels)
        )
        self.swap_every = swap_every_frames
        self._next_swap = swap_every_frames or 0
        self._next_index = 1 % len(self.order)
        self._requested: str | None = None
        self._unwritten: np.ndarray | None = None  # output the FIFO had no room for
        self._flushed = False  # the swapper has been given the last input block
        kept = min(expected_callbacks, LOG_SECONDS * out_rate // blocksize + 1)
        self.callbacks = _Timings.create(kept)
        self.resamples = _Timings.create(kept * 2 + 1024)
        self.blocks = 0  # device callbacks so far
        self.device_underflows = 0
        self.device_underflows_late = 0  # of those, right after a late callback of ours
        self.late_callbacks = 0
        self.fifo_low: int | None = None  # lowest fill the producer found while playing
        self._budget_ns = 10**9 * blocksize // out_rate
        self._recent = np.zeros(3, np.int64)  # server-call-to-return time of recent calls
        self.fifo_underruns = 0
        self.frames_played = 0
        self.produced_all = False
        self.finished = False
        self.errors: list[str] = []

    # -- control (any thread) ---------------------------------------------------------

    def request_swap(self, spec: str) -> None:
        """Swap to ``spec`` at the producer's next block boundary."""
        self._requested = spec

    def swap_next(self) -> None:
        """Swap to the next backend in the order."""
        self.request_swap(self.order[self._next_index])
        self._next_index = (self._next_index + 1) % len(self.order)

    # -- producer side ------------------------------------------------------------------

    def produce_once(self) -> None:
        """Resample one input block into the FIFO (the flush after the last one).

        Output that does not fit is kept and written first on the next call,
        which resamples nothing new until all of it is in the FIFO.
        """
        if self.produced_all:
            return
        y = self._unwritten if self._unwritten is not None else self._resample_next()
        written = self.ring.write(y)
        self._unwritten = y[written:] if written < len(y) else None
        self.produced_all = self._flushed and self._unwritten is None

    def _resample_next(self) -> np.ndarray:
        """Swap if one is due, then resample the next input block."""
        if self.swap_every and self.swapper.frames_in >= self._next_swap:
            self._next_swap += self.swap_every
            self.swap_next()
        if self._requested is not None:
            self.swapper.request_swap(self._requested)
            self._requested = None
        x = self.source.read(self.in_block)
        self._flushed = self.source.remaining == 0
        tag = self.order.index(self.swapper.backend) if self.swapper.backend in self.order else 0
        t0 = perf_counter_ns()
        y = self.swapper.process(x, last=self._flushed)
        self.resamples.add(perf_counter_ns() - t0, tag)
        return y

    def prefill(self) -> None:
        """Fill the FIFO to its target before the device starts."""
        while self.ring.fill < self.target and not self.produced_all:
            self.produce_once()

    def producer_loop(
        self, stop: threading.Event, *, tick: Callable[[], None] | None = None
    ) -> None:
        """Keep the FIFO at its target until playback ends or ``stop`` is set.

        ``tick`` runs whenever the FIFO is full enough (and after the last
        block, until playback is complete): the GIL-free player uses it to
        learn what the C callback did.
        """
        period = self.blocksize / self.out_rate
        try:
            while not stop.is_set() and not self.finished:
                fill = self.ring.fill
                if not self.produced_all:
                    self.fifo_low = fill if self.fifo_low is None else min(self.fifo_low, fill)
                if fill < self.target and not self.produced_all:
                    self.produce_once()
                    continue
                if tick is not None:
                    tick()
                sleep(period / 4)
        except Exception as exc:  # reported, and playback drains what it has
            self.errors.append(f"producer stopped: {type(exc).__name__}: {exc}")
            self.produced_all = True

    # -- the callback body ----------------------------------------------------------------

    def callback(
        self, outdata: np.ndarray, frames: int, underflow: bool = False, delay_ns: int = 0
    ) -> bool:
        """Fill ``outdata`` (frames × channels); return True once playback is complete.

        ``underflow`` is the device's flag for this call; ``delay_ns`` how long
        after the server's call this body started (waiting for the GIL).
        """
        t0 = perf_counter_ns()
        if self.mode == "callback":
            while self.ring.fill < frames and not self.produced_all:
                self.produce_once()
        n = self.ring.read_into(outdata)
        if n < frames:
            outdata[n:] = 0
            if not self.produced_all:
                self.fifo_underruns += 1
        self.frames_played += n
        self.blocks += 1
        self.finished = self.produced_all and self.ring.fill == 0
        duration = perf_counter_ns() - t0
        self.callbacks.add(duration)
        self._note_lateness(delay_ns + duration, underflow)
        return self.finished

    def _note_lateness(self, total_ns: int, underflow: bool) -> None:
        """Attribute a device underflow: to us if this or one of the two previous calls
        took longer than the budget from the server's call to our return; otherwise
        to the audio server (e.g. the dummy JACK driver on a busy machine)."""
        self._recent[self.callbacks.count % 3] = total_ns
        if total_ns > self._budget_ns:
            self.late_callbacks += 1
        if underflow:
            self.device_underflows += 1
            if self._recent.max() > self._budget_ns:
                self.device_underflows_late += 1

    # -- results ----------------------------------------------------------------------------

    @property
    def held_back(self) -> int:
        """Frames the rule says the input so far should give, minus frames produced."""
        return expected_length(self.swapper.frames_in, self.in_rate, self.out_rate) - (
            self.swapper.frames_out
        )

    @property
    def lost_frames(self) -> int:
        """Frames missing (or, negative, extra) in what was produced so far.

        Frames held back within the backends' latency are not lost: they come
        with the flush.
        """
        limit = self.swapper.latency
        return self.held_back - limit if self.held_back > limit else min(self.held_back, 0)

    def report(self) -> dict[str, Any]:
        """Everything measured, as plain JSON-ready values."""
        cb = self.callbacks.values_us()
        per_backend = {}
        for index, spec in enumerate(self.order):
            us = self.resamples.values_us(index)
            if len(us):
                per_backend[spec] = _stats(us) | {"blocks": len(us)}
        all_resample = self.resamples.values_us()
        expected = expected_length(self.swapper.frames_in, self.in_rate, self.out_rate)
        complete = self.produced_all and self.finished
        # Only a Python callback is timed; rtmixer's C callback reports counts only.
        timed = self.callbacks.count > 0
        return {
            "mode": self.mode,
            "in_rate": self.in_rate,
            "out_rate": self.out_rate,
            "channels": self.channels,
            "blocksize": self.blocksize,
            "frames_in": self.swapper.frames_in,
            "frames_out_expected": expected,
            "frames_produced": self.swapper.frames_out,
            "frames_held_back": self.held_back,
            "frames_played": self.frames_played,
            "duration_s": self.frames_played / self.out_rate,
            "complete": complete,
            "lost_frames": (expected - self.frames_played) if complete else self.lost_frames,
            "underruns": {
                "fifo_empty": self.fifo_underruns,
                "device_output_underflow": self.device_underflows,
            },
            "blocks": self.blocks,
            "fifo_target_frames": self.target,
            "fifo_low_frames": self.fifo_low,
            "device_underflow_after_late_callback": self.device_underflows_late if timed else None,
            "late_callbacks": self.late_callbacks if timed else None,
            "callback_us": _stats(cb)
            | {"count": self.callbacks.count, "budget_us": 1e6 * self.blocksize / self.out_rate},
            "resample_us": _stats(all_resample),
            "resample_us_by_backend": per_backend,
            # the timing statistics above cover the calls the logs still hold
            "timing_log": {
                "seconds": LOG_SECONDS,
                "callbacks_kept": self.callbacks.kept,
                "callbacks": self.callbacks.count,
                "resamples_kept": self.resamples.kept,
                "resamples": self.resamples.count,
            },
            "swaps": self.swapper.swaps,
            "swap_rho_min": min((e.rho for e in self.swapper.events), default=None),
            "faults": [dataclasses.asdict(f) for f in self.swapper.faults],
            "errors": list(self.errors),
        }


def _check_schedule(
    *,
    in_rate: int,
    out_rate: int,
    blocksize: int,
    crossfade_frames: int,
    swap_every_frames: int | None,
) -> None:
    """Refuse a crossfade or swap interval the engine cannot honour."""
    if blocksize < 1:
        raise ValueError(f"blocksize: expected a positive frame count, got {blocksize}")
    longest = MAX_CROSSFADE_SECONDS * out_rate
    if not 1 <= crossfade_frames <= longest:
        raise ValueError(
            f"crossfade_frames: expected 1 to {longest} ({MAX_CROSSFADE_SECONDS} s), "
            f"got {crossfade_frames}"
        )
    if swap_every_frames is None:
        return
    step = block_input_frames(blocksize, in_rate, out_rate)
    if swap_every_frames < step:
        raise ValueError(
            f"swap_every_frames: expected at least one device block's input ({step} frames), "
            f"got {swap_every_frames}"
        )
    if crossfade_frames * in_rate > swap_every_frames * out_rate:
        raise ValueError(
            f"crossfade_frames: expected at most the swap interval "
            f"({swap_every_frames * out_rate // in_rate} output frames), got {crossfade_frames}"
        )


def _stats(us: np.ndarray) -> dict[str, float | None]:
    if not len(us):
        return {"p50": None, "p95": None, "p99": None, "max": None}
    q = np.quantile(us, [0.5, 0.95, 0.99])
    return {"p50": float(q[0]), "p95": float(q[1]), "p99": float(q[2]), "max": float(us.max())}

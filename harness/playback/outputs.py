"""The two ways the player hands frames to PortAudio.

* :class:`GilFreeOutput` (mode ``gil-free``): rtmixer's ``Mixer``, whose
  PortAudio callback is C and copies from the engine's
  :class:`~harness.playback.pa_ring.PaRingBuffer`. It never takes the GIL, so
  neither the producer's resampling nor anything else Python does can make
  it late. What it did (frames played, device underflows, the ring running
  dry) comes back through rtmixer's action queues and is written into the
  engine's counters by :meth:`GilFreeOutput.poll`.
* :class:`PythonOutput` (modes ``producer`` and ``callback``): a sounddevice
  ``OutputStream`` whose callback is :meth:`PlaybackEngine.callback`, Python
  code that must take the GIL before it can copy a frame (the seed's setup).

Both expose ``start``, ``stop``, ``close``, ``active``, ``done``, ``poll``
(``tick`` for the producer thread) and ``finish`` (final counts after stop).
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from harness.playback.engine import PlaybackEngine

__all__ = ["GilFreeOutput", "PythonOutput", "open_output", "realtime_policy"]

#: How often the producer thread asks the C callback for its counters.
STATS_SECONDS = 0.05


def realtime_policy() -> str:
    """The scheduling this process's audio thread got, e.g. ``"SCHED_FIFO 65"``.

    The JACK client library runs the process callback in a thread it creates
    with realtime scheduling when the server runs realtime (``jackd -R``),
    and with normal scheduling otherwise; no other thread of ours is
    realtime. So a realtime thread in this process is the audio thread, and
    with none the audio thread is ``SCHED_OTHER``.
    """
    names = {os.SCHED_FIFO: "SCHED_FIFO", os.SCHED_RR: "SCHED_RR"}
    best: tuple[int, str] | None = None
    for tid in os.listdir("/proc/self/task"):
        try:
            policy = os.sched_getscheduler(int(tid))
            priority = os.sched_getparam(int(tid)).sched_priority
        except OSError:  # the thread ended meanwhile
            continue
        if policy in names and (best is None or priority > best[0]):
            best = (priority, f"{names[policy]} {priority}")
    return best[1] if best else "SCHED_OTHER"


class PythonOutput:
    """A sounddevice stream whose Python callback is ``engine.callback``."""

    def __init__(self, sd: Any, engine: PlaybackEngine, index: int) -> None:
        self.engine = engine
        self.done = threading.Event()

        def callback(outdata, frames, time_info, status):
            # How long after the server's call we got here (the GIL may have been busy).
            called = time_info.currentTime
            delay_ns = int(1e9 * (stream.time - called)) if called > 0 else 0
            if engine.callback(outdata, frames, bool(status.output_underflow), max(delay_ns, 0)):
                raise sd.CallbackStop

        stream = sd.OutputStream(
            device=index,
            samplerate=engine.out_rate,
            blocksize=engine.blocksize,
            channels=engine.channels,
            dtype="float32",
            callback=callback,
            finished_callback=self.done.set,
        )
        self.stream = stream

    @property
    def active(self) -> bool:
        return self.stream.active

    def start(self) -> None:
        self.stream.start()

    def poll(self) -> None:
        """Nothing to do: the Python callback keeps the engine's counters itself."""

    def stop(self) -> None:
        self.stream.stop()

    def finish(self) -> None:
        """Nothing to collect."""

    def close(self) -> None:
        self.stream.close()


class GilFreeOutput:
    """rtmixer's C callback playing the engine's lock-free ring.

    rtmixer drops a ring from playback as soon as the ring cannot fill a
    whole block (it plays what there was, then silence). Before the end of
    the input that is a FIFO underrun: :meth:`poll` counts it and hands the
    ring back, and playback goes on from the next frame, nothing lost or
    repeated. After the last frame it is the end of playback.

    Only one thread may call :meth:`poll` (rtmixer's result queue has a
    single reader): the producer thread, through ``producer_loop(tick=...)``.
    """

    def __init__(self, rtmixer: Any, engine: PlaybackEngine, index: int) -> None:
        self.engine = engine
        self.done = threading.Event()
        self.mixer = rtmixer.Mixer(
            device=index,
            channels=engine.channels,
            blocksize=engine.blocksize,
            samplerate=engine.out_rate,
        )
        self._action: Any = None
        self._ended_frames = 0  # frames played by ring actions that have ended
        self._stats: Any = None  # a fetch_and_reset_stats action under way
        self._next_stats = 0.0

    @property
    def active(self) -> bool:
        return self.mixer.active

    def start(self) -> None:
        self.mixer.start()
        self._action = self.mixer.play_ringbuffer(self.engine.ring.raw)

    def poll(self) -> None:
        """Copy the C callback's progress into the engine; hand a drained ring back."""
        engine = self.engine
        actions = self.mixer.actions  # reads rtmixer's result queue
        action = self._action
        if action is not None:
            played = self._ended_frames + action.done_frames
            if action not in actions:  # the callback dropped the ring
                self._ended_frames = played
                if engine.produced_all and engine.ring.fill == 0:
                    self._action = None
                    engine.finished = True
                    self.done.set()
                else:
                    engine.fifo_underruns += 1
                    self._action = self.mixer.play_ringbuffer(engine.ring.raw)
            engine.frames_played = played
        if self._stats is not None and self._stats not in actions:
            self._add_stats(self._stats.stats)
            self._stats = None
        now = time.monotonic()
        if self._stats is None and now >= self._next_stats:
            self._stats = self.mixer.fetch_and_reset_stats()
            self._next_stats = now + STATS_SECONDS

    def _add_stats(self, stats: Any) -> None:
        self.engine.blocks += stats.blocks
        self.engine.device_underflows += stats.output_underflows

    def stop(self) -> None:
        self.mixer.stop()

    def finish(self) -> None:
        """After :meth:`stop`: the last counts the C callback left (producer joined)."""
        if self._stats is not None and self._stats not in self.mixer.actions:
            self._add_stats(self._stats.stats)
        self._add_stats(self.mixer.stats)  # what it counted since the last fetch
        if self._action is not None:
            self.engine.frames_played = self._ended_frames + self._action.done_frames

    def close(self) -> None:
        self.mixer.close()


def open_output(engine: PlaybackEngine, index: int) -> PythonOutput | GilFreeOutput:
    """The output for ``engine.mode`` on device ``index`` (sounddevice is imported)."""
    import sounddevice

    if engine.mode == "gil-free":
        import rtmixer

        return GilFreeOutput(rtmixer, engine, index)
    return PythonOutput(sounddevice, engine, index)

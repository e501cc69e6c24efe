"""The control of a soak: a GIL-free client playing a full ring, in a process of its own.

It measures, in the same run and on the same server, what a client gets
that cannot be late through anything Python does: rtmixer's C callback
copying from a PortAudio ring that was filled before it started and is
kept full of silence. Its own process has its own GIL, and nothing in it
runs but a loop that wakes every 0.1 s. Its counts go next to the player's
in the soak report (see :mod:`harness.playback.attribution` for how they
are compared).

Run by :class:`Control` as ``python -m harness.playback.control``; it plays
until its standard input closes (so it also stops when the player dies),
ignores Ctrl-C (the player stops it), prints one JSON line when it plays
(its JACK client name and scheduling, or an error), and writes its counters
every :data:`SAMPLE_SECONDS` as JSON lines to ``--out``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from harness.playback.pa_ring import PaRingBuffer

__all__ = ["Control", "ControlError", "jack_client_name", "main"]

#: Seconds between two counter samples of the control.
SAMPLE_SECONDS = 0.5
#: How long the control may take to start playing.
START_SECONDS = 30.0


class ControlError(RuntimeError):
    """The control client could not start; the message says why."""


def jack_client_name(sd: Any) -> str | None:
    """This process's JACK client name (PortAudio's), or None when not on JACK."""
    import ctypes
    import ctypes.util

    libname = getattr(sd, "_libname", None) or ctypes.util.find_library("portaudio")
    try:
        get = ctypes.CDLL(libname).PaJack_GetClientName
    except (OSError, AttributeError, TypeError):  # no such library or function
        return None
    name = ctypes.c_char_p()
    get.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
    if get(ctypes.byref(name)) != 0 or not name.value:
        return None
    return name.value.decode()


def _stdin_closed(timeout: float) -> bool:
    ready, _, _ = select.select([sys.stdin], [], [], timeout)
    return bool(ready) and not sys.stdin.buffer.read1(4096)


def _play(args: argparse.Namespace, out: Any) -> int:
    import rtmixer
    import sounddevice

    from harness.playback.outputs import realtime_policy

    ring = PaRingBuffer(args.rate, args.channels)  # a second or more of silence
    silence = np.zeros((ring.capacity, args.channels), np.float32)
    ring.write(silence)
    mixer = rtmixer.Mixer(
        device=args.device, channels=args.channels, blocksize=args.blocksize, samplerate=args.rate
    )
    mixer.start()
    action = mixer.play_ringbuffer(ring.raw)
    client = jack_client_name(sounddevice)
    print(json.dumps({"client": client, "sched": realtime_policy()}), flush=True)
    counts = {"blocks": 0, "underflows": 0, "ring_dropped": 0}
    pending = mixer.fetch_and_reset_stats()
    while not _stdin_closed(SAMPLE_SECONDS):
        ring.write(silence[: ring.space])
        if action not in mixer.actions:  # cannot happen while the ring is full
            counts["ring_dropped"] += 1
            action = mixer.play_ringbuffer(ring.raw)
        if pending not in mixer.actions:
            counts["blocks"] += pending.stats.blocks
            counts["underflows"] += pending.stats.output_underflows
            out.write(json.dumps({"t": time.monotonic(), **counts}) + "\n")
            out.flush()
            pending = mixer.fetch_and_reset_stats()
    if not mixer.active:  # the server went away: PortAudio cannot close (see player)
        out.flush()
        os._exit(1)
    mixer.stop()
    mixer.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.playback.control")
    parser.add_argument("--device", type=int, required=True, help="PortAudio device index")
    parser.add_argument("--rate", type=int, required=True)
    parser.add_argument("--blocksize", type=int, required=True)
    parser.add_argument("--channels", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="counters, as JSON lines")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with args.out.open("w") as out:
        try:
            return _play(args, out)
        except Exception as exc:  # reported to the player, which says why
            print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
            return 1


class Control:
    """The control process, started and stopped by the player.

    Parameters
    ----------
    device : int
        PortAudio device index (the player's; both processes see the same list).
    rate, blocksize, channels : int
        As the player's stream.
    out : Path
        Where the control writes its counters.

    Raises
    ------
    ControlError
        The control did not start playing; the message has its reason.
    """

    def __init__(self, *, device: int, rate: int, blocksize: int, channels: int, out: Path):
        self.out = out
        command = [sys.executable, "-m", "harness.playback.control", "--out", str(out)]
        for flag, value in (
            ("--device", device),
            ("--rate", rate),
            ("--blocksize", blocksize),
            ("--channels", channels),
        ):
            command += [flag, str(value)]
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # JACK's and PortAudio's chatter
        )
        ready, _, _ = select.select([self.proc.stdout], [], [], START_SECONDS)
        line = self.proc.stdout.readline() if ready else b""
        hello = json.loads(line) if line.strip() else {"error": "it exited or hung on start"}
        if "error" in hello:
            self.kill()
            raise ControlError(f"the control client did not start: {hello['error']}")
        self.client: str | None = hello["client"]
        self.sched: str = hello["sched"]

    def stop(self) -> list[dict[str, Any]]:
        """Stop the control; its counter samples, oldest first."""
        with contextlib.suppress(BrokenPipeError):
            self.proc.stdin.close()
        try:
            self.proc.wait(5.0)
        except subprocess.TimeoutExpired:
            self.kill()
        return [json.loads(line) for line in self.out.read_text().splitlines() if line]

    def kill(self) -> None:
        """End the control at once (the server went away under it)."""
        self.proc.kill()
        self.proc.wait()


if __name__ == "__main__":
    sys.exit(main())

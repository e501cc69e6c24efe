"""The player on real PortAudio output: a JACK dummy server paced in real time.

These tests need the server that ``.ci/with-audio-server`` starts (``make
test`` does); without it they skip. They assert what happened (frames,
underruns, exit status), never how long anything took.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest

import backends
import backends.testing
from harness.measuring import signals
from harness.playback.attribution import excess_p
from harness.playback.control import jack_client_name
from harness.playback.player import (
    PlayerError,
    PlayOptions,
    build_engine,
    default_swap_order,
    play,
)
from harness.playback.wavio import read_wav

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _server(audio_server):
    return audio_server


def test_ten_seconds_of_speech_swapping_every_half_second():
    order = default_swap_order()
    report = play(PlayOptions(backends=order, duration=10.0, swap_every=0.5))
    assert report["mode"] == "gil-free"  # the default: rtmixer's C callback
    assert report["hostapi"].startswith("JACK") and report["out_rate"] == 48000
    assert report["complete"]
    assert report["frames_played"] == backends.expected_length(10 * 22050, 22050, 48000)
    assert report["lost_frames"] == 0
    assert report["underruns"]["fifo_empty"] == 0
    assert report["swaps"] >= 19
    assert set(report["resample_us_by_backend"]) == set(report["backends"])  # canonical specs
    assert [backends.Variant.parse(s).name for s in report["backends"]] == [
        backends.Variant.parse(s).name for s in order
    ]


def test_injected_callback_stalls_show_up_as_device_underflows():
    stalls = {50, 100, 150, 200, 250}

    def inject(engine):
        read, count = engine.ring.read_into, [0]

        def slow_read(out):  # inside the callback body, so the engine sees it run late
            count[0] += 1
            if count[0] in stalls:
                time.sleep(0.02)  # 4 periods of 256 frames at 48 kHz
            return read(out)

        engine.ring.read_into = slow_read
        return engine

    report = play(
        PlayOptions(backends=["linear"], duration=2.0, mode="producer"), engine_hook=inject
    )
    assert report["underruns"]["device_output_underflow"] >= len(stalls)
    # the callback saw itself late each time; the device's flag reaches it through
    # JACK's notification thread, which a loaded machine can delay past the three
    # calls the heuristic looks back (the gate asks the server's log instead)
    assert report["late_callbacks"] >= len(stalls)
    assert report["device_underflow_after_late_callback"] >= 1
    assert report["lost_frames"] == 0  # late, but every frame still played


def test_the_server_pins_our_stalls_on_us_and_the_control_hears_of_them_too():
    """JACK tells every client of every xrun: the control's own count includes ours,
    so only the server's log can say whose they were; the gate then fails (a
    stall in every second of 8: the sign test's p is at most 2**-7)."""
    log = os.environ.get("RESAMPLER_SUITE_SERVER_LOG")
    if not log:
        pytest.skip("the server's log is unknown: start it with .ci/jack-dummy")
    stalls = set(range(30, 1500, 30))  # 49 stalls of 4 periods each, in 8 s

    def inject(engine):
        read, count = engine.ring.read_into, [0]

        def slow_read(out):
            count[0] += 1
            if count[0] in stalls:
                time.sleep(0.02)
            return read(out)

        engine.ring.read_into = slow_read
        return engine

    options = PlayOptions(
        backends=["linear"], duration=8.5, mode="producer", control=True, server_log=Path(log)
    )
    report = play(options, engine_hook=inject)
    found = report["attribution"]
    assert found["source"] == "server log"
    assert report["control"]["client"] != report["client"]
    assert found["ours"] >= len(stalls)  # the server named our client each time
    assert report["control"]["device_underflows"] >= len(stalls)  # and told the control
    assert sum(m["late_ours"] for m in report["per_minute"]) == found["ours"]
    assert sum(found["per_second"]["ours"]) == found["ours"]
    assert found["seconds_ours_worse"] >= 7  # a stall in every second
    assert found["excess_p"] == excess_p(
        found["seconds_ours_worse"], found["seconds_control_worse"]
    )
    assert not report["gate"]["passed"]
    assert report["lost_frames"] == 0


def test_a_starved_gil_free_ring_is_handed_back_and_plays_on_without_a_lost_frame():
    """rtmixer drops a ring that cannot fill a block; the player counts a FIFO
    underrun, gives the ring back, and every frame still plays exactly once."""
    stalls = {60, 120, 180}  # producer steps (one block of input each)

    def inject(engine):
        produce, count = engine.produce_once, [0]

        def slow_produce():
            count[0] += 1
            if count[0] in stalls:  # longer than the whole FIFO lasts
                time.sleep(2 * engine.target / engine.out_rate)
            produce()

        engine.produce_once = slow_produce
        return engine

    report = play(
        PlayOptions(backends=["soxr", "linear"], duration=3.0, swap_every=0.25),
        engine_hook=inject,
    )
    assert report["mode"] == "gil-free" and report["complete"]
    assert report["underruns"]["fifo_empty"] >= len(stalls)
    assert report["frames_played"] == backends.expected_length(3 * 22050, 22050, 48000)
    assert report["lost_frames"] == 0 and not report["gate"]["passed"]
    assert report["fifo_low_frames"] == 0


def write_wav(path: Path, pcm, rate: int) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.astype("<i2").tobytes())
    return path


def offline_output(options: PlayOptions, path: Path) -> np.ndarray:
    """What the engine hands the device for ``options``, channel 0, without a device."""
    clip, rate = read_wav(path)
    engine = build_engine(options, clip, rate, 48000, channels=2)
    engine.prefill()
    out, blocks = np.empty((256, 2), np.float32), []
    while True:
        while engine.ring.fill < engine.target and not engine.produced_all:
            engine.produce_once()
        done = engine.callback(out, 256)
        blocks.append(out[:, 0].copy())
        if done:
            return np.concatenate(blocks)[: engine.frames_played]


@pytest.mark.skipif(shutil.which("jack_rec") is None, reason="jack_rec not installed")
def test_the_server_receives_every_frame_once_across_swaps(tmp_path):
    """jack_rec records our port on the server: the GIL-free path hands over
    exactly what the engine produced, no frame lost or repeated, swaps and all."""
    import sounddevice

    noise_pcm = (backends.testing.noise(8 * 22050, 1, seed=5) * 12000).astype(np.int16)
    path = write_wav(tmp_path / "noise.wav", noise_pcm, 22050)  # never repeats itself
    options = PlayOptions(file=path, backends=["soxr", "numba", "samplerate"], swap_every=0.25)
    client = jack_client_name(sounddevice)
    recording = tmp_path / "rec.wav"
    recorder: list[subprocess.Popen] = []

    def ports() -> set[str]:
        listed = subprocess.run(["jack_lsp"], capture_output=True, text=True).stdout
        return {p for p in listed.split("\n") if p.startswith(f"{client}:out_")}

    before = ports()  # PortAudio numbers the ports of each new stream on

    def record_when_our_port_exists():
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the ports appear when our stream opens
            if new := ports() - before:
                first = min(new, key=lambda p: int(p.rsplit("_", 1)[1]))  # channel 0
                command = ["jack_rec", "-f", str(recording), "-d", "12", "-b", "32", first]
                recorder.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))
                return
            time.sleep(0.01)

    watcher = threading.Thread(target=record_when_our_port_exists, daemon=True)

    def start_watching(engine):
        watcher.start()
        return engine

    report = play(options, engine_hook=start_watching)
    watcher.join(30)
    assert recorder, f"no new port of {client} appeared"
    recorder[0].wait(timeout=30)
    assert report["mode"] == "gil-free" and report["swaps"] >= 30
    expected = offline_output(options, path)
    assert len(expected) == report["frames_played"] == 8 * 48000
    got, _ = read_wav(recording)
    got = got[:, 0].astype(np.float64) / 2**31
    first = int(np.argmax(np.abs(got) > 1e-3))  # the recorder may have missed the start
    window = np.lib.stride_tricks.sliding_window_view(expected, 64)
    (start,) = np.flatnonzero(np.abs(window - got[first : first + 64]).max(axis=1) < 1e-6)
    n = len(expected) - start
    assert n > len(expected) // 2  # the recorder connected while most was still to play
    np.testing.assert_allclose(got[first : first + n], expected[start:], atol=1e-6)
    assert not np.abs(got[first + n : first + n + 4800]).any()  # and nothing after it


def test_a_44100_hz_stereo_file_plays_at_the_device_rate(tmp_path):
    path = tmp_path / "tone.wav"
    pcm = (signals.tone(440.0, 44100, 88200, dbfs=-6)[:, None] * [1, 0.5] * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(pcm.tobytes())
    report = play(PlayOptions(file=path, backends=["soxr", "numba"], swap_every=0.5))
    assert (report["in_rate"], report["out_rate"], report["channels"]) == (44100, 48000, 2)
    assert report["frames_played"] == backends.expected_length(88200, 44100, 48000) == 96000
    assert report["lost_frames"] == 0 and report["underruns"]["fifo_empty"] == 0


def test_callback_mode_plays_every_frame():
    report = play(
        PlayOptions(backends=["soxr", "linear"], duration=3.0, swap_every=0.5, mode="callback")
    )
    assert report["mode"] == "callback" and report["complete"]
    assert report["lost_frames"] == 0
    assert report["frames_played"] == backends.expected_length(3 * 22050, 22050, 48000)


def test_a_rate_the_server_does_not_run_at_is_refused():
    with pytest.raises(PlayerError, match="cannot open 'system' at 44100 Hz"):
        play(PlayOptions(backends=["linear"], duration=1.0, rate=44100))


def test_soak_command_prints_the_verdict_its_report_supports(tmp_path):
    """The verdict follows the report; whether it passes on a loaded machine is not asserted.

    (A device underflow can come from the server's own scheduling on a busy
    machine; the gate counts it, a unit test must not depend on it.)
    """
    out = tmp_path / "soak.json"
    done = subprocess.run(
        [sys.executable, "-m", "harness", "soak", "--minutes", "0.1", "--report", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    report = json.loads(out.read_text())
    gate = report["gate"]
    verdict = "PASS" if gate["passed"] else "FAIL"
    assert f"soak 0.1 min, {report['swaps']} swaps: {verdict}" in done.stdout
    assert done.returncode == (0 if gate["passed"] else 1)
    assert gate["passed"] == (
        gate["fifo_underruns"] == 0
        and gate["late_excess_p"] >= gate["limit_late_excess_p"]
        and gate["resample_p95_us"] <= gate["limit_resample_p95_us"]
        and report["lost_frames"] == 0
    )
    assert report["mode"] == "gil-free" and report["control"]["client"]
    assert report["per_minute"] and report["attribution"]["source"] in {
        "server log",
        "client flags",
    }
    assert report["lost_frames"] == 0 and report["underruns"]["fifo_empty"] == 0
    assert report["swaps"] >= 5


@pytest.mark.skipif(shutil.which("jackd") is None, reason="jackd not installed")
def test_server_gone_mid_play_exits_non_zero_with_a_partial_report(tmp_path):
    """A private server is killed under a playing child; the child must not hang."""
    state = tmp_path / "jack"
    env = {**os.environ, "JACK_STATE_DIR": str(state)}
    started = subprocess.run(
        [str(ROOT / ".ci" / "jack-dummy"), "start"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert started.returncode == 0, started.stderr
    for line in started.stdout.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        env[key] = value
    report = tmp_path / "partial.json"
    child = subprocess.Popen(
        [sys.executable, "-m", "harness", "play", "--duration", "60", "--report", str(report)],
        env={**env, "PYTHONUNBUFFERED": "1"},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = []
    try:
        for line in child.stdout:  # warming up takes a while on a loaded machine
            seen.append(line)
            if "Ctrl-C stops" in line:
                break
        time.sleep(1.5)
        os.kill(int((state / "pid").read_text()), signal.SIGTERM)
        output, _ = child.communicate(timeout=15)
        output = "".join(seen) + output
    finally:
        if child.poll() is None:
            child.kill()
        subprocess.run(
            [str(ROOT / ".ci" / "jack-dummy"), "stop"], env=env, capture_output=True, timeout=30
        )
    assert child.returncode == 1
    assert "did the audio server exit?" in output
    assert "Traceback" not in output
    partial = json.loads(report.read_text())
    assert 0 < partial["frames_played"] < 60 * 48000 and not partial["complete"]


def run_until_playing(argv, *, then):
    """Start ``python -m harness ARGV``, wait for its "Ctrl-C stops" line, call ``then(child)``.

    Returns the exit status and everything it printed.
    """
    child = subprocess.Popen(
        [sys.executable, "-m", "harness", *argv],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = []
    try:
        for line in child.stdout:
            seen.append(line)
            if "Ctrl-C stops" in line:
                then(child)
                break
        output, _ = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    return child.returncode, "".join(seen) + output


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["play", "--duration", "30", "--swap-every", "0.25", "--swap-order", "soxr,linear"], 30),
        (["soak", "--minutes", "0.5"], 30),
    ],
    ids=["play", "soak"],
)
def test_ctrl_c_stops_cleanly_and_saves_the_partial_report(tmp_path, argv, expected):
    path = tmp_path / "partial.json"

    def interrupt(child):
        time.sleep(1.0)
        child.send_signal(signal.SIGINT)

    code, output = run_until_playing([*argv, "--report", str(path)], then=interrupt)
    assert code == 130, output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output
    assert "interrupted after" in output and "playback report" in output
    report = json.loads(path.read_text())
    assert report["interrupted"] and not report["complete"] and not report["gate"]["passed"]
    assert 0 < report["frames_played"] < expected * 48000
    assert report["lost_frames"] == 0  # held back by the backend is not lost


@pytest.mark.parametrize("rate", [1, 100, 20_000_000])
def test_a_wav_rate_the_device_rate_cannot_be_converted_from_is_a_usage_error(tmp_path, rate):
    path = tmp_path / f"at_{rate}.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(2000))
    done = subprocess.run(
        [sys.executable, "-m", "harness", "play", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    (line,) = [x for x in done.stderr.splitlines() if "error:" in x]
    assert f"{rate} Hz cannot be played at 48000 Hz (the device's rate; see --rate)" in line

"""``play`` and ``soak`` on the command line without a device: usage errors, output width.

Flags that can be judged alone are refused before the device is touched: these
tests make touching it fail.
"""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

import backends
from backends.testing import noise
from harness import cli
from harness.cli.play import play_exit_status, play_options
from harness.measuring import signals
from harness.playback import player
from harness.playback.attribution import excess_p
from harness.playback.engine import LOG_SECONDS, LoopSource, PlaybackEngine
from harness.playback.player import build_engine, gate_verdict, status_line
from harness.playback.wavio import WAV_ENCODINGS
from harness.views.playback import minutes_table, report_table, soaks_table

ROOT = Path(__file__).resolve().parent.parent
IN, OUT = 22050, 48000


@pytest.fixture
def no_device(monkeypatch):
    """Touching the audio device fails the test."""

    def touched(*args, **kwargs):
        raise AssertionError("the device was touched before the options were checked")

    monkeypatch.setattr(player, "_sounddevice", touched)
    monkeypatch.setattr(player, "find_output_device", touched)


def wav_at(path: Path, rate: int) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(2000))
    return path


USAGE_ERRORS = [
    (["play", "--rate", "-1"], "--rate: expected a positive number of Hz, got -1"),
    (["play", "--rate", "0"], "--rate: expected a positive number of Hz, got 0"),
    (
        ["play", "--swap-order", "linear,soxr:quality=XX"],
        "--swap-order: soxr option quality: expected one of QQ, LQ, MQ, HQ, VHQ, got 'XX'",
    ),
    (
        ["play", "--backend", "samplerate:converter=fast"],
        "--backend: samplerate option converter: expected one of",
    ),
    (["play", "--swap-order", "soxr:qualty=HQ"], "--swap-order: backend 'soxr': unknown option"),
    (["soak", "--swap-order", "linear,soxx"], "--swap-order: backend: expected one of"),
    (["play", "--swap-order", ","], "--swap-order: expected backend names, got ','"),
    (["play", "--duration", "nan"], "--duration: expected a positive number, got nan"),
    (["play", "--duration", "inf"], "--duration: expected a positive number, got inf"),
    (["play", "--duration", "-1"], "--duration: expected a positive number, got -1"),
    (["play", "--duration", "1e10"], "--duration: expected at most 6e+08 s, got 1e+10"),
    (["play", "--swap-every", "nan"], "--swap-every: expected a positive number, got nan"),
    (["soak", "--swap-every", "-1"], "--swap-every: expected a positive number, got -1"),
    (["soak", "--minutes", "nan"], "--minutes: expected a positive number, got nan"),
    (["soak", "--minutes", "inf"], "--minutes: expected a positive number, got inf"),
    (["soak", "--minutes", "0"], "--minutes: expected a positive number, got 0"),
    (["soak", "--repeat", "0"], "--repeat: expected 1 to 1000, got 0"),
    (["soak", "--repeat", "1001"], "--repeat: expected 1 to 1000, got 1001"),
    (["play", "--blocksize", "0"], "--blocksize: expected >= 16, got 0"),
    (["play", "--blocksize", "8"], "--blocksize: expected >= 16, got 8"),
    (["play", "--blocksize", "100000"], "--blocksize: expected <= 16384, got 100000"),
    (["play", "--crossfade-ms", "nan"], "--crossfade-ms: expected a positive number, got nan"),
    (["play", "--crossfade-ms", "0"], "--crossfade-ms: expected a positive number, got 0"),
    (["play", "--crossfade-ms", "20000"], "--crossfade-ms: expected at most 10000 ms, got 20000"),
    (
        ["play", "--swap-every", "1", "--crossfade-ms", "1500"],
        "--crossfade-ms: expected at most the swap interval (--swap-every 1 s = 1000 ms), got 1500",
    ),
    (
        ["soak", "--crossfade-ms", "1500"],
        "--crossfade-ms: expected at most the swap interval (--swap-every 1 s = 1000 ms)",
    ),
    (
        ["play", "--swap-every", "0.00001"],
        "--swap-every: expected at least the crossfade (--crossfade-ms 5 = 0.005 s), got 1e-05",
    ),
    (
        ["play", "--rate", "48000", "--swap-every", "0.001", "--crossfade-ms", "0.5"],
        "--swap-every: expected at least one device block, 5.35 ms (256 frames at 48000 Hz), "
        "got 1 ms",
    ),
    (
        ["play", "--rate", "20000000"],
        "the speech clip: 22050 Hz cannot be played at 20000000 Hz (--rate): "
        "the rates must lie within a factor 256 of each other",
    ),
]


@pytest.mark.parametrize(("argv", "message"), USAGE_ERRORS)
def test_usage_errors_are_one_line_naming_the_flag_without_a_device(
    argv, message, no_device, capsys
):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    error = err.splitlines()[-1]
    assert error.startswith("python -m harness: error: ")
    assert message in error
    flag = message.split(":")[0]
    # one flag per message: a valid --crossfade-ms is not blamed for a bad --blocksize
    others = {"--blocksize", "--crossfade-ms", "--duration", "--rate", "--minutes", "--repeat"}
    others -= {flag}
    if flag.startswith("--") and "--swap-every" not in message:
        assert not any(other in error for other in others)


@pytest.mark.parametrize("rate", [1, 100, 20_000_000])
def test_a_wav_rate_out_of_reach_of_rate_is_refused_before_the_device(
    rate, tmp_path, no_device, capsys
):
    path = wav_at(tmp_path / "x.wav", rate)
    with pytest.raises(SystemExit) as info:
        cli.main(["play", str(path), "--rate", "48000"])
    assert info.value.code == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert error == (
        f"python -m harness: error: {path}: {rate} Hz cannot be played at 48000 Hz (--rate): "
        "the rates must lie within a factor 256 of each other"
    )


def test_a_very_long_duration_is_accepted_with_bounded_timing_logs():
    """1e8 s used to preallocate 168 GiB of timing logs; they now keep LOG_SECONDS."""
    args = cli.build_parser().parse_args(["play", "--duration", "1e8", "--swap-order", "linear"])
    options = play_options(args, cli.build_parser())
    assert options.duration == 1e8
    clip = signals.tone(440.0, IN, IN)[:, np.newaxis]
    engine = build_engine(options, clip, IN, OUT)
    capacity = LOG_SECONDS * OUT // options.blocksize + 1
    assert len(engine.callbacks.ns) == capacity
    assert len(engine.resamples.ns) == 2 * capacity + 1024
    assert engine.source.total == round(1e8 * IN)


def test_usage_names_the_program_as_it_was_run():
    script = Path(sys.executable).with_name("resampler-harness")
    if not script.exists():
        pytest.skip("console script not installed in this environment")
    for command, prog in (
        ([str(script)], "resampler-harness"),
        ([sys.executable, "-m", "harness"], "python -m harness"),
    ):
        done = subprocess.run(
            [*command, "play", "--blocksize", "0"], capture_output=True, text=True, cwd=ROOT
        )
        assert done.returncode == 2
        assert done.stderr.startswith(f"usage: {prog} ")
        assert f"{prog}: error: --blocksize" in done.stderr


def test_help_states_the_wav_encodings_that_are_read(capsys):
    with pytest.raises(SystemExit):
        cli.main(["play", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert WAV_ENCODINGS in help_text


def finished_engine(order, **kwargs) -> PlaybackEngine:
    clip = signals.tone(440.0, IN, IN)[:, np.newaxis]
    engine = PlaybackEngine(LoopSource(clip), in_rate=IN, out_rate=OUT, backends=order, **kwargs)
    engine.prefill()
    out = np.empty((256, 1), np.float32)
    while True:
        while engine.ring.fill < engine.target and not engine.produced_all:
            engine.produce_once()
        if engine.callback(out, 256):
            return engine


def device_report(engine: PlaybackEngine, **extra) -> dict:
    """The report as play() completes it (device fields, gate)."""
    report = engine.report() | {
        "device": "system [hw:0]",
        "hostapi": "JACK Audio Connection Kit",
        "wall_s": 1.0,
        "backends": engine.order,
        "interrupted": False,
    }
    report |= extra
    return report | {"gate": gate_verdict(report)}


LONG_SPECS = [
    "samplerate:converter=zero_order_hold",
    "samplerate:converter=sinc_fastest",
    "soxr:quality=VHQ",
    "numba-sinc:quality=fast",
]


@pytest.mark.parametrize("spec", [*LONG_SPECS, "linear"])
def test_the_status_line_fits_79_columns_whatever_it_shows(spec):
    engine = PlaybackEngine(LoopSource(noise(IN, 1)), in_rate=IN, out_rate=OUT, backends=[spec])
    engine.fifo_underruns = engine.device_underflows = 99999
    for _ in range(100):
        engine.callbacks.add(987_654_321_000)  # 988 s: far beyond any real callback
    line = status_line(engine)
    assert len(line) == 79
    head, short = line.split(" fifo ")[0].rstrip(), backends.Variant.parse(spec).short
    assert head == short or (head.endswith("…") and short.startswith(head[:-1]))
    assert line.rstrip().endswith("xrun 99999+99999  cb p95 988s max 988s  swaps 0")
    console = Console(width=80, record=True, force_terminal=True)
    for _ in range(3):  # updates overwrite one line, they do not scroll
        console.print(line, end="\r", highlight=False, soft_wrap=True)
    assert "\n" not in console.export_text()


def test_the_report_table_is_readable_at_80_columns():
    engine = finished_engine(LONG_SPECS, swap_every_frames=IN // 5)
    report = device_report(engine, interrupted=True)
    report["timing_log"] |= {"callbacks": 10**7}  # as after a session longer than the logs
    console = Console(width=80, record=True)
    console.print(report_table(report))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    assert "system [hw:0] (JACK Audio Connection" in text  # markup-like text printed as is
    for spec in LONG_SPECS:
        assert backends.Variant.parse(spec).short in text
    assert "interrupted" in text and "last 600 s" in text


def test_a_message_with_brackets_prints_literally(tmp_path, capsys):
    path = tmp_path / "take[player].wav"
    assert cli.main(["play", str(path)]) == 2
    assert f"{path}: no such file" in " ".join(capsys.readouterr().out.split())


def test_lost_frames_fail_the_gate_and_the_exit_status():
    """Frames dropped on the way to the device (as a full FIFO once did) fail both."""
    clip = signals.tone(440.0, IN, IN)[:, np.newaxis]
    engine = PlaybackEngine(LoopSource(clip), in_rate=IN, out_rate=OUT, backends=["linear"])
    write = engine.ring.write
    engine.ring.write = lambda frames: write(frames[:-1]) + 1  # claims all, drops one
    out = np.empty((256, 1), np.float32)
    engine.prefill()
    while True:
        while engine.ring.fill < engine.target and not engine.produced_all:
            engine.produce_once()
        if engine.callback(out, 256):
            break
    report = device_report(engine)
    assert report["lost_frames"] > 0 and not report["gate"]["passed"]
    assert play_exit_status(report, soak=False) == 1
    assert play_exit_status(report, soak=True) == 1
    clean = device_report(finished_engine(["linear"]))
    assert clean["gate"]["passed"] or clean["gate"]["resample_p95_us"] > 5000
    assert play_exit_status(clean, soak=False) == 0
    assert play_exit_status(clean | {"interrupted": True}, soak=False) == 130
    assert play_exit_status(clean | {"interrupted": True}, soak=True) == 130


def test_the_status_line_of_the_gil_free_player_says_its_callback_is_c():
    engine = PlaybackEngine(LoopSource(noise(IN, 1)), in_rate=IN, out_rate=OUT, backends=["soxr"])
    line = status_line(engine)  # no Python callback has run: nothing to time
    assert engine.mode == "gil-free" and len(line) == 79
    assert "cb in C, no GIL" in line


@pytest.mark.parametrize(
    ("argv", "control", "log"),
    [
        (["soak"], True, "/env/jackd.log"),
        (["play"], False, "/env/jackd.log"),
        (["play", "--control", "--server-log", "/x.log"], True, "/x.log"),
    ],
)
def test_soak_always_runs_the_control_and_the_server_log_comes_from_the_environment(
    argv, control, log, monkeypatch
):
    monkeypatch.setenv("RESAMPLER_SUITE_SERVER_LOG", "/env/jackd.log")
    parser = cli.build_parser()
    options = play_options(parser.parse_args([*argv, "--swap-order", "linear"]), parser)
    assert options.control is control and options.server_log == Path(log)
    assert options.mode == "gil-free"


def soak_report(*, ours=3, control=2, minutes=3) -> dict:
    """A finished engine's report with a control and attribution, as a soak's."""
    report = device_report(finished_engine(LONG_SPECS, swap_every_frames=IN // 5))
    report |= {
        "sched": "SCHED_FIFO 65",
        "client": "PortAudio",
        "control": {
            "client": "PortAudio-01",
            "sched": "SCHED_FIFO 65",
            "device_underflows": 12345,
            "blocks": 33750,
            "ring_dropped": 0,
        },
        "attribution": {
            "source": "server log",
            "ours": ours,
            "control": control,
            "server": 4,
            "seconds_ours_worse": ours,
            "seconds_control_worse": control,
            "excess_p": excess_p(ours, control),
            "per_second": {"ours": [ours], "control": [control]},
        },
        "per_minute": [
            {
                "minute": m + 1,
                "ours_underflows": 12345,
                "control_underflows": 12345,
                "late_ours": 999,
                "late_control": 999,
                "late_server": 999,
            }
            for m in range(minutes)
        ],
    }
    return report | {"gate": gate_verdict(report)}


def test_the_soak_tables_are_readable_at_80_columns():
    reports = [soak_report(), soak_report(ours=12, control=0)]
    console = Console(width=80, record=True)
    console.print(report_table(reports[0]))
    console.print(minutes_table(reports[0]))
    console.print(soaks_table(reports))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    assert "3 / 2" in text and "PortAudio-01 (SCHED_FIFO 65)" in text  # ours next to control
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert sum("12345" in line for line in rows) >= 3  # a row per minute
    assert reports[0]["gate"]["passed"] and not reports[1]["gate"]["passed"]
    assert "PASS" in text and "FAIL" in text

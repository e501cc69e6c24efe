"""Whose xruns: the server's log lines, the per-minute tally, the excess statistic, the gate."""

from __future__ import annotations

import math

import pytest

from harness.playback.attribution import SERVER, ServerLog, Tally, excess_p, parse_line, signs
from harness.playback.player import gate_verdict

# As jackd 1.9.21 writes them (seen in .ci/jack-dummy's log).
LINES = {
    "JackEngine::XRun: client = PortAudio-01 was not finished, state = Running": "PortAudio-01",
    "JackEngine::XRun: client = PortAudio was not finished, state = Triggered": "PortAudio",
    "JackEngine::XRun: client my client finished after current callback": "my client",
    "JackTimedDriver::Process XRun = 1021 usec": SERVER,
    "JackAudioDriver::ProcessGraphAsyncMaster: Process error": None,
    "JACK server starting in realtime mode with priority 70": None,
}


@pytest.mark.parametrize(("line", "who"), LINES.items())
def test_each_xrun_line_names_the_client_the_server_pinned_it_on(line, who):
    assert parse_line(line) == who


@pytest.mark.parametrize(
    ("ours", "control", "p"),
    [(0, 0, 1.0), (3, 0, 1 / 8), (7, 0, 1 / 128), (1, 1, 3 / 4), (0, 5, 1.0), (20, 8, None)],
)
def test_excess_p_is_the_one_sided_binomial_tail(ours, control, p):
    n = ours + control
    tail = sum(math.comb(n, k) for k in range(ours, n + 1)) / 2**n
    assert excess_p(ours, control) == pytest.approx(p if p is not None else tail)


def test_excess_p_falls_as_ours_grow_beyond_the_control_and_never_below_half_when_equal():
    assert all(excess_p(k, 5) > excess_p(k + 1, 5) for k in range(20))
    assert all(excess_p(k, k) > 0.5 for k in range(50))
    assert excess_p(500, 450) > 0.01 > excess_p(560, 440)  # large counts stay exact


def test_tally_counts_per_minute_inside_the_window_only():
    tally = Tally()
    for t, total in [(99.5, 4), (100.5, 5), (159.0, 7), (161.0, 8), (230.0, 8), (400.0, 20)]:
        tally.total("control", t, total)  # a counter read now and then
    tally.add("late:x", 130.0)
    tally.add("late:x", 225.0, 2)
    start, end = 100.0, 230.0  # 2 min 10 s of playback: three minutes, the last short
    assert tally.per_minute("control", start, end) == [3, 1, 0]  # 4 before the start: not ours
    assert tally.per_minute("late:x", start, end) == [1, 0, 2]
    assert tally.per_minute("nobody", start, end) == [0, 0, 0]
    assert tally.per_minute("late:x", start, 130.0) == [1]  # up to and including the end


def test_seconds_are_compared_by_sign_so_one_burst_weighs_one_second():
    tally = Tally()
    tally.add("ours", 0.5, 40)  # one starved stretch pins 40 cycles on us
    for t in (1.5, 2.5, 3.5):
        tally.add("control", t)  # three isolated late cycles of the control
    tally.add("ours", 4.2)
    tally.add("control", 4.7)  # a tie: both late once in the same second
    ours = tally.binned("ours", 0.0, 6.0, 1.0)
    control = tally.binned("control", 0.0, 6.0, 1.0)
    assert ours == [40, 0, 0, 0, 1, 0] and control == [0, 1, 1, 1, 1, 0]
    assert signs(ours, control) == (1, 3)
    assert excess_p(*signs(ours, control)) == 15 / 16  # a cycle count would say 1e-9


def test_server_log_reads_only_what_is_written_after_it_opened_whole_lines_only(tmp_path):
    path = tmp_path / "jackd.log"
    path.write_text("JackTimedDriver::Process XRun = 10 usec\n")  # before: not counted
    log = ServerLog(path)
    tally = Tally()
    with path.open("a") as f:
        f.write("JackEngine::XRun: client = ours was not finished, state = Running\nJackEng")
        f.flush()
        log.poll(tally, 1.0)
        f.write("ine::XRun: client = ctl was not finished, state = Triggered\n")
        f.write("JackTimedDriver::Process XRun = 2000 usec\n")
    log.poll(tally, 2.0)
    log.close()
    assert tally.per_minute("late:ours", 0.0, 60.0) == [1]
    assert tally.per_minute("late:ctl", 0.0, 60.0) == [1]  # the line split across polls
    assert tally.per_minute(f"late:{SERVER}", 0.0, 60.0) == [1]


def base_report(**changes):
    report = {
        "complete": True,
        "underruns": {"fifo_empty": 0, "device_output_underflow": 30},
        "resample_us": {"p95": 400.0},
        "lost_frames": 0,
        "control": {"client": "PortAudio-01"},
        "attribution": {"excess_p": excess_p(2, 3)},  # seconds worse / better
    }
    return report | changes


@pytest.mark.parametrize(
    ("changes", "passed"),
    [
        ({}, True),  # 30 device underflows, but ours were late no more than the control
        ({"attribution": {"excess_p": excess_p(9, 0)}}, False),
        ({"underruns": {"fifo_empty": 1, "device_output_underflow": 0}}, False),
        ({"lost_frames": 1}, False),
        ({"resample_us": {"p95": 5001.0}}, False),
        ({"complete": False}, False),
        ({"control": {"error": "did not start"}, "attribution": None}, False),
        ({"control": None, "attribution": None}, True),  # play without --control
    ],
)
def test_the_gate_reads_the_soak_section(changes, passed):
    verdict = gate_verdict(base_report(**changes))
    assert verdict["passed"] is passed
    assert verdict["limit_late_excess_p"] == 0.01 and verdict["limit_fifo_underruns"] == 0
    assert "late excess p ≥ 0.01" in verdict["rule"]

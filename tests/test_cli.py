"""The harness command line."""

from __future__ import annotations

import subprocess
import sys

import pytest
from rich.console import Console

from harness import cli
from harness.views import listing


def test_list_shows_every_backend_with_latency(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("seed", "linear", "numba", "soxr", "samplerate"):
        assert name in out
    assert "22.05→48 kHz" in out
    wide = Console(width=200, record=True)
    listing.run(variants=False, console=wide)
    assert "quality: QQ | LQ | MQ | HQ* | VHQ" in wide.export_text()


def test_list_variants_has_a_row_per_option_value():
    console = Console(width=200, record=True)
    listing.run(variants=True, console=console)
    text = console.export_text()
    for spec in ("soxr:quality=VHQ", "samplerate:converter=zero_order_hold", "seed:rounding=int"):
        assert spec in text
    # latency column: linear holds back 2 frames at 22.05 -> 48 kHz
    assert any(line.split()[:2] == ["linear", "2"] for line in text.splitlines())


def test_usage_errors_exit_2():
    result = subprocess.run(
        [sys.executable, "-m", "harness", "frobnicate"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "invalid choice: 'frobnicate'" in result.stderr


@pytest.mark.parametrize(("argv", "code"), [([], 2), (["--help"], 0)])
def test_help_and_a_missing_command(argv, code, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == code
    out = capsys.readouterr()
    if code == 0:
        for command in ("list", "compare", "show", "report", "play", "soak", "perf"):
            assert command in out.out
    else:
        assert "the following arguments are required: COMMAND" in out.err

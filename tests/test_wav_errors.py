"""Files the player cannot play: a clear message and exit status 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from harness.playback.wavio import WavError, _read_wave, read_wav

ROOT = Path(__file__).resolve().parent.parent


def write_wav(path: Path, frames: np.ndarray, *, rate: int = 22050, width: int = 2) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(frames.shape[1])
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(frames.tobytes())
    return path


def bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio\n")
    ulaw = tmp_path / "ulaw.wav"
    soundfile = pytest.importorskip(
        "soundfile", reason="soundfile is not installed (the [player] extra)"
    )
    soundfile.write(ulaw, np.zeros(100), 8000, subtype="ULAW")
    return {
        "missing": (tmp_path / "nope.wav", "no such file"),
        "not a wav": (text, "not a readable audio file"),
        "unsupported encoding": (ulaw, "unsupported WAV encoding ULAW"),
        "no frames": (
            write_wav(tmp_path / "empty.wav", np.zeros((0, 1), "<i2")),
            "expected audio, got 0 frames",
        ),
        "8 channels": (
            write_wav(tmp_path / "octo.wav", np.zeros((100, 8), "<i2")),
            "expected 1 or 2 channels, got 8",
        ),
    }


def test_read_wav_says_what_is_wrong(tmp_path):
    for path, words in bad_files(tmp_path).values():
        with pytest.raises(WavError, match=words):
            read_wav(path)


@pytest.mark.parametrize(
    "label", ["missing", "not a wav", "unsupported encoding", "no frames", "8 channels"]
)
def test_play_exits_2_with_the_message(tmp_path, label):
    path, words = bad_files(tmp_path)[label]
    done = subprocess.run(
        [sys.executable, "-m", "harness", "play", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert words in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_readable_encodings(tmp_path):
    pcm16 = write_wav(tmp_path / "a.wav", (np.arange(10, dtype="<i2") * 100)[:, None])
    data, rate = read_wav(pcm16)
    assert data.dtype == np.int16 and data.shape == (10, 1) and rate == 22050
    soundfile = pytest.importorskip(
        "soundfile", reason="soundfile is not installed (the [player] extra)"
    )
    f32 = tmp_path / "f.wav"
    soundfile.write(f32, np.zeros((10, 2), np.float32), 44100, subtype="FLOAT")
    data, rate = read_wav(f32)
    assert data.dtype == np.float32 and data.shape == (10, 2) and rate == 44100


@pytest.mark.parametrize(
    ("subtype", "dtype"),
    [
        ("PCM_U8", np.int16),
        ("PCM_16", np.int16),
        ("PCM_24", np.int32),
        ("PCM_32", np.int32),
        ("FLOAT", np.float32),
        ("DOUBLE", np.float64),
    ],
)
def test_every_encoding_the_help_names_is_read_at_its_level(tmp_path, subtype, dtype):
    """PCM 8/16/24/32-bit and 32/64-bit float (WAV_ENCODINGS), each scaled like the source."""
    soundfile = pytest.importorskip(
        "soundfile", reason="soundfile is not installed (the [player] extra)"
    )
    tone = 0.5 * np.sin(np.arange(1000) / 10.0)
    path = tmp_path / f"{subtype}.wav"
    soundfile.write(path, tone, 22050, subtype=subtype)
    data, rate = read_wav(path)
    assert data.dtype == dtype and data.shape == (1000, 1) and rate == 22050
    scale = 2.0 ** (8 * np.dtype(dtype).itemsize - 1) if data.dtype.kind == "i" else 1.0
    np.testing.assert_allclose(data[:, 0] / scale, tone, atol=2.0**-7)


def test_the_wave_module_fallback_reads_pcm_8_16_32_and_says_what_it_cannot(tmp_path):
    for width, dtype in ((1, np.uint8), (2, np.int16), (4, np.int32)):
        data, _ = _read_wave(
            write_wav(tmp_path / f"{width}.wav", np.zeros((10, 1), dtype), width=width)
        )
        assert data.dtype == dtype and data.shape == (10, 1)
    path = tmp_path / "24.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(3)
        w.setframerate(22050)
        w.writeframes(bytes(30))
    with pytest.raises(WavError, match="unsupported sample width 24 bit"):
        _read_wave(path)

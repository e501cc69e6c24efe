"""Reading WAV files for the player, with errors a user can act on.

``soundfile`` (installed with the ``[player]`` extra) reads
:data:`WAV_ENCODINGS`; without it the standard library's ``wave`` module reads
PCM 8/16/32-bit only. Integer PCM is returned as integers so the resampler
scales it exactly once.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

__all__ = ["MAX_CHANNELS", "WAV_ENCODINGS", "WavError", "read_wav"]

#: The player plays mono and stereo.
MAX_CHANNELS = 2
#: What :func:`read_wav` reads (with soundfile), for messages and help texts.
WAV_ENCODINGS = "PCM 8/16/24/32-bit or 32/64-bit float"


class WavError(ValueError):
    """A file the player cannot play; the message says why."""


def _check(data: np.ndarray, rate: int, path: Path) -> tuple[np.ndarray, int]:
    if data.ndim == 1:
        data = data[:, np.newaxis]
    if len(data) == 0:
        raise WavError(f"{path}: expected audio, got 0 frames")
    if data.shape[1] > MAX_CHANNELS:
        raise WavError(f"{path}: expected 1 or 2 channels, got {data.shape[1]}")
    if rate <= 0:
        raise WavError(f"{path}: expected a positive sample rate, got {rate}")
    return data, rate


def _read_soundfile(path: Path) -> tuple[np.ndarray, int]:
    import soundfile

    try:
        info = soundfile.info(str(path))
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise WavError(f"{path}: not a readable audio file ({exc})") from exc
    if info.format != "WAV" and info.format != "WAVEX":
        raise WavError(f"{path}: expected a WAV file, got {info.format}")
    dtype = {
        "PCM_16": "int16",
        "PCM_32": "int32",
        "PCM_U8": "int16",
        "PCM_24": "int32",
        "FLOAT": "float32",
        "DOUBLE": "float64",
    }.get(info.subtype)
    if dtype is None:
        raise WavError(
            f"{path}: unsupported WAV encoding {info.subtype} (expected {WAV_ENCODINGS})"
        )
    data, rate = soundfile.read(str(path), dtype=dtype, always_2d=True)
    return _check(data, rate, path)


def _read_wave(path: Path) -> tuple[np.ndarray, int]:
    try:
        with wave.open(str(path), "rb") as w:
            width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise WavError(
            f"{path}: not a PCM WAV file the wave module can read ({exc}); "
            "install soundfile for float and 24-bit WAV"
        ) from exc
    dtype = {1: np.uint8, 2: np.dtype("<i2"), 4: np.dtype("<i4")}.get(width)
    if dtype is None:
        raise WavError(
            f"{path}: unsupported sample width {8 * width} bit "
            "(expected 8, 16 or 32; install soundfile for 24-bit)"
        )
    data = np.frombuffer(raw, dtype=dtype).reshape(-1, channels)
    return _check(data, rate, path)


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Read a WAV file: ``(frames, channels)`` samples and the sample rate.

    Raises
    ------
    WavError
        Missing file, not a WAV, unsupported encoding, no frames, too many channels.
    """
    path = Path(path)
    if not path.is_file():
        raise WavError(f"{path}: no such file")
    try:
        import soundfile  # noqa: F401  (optional)
    except (ImportError, OSError):
        return _read_wave(path)
    return _read_soundfile(path)

"""``Capabilities``: what a backend can do, declared by the backend and checked by the kit.

The harness measures each backend on what applies to it (a one-shot-only
library is never shown as passing a streaming check that did not run), and
``python -m harness list`` prints the declarations. Claims that a test can
prove are proved by the conformance kit (:mod:`backends.testing`):
``allocation_free`` by tracing allocations, ``bit_exact`` by comparing
chunkings bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Capabilities"]


@dataclass(frozen=True)
class Capabilities:
    """A backend variant's declared abilities.

    Attributes
    ----------
    streaming : bool
        Accepts input in blocks (``process`` without ``last=True``). A one-shot
        backend takes the whole signal in one call with ``last=True`` and
        raises otherwise; its ``latency`` is 0.
    variable_ratio : bool
        Can change its ratio mid-stream (none of the built-ins).
    max_channels : int or None
        Most channels a stream can have; None: no limit.
    native_dtypes : tuple of str
        Stream dtypes the library computes in. A stream of another dtype is
        computed in the nearest one and converted (e.g. libsamplerate computes
        in float32 for float64 streams).
    allocation_free : bool
        ``process_into`` with input of the stream's dtype allocates no array
        memory once the stream is warm (proved for each such backend by the
        kit's ``allocation`` check).
    bit_exact : bool
        Any chunking gives the one-shot output bit for bit; otherwise within
        the kit's tolerance (``CHUNK_ATOL``).
    """

    streaming: bool = True
    variable_ratio: bool = False
    max_channels: int | None = None
    native_dtypes: tuple[str, ...] = ("float32", "float64")
    allocation_free: bool = False
    bit_exact: bool = True

    def describe(self) -> str:
        """A short line for listings, e.g. ``stream · ≤128 ch · f32 · no-alloc``."""
        parts = ["stream" if self.streaming else "one-shot"]
        if self.variable_ratio:
            parts.append("variable ratio")
        if self.max_channels is not None:
            parts.append(f"≤{self.max_channels} ch")
        parts.append("/".join(d.replace("float", "f") for d in self.native_dtypes))
        if self.allocation_free:
            parts.append("no-alloc")
        if not self.bit_exact:
            parts.append("not bit-exact")
        return " · ".join(parts)

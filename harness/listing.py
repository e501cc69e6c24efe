"""``python -m harness list``: what is installed, with versions and latencies."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

import backends

#: The rate pair the latency column is reported at (the TTS playback path).
LIST_RATES = (22050, 48000)


def options_text(info: backends.BackendInfo) -> str:
    """``quality: QQ|LQ|MQ|HQ*|VHQ`` with the default starred."""
    return "; ".join(
        f"{name}: " + "|".join(f"{v}*" if v == c.default else v for v in c.values)
        for name, c in info.options.items()
    )


def latency_of(info: backends.BackendInfo, options: dict[str, str]) -> int:
    in_rate, out_rate = LIST_RATES
    return backends.create(info.spec(options), in_rate=in_rate, out_rate=out_rate).latency


def build_table(*, variants: bool) -> Table:
    """The backend table; with ``variants`` one row per option value."""
    in_rate, out_rate = LIST_RATES
    table = Table(
        title=f"Resampler backends (latency in output frames at {in_rate}→{out_rate} Hz)",
        caption="* default option value",
    )
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("available")
    table.add_column("version")
    table.add_column("latency", justify="right")
    table.add_column("options")
    table.add_column("summary / how to install")
    for info in backends.available_backends():
        if not info.available:
            table.add_row(info.name, "[red]no[/red]", "-", "-", "", info.reason or "")
            continue
        rows = info.variants() if variants else [{}]
        for options in rows:
            label = info.spec(options) if options else info.name
            table.add_row(
                label,
                "[green]yes[/green]",
                info.version or "-",
                str(latency_of(info, options)),
                options_text(info) if not options else "",
                info.summary,
            )
    return table


def run(*, variants: bool, console: Console) -> int:
    console.print(build_table(variants=variants))
    return 0

"""``python -m harness list``: what is installed, with versions, latencies and limits."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
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


def latency_of(variant: backends.Variant) -> int:
    in_rate, out_rate = LIST_RATES
    return backends.create(variant, in_rate=in_rate, out_rate=out_rate).latency


def _option_values(info: backends.BackendInfo, variants: list[backends.Variant]) -> str:
    """``converter sinc_best|sinc_medium`` (one option) or ``a=x,b=y; ...`` (several)."""
    if len(info.options) == 1:
        (key,) = info.options
        return f"{key} " + "|".join(v.options_dict[key] for v in variants)
    return "; ".join(v.options_text for v in variants)


def channel_limits_text(info: backends.BackendInfo, variants: list[backends.Variant]) -> str:
    """``at most 128 channels`` for the given variants, naming them if not all."""
    by_limit: dict[int, list[backends.Variant]] = {}
    for variant in variants:
        limit = info.capabilities(variant).max_channels
        if limit is not None:
            by_limit.setdefault(limit, []).append(variant)
    return "; ".join(
        f"at most {limit} channels"
        + ("" if len(limited) == len(variants) else f" with {_option_values(info, limited)}")
        for limit, limited in by_limit.items()
    )


def _describe(info: backends.BackendInfo, variants: list[backends.Variant]) -> str:
    limits = channel_limits_text(info, variants)
    return "\n".join(escape(part) for part in (info.summary, limits) if part)


def build_table(*, variants: bool) -> Table:
    """The backend table; with ``variants`` one row per option value.

    Every text that comes from a backend (names, summaries, reasons with
    ``pip install 'resampler-suite[soxr]'``) is escaped: rich would take
    ``[soxr]`` for markup and drop it.
    """
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
            table.add_row(
                escape(info.name), "[red]no[/red]", "-", "-", "", escape(info.reason or "")
            )
            continue
        rows = info.variants() if variants else [info.resolve()]
        for variant in rows:
            table.add_row(
                escape(variant.spec if variants else info.name),
                "[green]yes[/green]",
                escape(info.version or "-"),
                str(latency_of(variant)),
                "" if variants else escape(options_text(info)),
                _describe(info, [variant] if variants else info.variants()),
            )
    return table


def run(*, variants: bool, console: Console) -> int:
    console.print(build_table(variants=variants))
    return 0

"""``python -m harness list``: what is installed, with versions, latencies and capabilities.

Fits 80 columns: the long texts (summary, options, capabilities, install
hints) share one folding column. Every text that comes from a backend is
``Text``, never markup: rich would take ``[soxr]`` in
``pip install 'resampler-suite[soxr]'`` for markup and drop it.
"""

from __future__ import annotations

from dataclasses import replace

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

import backends

__all__ = ["LIST_RATES", "build_table", "channel_limits_text", "options_text", "run"]

#: The rate pair the latency column is reported at (the TTS playback path).
LIST_RATES = (22050, 48000)


def options_text(info: backends.BackendInfo) -> str:
    """``quality: QQ | LQ | MQ | HQ* | VHQ`` with the default starred (wraps between values)."""
    return "; ".join(
        f"{name}: " + " | ".join(f"{v}*" if v == c.default else v for v in c.values)
        for name, c in info.options.items()
    )


def latency_of(variant: backends.Variant) -> str:
    """The latency at :data:`LIST_RATES`, or why no stream can be made (a broken install)."""
    in_rate, out_rate = LIST_RATES
    try:
        return str(backends.create(variant, in_rate=in_rate, out_rate=out_rate).latency)
    except backends.BackendUnavailable as exc:
        return f"not available: {exc}"


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


def _capabilities_text(info: backends.BackendInfo, variants: list[backends.Variant]) -> str:
    """What the variants can do (as the first declares), channel limits spelled out."""
    text = replace(info.capabilities(variants[0]), max_channels=None).describe()
    limits = channel_limits_text(info, variants)
    return f"{text} · {limits}" if limits else text


def _table(title: str, caption: str) -> Table:
    return Table(
        title=Text(title, style="bold"),
        caption=Text(caption),
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        title_justify="left",
        caption_justify="left",
    )


def build_table(*, variants: bool) -> Table:
    """The backend table; with ``variants`` one row per option value."""
    in_rate, out_rate = LIST_RATES
    rates = f"{in_rate / 1000:g}→{out_rate / 1000:g} kHz"
    if variants:
        table = _table(
            "Backend variants",
            f"latency: output frames held back at {rates} · what it declares it can do",
        )
        table.add_column("variant", no_wrap=True, style="bold")
        table.add_column("latency", justify="right", no_wrap=True)
        table.add_column("capabilities", overflow="fold")
        for info in backends.available_backends():
            if not info.available:
                table.add_row(Text(info.name), "-", Text(info.reason or ""))
                continue
            for variant in info.variants():
                latency = latency_of(variant)
                if not latency.isdigit():
                    table.add_row(Text(variant.spec), "-", Text(latency))
                    continue
                table.add_row(
                    Text(variant.spec), latency, Text(_capabilities_text(info, [variant]))
                )
        return table
    table = _table(
        "Resampler backends",
        f"latency: output frames held back at {rates} (default options) · "
        "* default option value · list --variants: one row per option value",
    )
    table.add_column("backend", no_wrap=True, style="bold")
    table.add_column("version", no_wrap=True)
    table.add_column("latency", justify="right", no_wrap=True)
    table.add_column("what it is · options · capabilities", overflow="fold")
    for info in backends.available_backends():
        if not info.available:
            table.add_row(Text(info.name), "-", "-", Text(f"not available: {info.reason}"))
            continue
        latency = latency_of(info.resolve())
        if not latency.isdigit():
            table.add_row(Text(info.name), Text(info.version or "-"), "-", Text(latency))
            continue
        lines = [info.summary, options_text(info), _capabilities_text(info, info.variants())]
        table.add_row(
            Text(info.name),
            Text(info.version or "-"),
            latency,
            Text("\n".join(line for line in lines if line)),
        )
    return table


def run(*, variants: bool, console: Console) -> int:
    console.print(build_table(variants=variants))
    return 0

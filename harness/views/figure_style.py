"""What every figure shares: a colour per backend, a line style per option, the layout.

Figures are built on :class:`~matplotlib.figure.Figure` directly, never
through ``pyplot``: no GUI backend is ever selected (rendering is Agg's, so
this works without a display), nothing is shown, and figures are freed like
any object. Jupyter displays a returned figure itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

import backends

__all__ = [
    "grid_shape",
    "grouped_legend",
    "hide_unused",
    "line_style",
    "new_figure",
    "option_label",
    "short_label",
    "spec_variants",
    "variant_styles",
]

#: One colour map per backend, in order of appearance; the baseline is grey.
_FAMILY_MAPS = ("Blues", "Oranges", "Greens", "Purples", "Reds", "YlOrBr", "PuRd", "BuGn")
_LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)))


def short_label(variant: str) -> str:
    """``"soxr:quality=HQ"`` -> ``"soxr HQ"``: the option values after the name."""
    parsed = backends.Variant.parse(variant)
    return " ".join([parsed.name, *parsed.options_dict.values()])


def option_label(variant: str) -> str:
    """``"soxr:quality=HQ"`` -> ``"HQ"``: the option values alone, for a backend's group."""
    return " ".join(backends.Variant.parse(variant).options_dict.values()) or "(no options)"


def variant_styles(variants: Sequence[tuple[str, str, bool]]) -> dict[str, dict[str, Any]]:
    """Line/marker style per variant: one hue per backend, shades within it.

    Variants of one backend share a hue so families read at a glance; the
    baseline is grey and dotted so it never passes for a candidate.
    """
    families: dict[str, list[str]] = {}
    for variant, backend, _ in variants:
        families.setdefault(backend, []).append(variant)
    baseline = {backend for _, backend, base in variants if base}
    maps = iter(_FAMILY_MAPS * 4)
    styles: dict[str, dict[str, Any]] = {}
    for backend, members in families.items():
        cmap = colormaps["Greys" if backend in baseline else next(maps)]
        for k, variant in enumerate(members):
            low = 0.6 if backend in baseline else 0.45  # light greys vanish on white
            shade = 0.75 if len(members) == 1 else 0.95 - (0.95 - low) * k / (len(members) - 1)
            styles[variant] = {
                "color": cmap(shade),
                "linestyle": ":" if backend in baseline else _LINESTYLES[k % len(_LINESTYLES)],
                "marker": "X" if backend in baseline else "o",
                "label": short_label(variant) + (" (baseline)" if backend in baseline else ""),
            }
    return styles


def spec_variants(specs: Sequence[str]) -> list[tuple[str, str, bool]]:
    out = []
    for spec in specs:
        name = backends.Variant.parse(spec).name
        out.append((spec, name, bool(getattr(backends.backend_class(name), "baseline", False))))
    return out


def line_style(style: dict[str, Any]) -> dict[str, Any]:
    return {k: style[k] for k in ("color", "linestyle", "label")}


def grouped_legend(
    fig: Figure,
    variants: Sequence[tuple[str, str, bool]],
    styles: dict[str, dict[str, Any]],
    **kw: Any,
) -> Any:
    """A figure legend with one column per backend: its name, then its option values.

    Columns are padded to the same length so that each backend stays in a
    column of its own (a legend fills its columns top to bottom).
    """
    groups: dict[str, list[str]] = {}
    for variant, backend, _ in variants:
        groups.setdefault(backend, []).append(variant)
    depth = 1 + max(len(members) for members in groups.values())
    blank = Line2D([], [], linestyle="", marker="")
    handles, labels, headers = [], [], []
    for backend, members in groups.items():
        headers.append(len(labels))
        handles.append(blank)
        baseline = any(base for v, _, base in variants if v in members and base)
        labels.append(backend + (" (baseline)" if baseline else ""))
        for variant in members:
            style = styles[variant]
            handles.append(Line2D([], [], color=style["color"], linestyle=style["linestyle"]))
            labels.append(option_label(variant))
        handles += [blank] * (depth - 1 - len(members))
        labels += [""] * (depth - 1 - len(members))
    legend = fig.legend(
        handles, labels, ncols=len(groups), handlelength=2.6, columnspacing=1.2, **kw
    )
    for i in headers:
        legend.get_texts()[i].set_fontweight("bold")
    return legend


def new_figure(
    nrows: int, ncols: int, *, size: tuple[float, float], **kw: Any
) -> tuple[Figure, Any]:
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=False, **kw)


def grid_shape(n: int, *, max_cols: int) -> tuple[int, int]:
    cols = min(max_cols, n)
    return math.ceil(n / cols), cols


def hide_unused(axes: np.ndarray, used: int) -> None:
    for ax in axes.flat[used:]:
        ax.set_axis_off()

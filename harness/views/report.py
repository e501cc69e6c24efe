"""One self-contained HTML report of a saved run: provenance, summary, gates, figures.

Everything is inline — CSS in a ``<style>`` element, figures as base64 PNG data
URIs — so the file can be mailed, attached to a CI job or opened offline, and
it never fetches anything. ``python -m harness report`` calls :func:`build_report`.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from harness.results.store import DEFAULT_ROOT, load_run
from harness.results.summary import SUMMARY_COLUMNS, row_cells, summarize
from harness.views import figures

__all__ = ["FIGURES", "build_report"]

#: (element id, figure builder, caption) of the figures drawn from one run.
FIGURES: tuple[tuple[str, Callable[[pd.DataFrame], Figure], str], ...] = (
    (
        "fig-speed-quality",
        figures.speed_vs_quality,
        "Speed (one-shot mono throughput) and the three measures of quality side by side, "
        "one row per variant, each its worst rate pair. Shaded rows form the front: no other "
        "variant with an anti-alias filter is at least as fast and as good in SNR, alias/image "
        "rejection and −3 dB bandwidth. Open markers: no anti-alias filter; X: baseline.",
    ),
    (
        "fig-rate-matrix",
        figures.rate_matrix,
        "Each backend variant at each rate pair of the run: one-shot mono speed as a ratio "
        "to soxr HQ measured in the same run (green: faster), the SNR of a 997 Hz tone, "
        "the rejection of the alias (down) or image (up) of a tone 10 % beyond Nyquist, and "
        "the latency a stream holds back.",
    ),
    (
        "fig-callback-cdf",
        figures.callback_cdf,
        "Distribution of CPU time per simulated device callback when resampling inside "
        "the callback, per blocksize; red: the block's real-time budget, dashed: the "
        "release gate on p95.",
    ),
    (
        "fig-drift",
        figures.drift_over_time,
        "Output length minus the length rule during long sessions fed in different "
        "block schedules. Production streams hold back at most their latency and end "
        "at 0; the stateless seed baseline, on rows and scales of its own, drifts.",
    ),
    (
        "fig-dtype",
        figures.dtype_heatmap,
        "Largest difference between the output for each input dtype and for the same "
        "signal in float64; grey columns must raise TypeError; red frames fail a gate.",
    ),
    (
        "fig-latency",
        figures.latency,
        "Left: most frames held back in any drift session against the latency the "
        "stream reports. Right: where a band-limited pulse comes out relative to where "
        "it belongs, with the gate band.",
    ),
)

_CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 1400px; padding: 0 1.5em; color: #1b1b1b; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.88em; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; }
th { background: #f3f3f3; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.failed { color: #b00020; font-weight: 600; }
tr.baseline td { color: #777; }
.verdict-PASS { background: #d7f5dd; color: #12632a; font-weight: 700; text-align: center; }
.verdict-FAIL { background: #fbd5d9; color: #b00020; font-weight: 700; text-align: center; }
.verdict-REF { background: #eee; color: #666; text-align: center; }
pre { background: #f7f7f7; padding: 1em; overflow-x: auto; font-size: 0.85em; }
figure { margin: 2em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #444; font-size: 0.92em; margin-top: 0.4em; }
.missing { color: #a15c00; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value))


def _png_uri(fig: Figure) -> str:
    buffer = io.BytesIO()
    # No "Software" tag: the same figure gives the same bytes on every version.
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure_html(element_id: str, build: Callable[[], Figure], caption: str) -> str:
    try:
        body = f'<img src="{_png_uri(build())}" alt="{_e(caption)}">'
    except ValueError as exc:  # the run lacks that check (e.g. --checks drift)
        body = f'<p class="missing">Not drawn: {_e(exc)}</p>'
    return f'<figure id="{element_id}">\n{body}\n<figcaption>{_e(caption)}</figcaption>\n</figure>'


def _key_values(rows: Iterable[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _provenance(meta: dict[str, Any]) -> str:
    git = meta.get("git") or {}
    commit = git.get("commit") or "unknown"
    rows = [
        ("run", meta.get("run_id", "")),
        ("label", meta.get("label") or ""),
        ("UTC", meta.get("utc", "")),
        ("git commit", f"{commit}{' (dirty)' if git.get('dirty') else ''}"),
        ("mode", meta.get("mode", "")),
        ("CPU", f"{meta.get('cpu', '')} ({meta.get('cores', '?')} cores)"),
        ("OS", meta.get("os", "")),
        ("Python", f"{meta.get('implementation', '')} {meta.get('python', '')}"),
        ("checks", ", ".join(meta.get("checks", []))),
        ("wall time", f"{meta['wall_seconds']:.1f} s" if "wall_seconds" in meta else ""),
        ("command", " ".join(meta.get("command", []))),
    ]
    packages = sorted((meta.get("packages") or {}).items())
    return (
        "<h2>Provenance</h2>\n"
        + _key_values(rows)
        + "\n<h3>Packages</h3>\n"
        + _key_values(packages)
    )


def _summary(df: pd.DataFrame) -> str:
    table = summarize(df)
    head = "".join(f"<th>{_e(c)}</th>" for c in ["backend variant", *SUMMARY_COLUMNS, "verdict"])
    rows = []
    for row in table.to_dict("records"):
        cells = [f"<td>{_e(row['variant'])}</td>"]
        for _column, text, failed in row_cells(df, row):
            cells.append(f'<td class="{"num failed" if failed else "num"}">{_e(text)}</td>')
        cells.append(f'<td class="verdict-{row["verdict"]}">{_e(row["verdict"])}</td>')
        css = ' class="baseline"' if row["baseline"] else ""
        rows.append(f"<tr{css}>{''.join(cells)}</tr>")
    errors = [
        f"<li>{_e(row['variant'])}: {_e(error)}</li>"
        for row in table.to_dict("records")
        for error in row["errors"]
    ]
    return (
        "<h2>Summary</h2>\n"
        "<p>One row per backend variant. Red cells failed a gate; REF rows are the "
        "baseline, measured and shown but never gated.</p>\n"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        + (f"\n<p>Checks that failed to run:</p><ul>{''.join(errors)}</ul>" if errors else "")
    )


def build_report(
    run: str | Path = "latest",
    *,
    root: str | Path = DEFAULT_ROOT,
    out: Path,
    against: str | None = None,
) -> Path:
    """Write the HTML report of ``run`` to ``out`` and return its path.

    Parameters
    ----------
    run : str or Path
        Run id, unique prefix, ``"latest"`` or a run directory.
    root : str or Path
        Directory holding the runs.
    out : Path
        The HTML file to write (parent directories are created).
    against : str, optional
        A second run; adds the before/after comparison figure (``against`` is
        "before", ``run`` is "after").

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    harness.results.store.RunNotFoundError
        ``run`` or ``against`` names no saved run.
    """
    df, meta = load_run(run, Path(root))
    parts = [_provenance(meta), _summary(df)]
    parts.append(f"<h2>Gates</h2>\n<pre>{_e(meta.get('thresholds', '(not recorded)'))}</pre>")
    parts.append("<h2>Figures</h2>")
    front = ", ".join(figures.pareto_variants(df)) or "none"
    for element_id, build, caption in FIGURES:
        if element_id == "fig-speed-quality":
            caption += f" On the front in this run: {front}."
        parts.append(_figure_html(element_id, lambda b=build: b(df), caption))
    if against is not None:
        before, before_meta = load_run(against, Path(root))
        parts.append(
            _figure_html(
                "fig-comparison",
                lambda: figures.run_comparison(before, df),
                f"Key figures of {meta.get('run_id')} divided by those of "
                f"{before_meta.get('run_id')}, per variant; red: worse, green: better, grey: "
                "within the noise (10 %; for speed, measured on the CPU clock, 25 % or the "
                "spread both runs recorded).",
            )
        )
    title = f"Resampler comparison — {meta.get('run_id', run)}"
    document = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{_e(title)}</h1>\n" + "\n".join(parts) + "\n</body>\n</html>\n"
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(document, encoding="utf-8")
    return out

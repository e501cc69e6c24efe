"""What "better" means wherever the suite ranks backend variants.

Quality is never one number: a linear interpolator has a respectable SNR on a
997 Hz tone and lets aliases through almost at full level. Quality here is
three measurements together, each the variant's worst rate pair:

* ``SNR dB`` — SNR of a 997 Hz tone (``quality/snr_db``);
* ``reject dB`` — rejection of what must not appear: the alias of a tone 10 %
  above the new Nyquist frequency when downsampling, the image of a tone at
  90 % of the input Nyquist when upsampling (``quality/aliasing_rejection_db``,
  ``quality/image_rejection_db``), and the same 2 % from the Nyquist frequency
  (``quality/edge_rejection_db``), which a filter that lets the band just
  beyond it alias into its transition band fails;
* ``band %`` — −3 dB bandwidth in percent of the lower Nyquist frequency
  (``quality/bandwidth_3db_pct``).

One variant dominates another when it is at least as good on every axis and
better on one (:func:`undominated`); the speed × quality front adds speed as a
fourth axis (:func:`ranking_table`). Between two runs, :func:`speed_change`
says whether a variant got faster or slower, or whether the difference is
within the noise the runs measured.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "CHANGE",
    "MIN_FILTERING_REJECTION_DB",
    "QUALITY",
    "REJECTION_METRICS",
    "SPEED",
    "SPEED_NOISE",
    "front_variants",
    "ranking_table",
    "speed_change",
    "speed_metric",
    "undominated",
]

#: The quality check's rejection figures that ``reject dB`` is the least of.
REJECTION_METRICS = ("aliasing_rejection_db", "image_rejection_db", "edge_rejection_db")
#: Quality axis -> (quality-check metric, description); higher is better on each.
QUALITY: Mapping[str, tuple[str | tuple[str, ...], str]] = {
    "SNR dB": ("snr_db", "SNR of a 997 Hz tone (dB)"),
    "reject dB": (
        REJECTION_METRICS,
        "alias / image rejection, 2 % and 10 % beyond Nyquist (dB)",
    ),
    "band %": ("bandwidth_3db_pct", "−3 dB bandwidth (% of the lower Nyquist frequency)"),
}
#: Name of the speed axis in :func:`ranking_table`.
SPEED = "speed"
#: Throughput figures in order of preference: the ratio to soxr HQ measured in
#: the same run (comparable across rate pairs), Msamples/s on the CPU clock
#: (steady on a shared machine), or, for runs made before either was recorded,
#: the wall-clock ratio to ``linear``.
_SPEED_METRICS = ("ratio_to_soxr_hq", "cpu_msamples_per_s", "ratio_to_linear")
#: Least aliasing rejection of a candidate for the speed × quality front. The
#: fastest variant can never be dominated on speed, so without a floor an
#: interpolator with no anti-alias filter (0–2 dB here, against 100 dB and more
#: for every filtering variant) would always sit on the front, at any quality.
MIN_FILTERING_REJECTION_DB = 60.0
#: Changes smaller than this (as a fraction) are never called better or worse.
CHANGE = 0.10
#: The same for speed on the CPU clock, whatever spread the runs recorded: on
#: the 2-core reference machine with other jobs running (load 3.6 to 4.1), 12
#: pairs of runs of the same code differed by up to 22 % (within a run, the
#: passes agree to a few per cent, so the recorded spread alone understates it).
SPEED_NOISE = 0.25


def undominated(points: npt.ArrayLike) -> np.ndarray:
    """Mask of the rows of ``points`` that no other row dominates.

    Parameters
    ----------
    points : array_like, shape (n, axes)
        One row per candidate, one column per axis; higher is better on
        every axis (negate a lower-is-better axis first).

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
        True where no other row is at least as good on every axis and better
        on at least one. A row holding a NaN is never on the front and never
        dominates another. Equal rows do not dominate each other.
    """
    p = np.asarray(points, float)
    if p.ndim != 2:
        raise ValueError(f"points: expected a 2-D array (rows, axes), got {p.ndim}-D")
    ok = ~np.isnan(p).any(axis=1)
    front = ok.copy()
    rivals = p[ok]
    for i in np.flatnonzero(ok):
        at_least = (rivals >= p[i]).all(axis=1)
        better = (rivals > p[i]).any(axis=1)
        front[i] = not (at_least & better).any()
    return front


def speed_metric(df: pd.DataFrame) -> str | None:
    """The throughput figure the rows of ``df`` rank by (see ``_SPEED_METRICS``), or None."""
    metrics = set(df.loc[df["check"] == "throughput", "metric"])
    return next((m for m in _SPEED_METRICS if m in metrics), None)


def _worst(df: pd.DataFrame, metric: str | tuple[str, ...], **where: object) -> pd.Series:
    """Per variant, the lowest value of ``metric`` (of any of them, given several)."""
    rows = df[df["metric"].isin([metric] if isinstance(metric, str) else metric)]
    for key, value in where.items():
        rows = rows[rows[key] == value]
    return rows.groupby("variant", sort=False)["value"].min()


def ranking_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per variant of one run: speed, the quality axes, and the front.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows of one run (see :func:`harness.results.store.load_run`).

    Returns
    -------
    pandas.DataFrame
        Indexed by variant in order of appearance, with ``backend``,
        ``baseline``, :data:`SPEED` (one-shot mono float32 throughput in
        the units of :func:`speed_metric`, worst rate pair), one column per
        :data:`QUALITY` axis (worst rate pair), ``candidate`` (a production
        variant that filters: aliasing rejection at least
        :data:`MIN_FILTERING_REJECTION_DB`) and ``front`` (a candidate that
        no other candidate dominates on speed and every quality axis).
        Missing measurements are NaN; a variant with any is not on the front.
    """
    first = df.drop_duplicates("variant").set_index("variant")
    table = first[["backend", "baseline"]].astype({"baseline": bool})
    metric = speed_metric(df)
    speed = _worst(df, metric, channels=1, schedule="oneshot") if metric else pd.Series(dtype=float)
    table[SPEED] = speed.reindex(table.index).astype(float)
    for axis, (quality_metric, _) in QUALITY.items():
        table[axis] = _worst(df[df["check"] == "quality"], quality_metric).reindex(table.index)
    table["candidate"] = ~table["baseline"] & (table["reject dB"] >= MIN_FILTERING_REJECTION_DB)
    axes = table[[SPEED, *QUALITY]].to_numpy(float)
    table["front"] = undominated(np.where(table["candidate"].to_numpy()[:, None], axes, np.nan))
    return table


def front_variants(df: pd.DataFrame) -> list[str]:
    """Variants on the speed × quality front of one run (see :func:`ranking_table`)."""
    table = ranking_table(df)
    return table.index[table["front"]].tolist()


# ------------------------------------------------------------------- between runs


#: What identifies one throughput scenario of a variant.
_SCENARIO = ["variant", "in_rate", "out_rate", "channels", "schedule"]


def _per_scenario(df: pd.DataFrame, metric: str) -> pd.Series:
    rows = df[df["metric"] == metric]
    return rows.groupby(_SCENARIO, sort=False)["value"].first()


def speed_change(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Per variant of ``after``: its speed over its speed in ``before``, and whether that is noise.

    Speed is throughput on the CPU clock (``cpu_msamples_per_s``, see
    :mod:`harness.measuring.checks.throughput`: unlike the wall clock it does not move
    with the other jobs on the machine), compared scenario by scenario (rate
    pair, mono/stereo, one-shot/streaming) and combined as a geometric mean.
    The noise of a comparison is the spread both runs recorded
    (``cpu_spread_pct``, added; the median over the scenarios, as one odd
    scenario moves the mean of eight little), and never under 25 %, the
    largest difference measured between runs of the same code on a loaded
    machine. When a run has no CPU-clock rows (runs made before they were
    recorded) the wall-clock ratio to ``linear`` is compared instead, against
    10 % alone (``attrs["metric"]`` says which was compared).

    Returns
    -------
    pandas.DataFrame
        Indexed by variant: ``ratio`` (after / before, above 1 is faster),
        ``noise`` (a fraction: ratios within a factor ``1 + noise`` of 1
        either way are not called) and ``verdict``: ``"faster"``,
        ``"slower"``, ``"within noise"`` or ``"not measured"``.
        ``attrs["metric"]`` names the figure compared.
    """
    cpu = all(speed_metric(df) == "cpu_msamples_per_s" for df in (before, after))
    metric = "cpu_msamples_per_s" if cpu else "ratio_to_linear"
    pairs = pd.concat(
        {"before": _per_scenario(before, metric), "after": _per_scenario(after, metric)}, axis=1
    ).dropna()
    pairs = pairs[(pairs["before"] > 0) & (pairs["after"] > 0)]
    log_ratio = np.log(pairs["after"] / pairs["before"]).groupby(level="variant").mean()
    floor = SPEED_NOISE if cpu else CHANGE
    noise = pd.Series(dtype=float)
    if cpu:  # runs of one pass record no spread: the floor alone then
        spread = "cpu_spread_pct"
        added = _per_scenario(before, spread).add(_per_scenario(after, spread)) / 100
        noise = added.groupby(level="variant").median()
    variants = list(after.drop_duplicates("variant")["variant"])
    table = pd.DataFrame(index=pd.Index(variants, name="variant"))
    table["ratio"] = np.exp(log_ratio).reindex(table.index)
    table["noise"] = noise.reindex(table.index).fillna(floor).clip(lower=floor)
    inside = np.abs(np.log(table["ratio"])) <= np.log1p(table["noise"])
    table["verdict"] = np.select(
        [table["ratio"].isna(), inside, table["ratio"] > 1],
        ["not measured", "within noise", "faster"],
        default="slower",
    )
    table.attrs["metric"] = metric
    return table

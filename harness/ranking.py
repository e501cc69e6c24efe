"""What "better" means wherever the suite ranks backend variants.

Quality is never one number: a linear interpolator has a respectable SNR on a
997 Hz tone and lets aliases through almost at full level. Quality here is
three measurements together, each the variant's worst rate pair:

* ``SNR dB`` — SNR of a 997 Hz tone (``quality/snr_db``);
* ``alias dB`` — rejection of a tone 10 % above the new Nyquist frequency
  (``quality/aliasing_rejection_db``);
* ``band %`` — −3 dB bandwidth in percent of the lower Nyquist frequency
  (``quality/bandwidth_3db_pct``).

One variant dominates another when it is at least as good on every axis and
better on one (:func:`undominated`); the speed × quality front adds speed as a
fourth axis (:func:`ranking_table`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "MIN_FILTERING_REJECTION_DB",
    "QUALITY",
    "SPEED",
    "front_variants",
    "ranking_table",
    "speed_metric",
    "undominated",
]

#: Quality axis -> (quality-check metric, description); higher is better on each.
QUALITY: Mapping[str, tuple[str, str]] = {
    "SNR dB": ("snr_db", "SNR of a 997 Hz tone (dB)"),
    "alias dB": ("aliasing_rejection_db", "aliasing rejection, tone 10 % above Nyquist (dB)"),
    "band %": ("bandwidth_3db_pct", "−3 dB bandwidth (% of the lower Nyquist frequency)"),
}
#: Name of the speed axis in :func:`ranking_table`.
SPEED = "speed"
#: Throughput figures in order of preference: Msamples/s on the CPU clock
#: (steady on a shared machine), or, for runs made before it was recorded, the
#: wall-clock ratio to ``linear``.
_SPEED_METRICS = ("cpu_msamples_per_s", "ratio_to_linear")
#: Least aliasing rejection of a candidate for the speed × quality front. The
#: fastest variant can never be dominated on speed, so without a floor an
#: interpolator with no anti-alias filter (0–2 dB here, against 100 dB and more
#: for every filtering variant) would always sit on the front, at any quality.
MIN_FILTERING_REJECTION_DB = 60.0


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


def _worst(df: pd.DataFrame, metric: str, **where: object) -> pd.Series:
    rows = df[df["metric"] == metric]
    for key, value in where.items():
        rows = rows[rows[key] == value]
    return rows.groupby("variant", sort=False)["value"].min()


def ranking_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per variant of one run: speed, the quality axes, and the front.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows of one run (see :func:`harness.results.load_run`).

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
    table["candidate"] = ~table["baseline"] & (table["alias dB"] >= MIN_FILTERING_REJECTION_DB)
    axes = table[[SPEED, *QUALITY]].to_numpy(float)
    table["front"] = undominated(np.where(table["candidate"].to_numpy()[:, None], axes, np.nan))
    return table


def front_variants(df: pd.DataFrame) -> list[str]:
    """Variants on the speed × quality front of one run (see :func:`ranking_table`)."""
    table = ranking_table(df)
    return table.index[table["front"]].tolist()

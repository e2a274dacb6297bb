"""Digest charts as PNG (matplotlib, Agg: headless): the silo map and the trend."""

from __future__ import annotations

import io
from functools import lru_cache

from bot.i18n import _, current_locale
from bot.insights.digest_data import DigestData
from bot.messages import Image


def digest_chart(digest: DigestData) -> Image | None:
    """Heat map of who worked with whom (withheld cells blank) beside the engagement trend,
    labelled in the current language."""
    return _digest_chart(digest, current_locale())


@lru_cache(maxsize=16)
def _digest_chart(digest: DigestData, language: str) -> Image | None:
    """Kept for the same figures and language: every executive of a tenant gets the same
    digest on Monday, and drawing one takes most of a second."""
    if digest.suppressed:
        return None
    plt = _pyplot()
    names = sorted(
        {p.source for p in digest.collaboration} | {p.target for p in digest.collaboration}
    )
    index = {n: i for i, n in enumerate(names)}
    grid = [[float("nan")] * len(names) for _n in names]
    for pair in digest.collaboration:
        if pair.ties is not None:
            grid[index[pair.source]][index[pair.target]] = pair.ties
    fig, (heat, trend) = plt.subplots(1, 2, figsize=(10, 4.2), width_ratios=(1.3, 1), dpi=80)
    if names:
        shown = heat.imshow(grid, cmap="Blues")
        heat.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
        heat.set_yticks(range(len(names)), names, fontsize=8)
        fig.colorbar(shown, ax=heat, shrink=0.8, label=_("people who worked with"))
    heat.set_title(_("Who worked with whom (row → column)"), fontsize=10)
    weeks = [w[-3:] for w, _v in digest.trend]
    values = [v if v is not None else float("nan") for _w, v in digest.trend]
    trend.plot(weeks, values, marker="o", color="#2e7d32")
    trend.set_ylim(0, 100)
    trend.set_title(_("Engagement (0-100)"), fontsize=10)
    trend.grid(alpha=0.3)
    # Fixed margins fit the rotated department names: tight_layout would draw the figure
    # once more only to measure them (a third of the chart's cost).
    fig.subplots_adjust(left=0.16, right=0.98, bottom=0.3, top=0.92, wspace=0.3)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    alt = _(
        "Silo map of {count} departments and the engagement trend for {scope}"
    ).format(count=len(names), scope=_(digest.scope))
    return Image(png=buffer.getvalue(), alt=alt, title=_("Silo map and trend"))


def _pyplot():  # type: ignore[no-untyped-def]
    """matplotlib on first use: importing it costs about half a second, which every command
    and the server's start would otherwise pay without drawing anything."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt

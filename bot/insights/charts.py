"""Digest charts as PNG (matplotlib, Agg: headless): the silo map and the trend."""

from __future__ import annotations

import io
from functools import lru_cache

from bot.i18n import _, current_locale, use_locale
from bot.insights.digest_data import DigestData
from bot.messages import Image

# Languages whose script the default font (DejaVu Sans) cannot draw, and fonts that can.
NEEDS_FONT = {"ja": ("Noto Sans CJK JP", "IPAexGothic", "IPAGothic", "TakaoGothic", "Yu Gothic")}


def digest_chart(digest: DigestData) -> Image | None:
    """Heat map of who worked with whom (withheld cells blank) beside the engagement trend,
    labelled in the current language. A script no installed font can draw is labelled in
    English instead of boxes; the alt text stays in the reader's language."""
    language = current_locale()
    font = _font_for(language)
    if language in NEEDS_FONT and font is None:
        with use_locale("en"):
            image = _digest_chart(digest, "en", None)
        if image is None:
            return None
        return Image(png=image.png, alt=_alt(digest), title=_("Silo map and trend"))
    return _digest_chart(digest, language, font)


@lru_cache(maxsize=8)
def _font_for(language: str) -> str | None:
    """An installed font for the language's script (None: the default font will do, or
    nothing installed can draw it)."""
    if language not in NEEDS_FONT:
        return None
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in NEEDS_FONT[language] if name in installed), None)


def _alt(digest: DigestData) -> str:
    names = {p.source for p in digest.collaboration} | {p.target for p in digest.collaboration}
    return _("Silo map of {count} departments and the engagement trend for {scope}").format(
        count=len(names), scope=_(digest.scope)
    )


@lru_cache(maxsize=16)
def _digest_chart(digest: DigestData, language: str, font: str | None) -> Image | None:
    """Kept for the same figures and language: every executive of a tenant gets the same
    digest on Monday, and drawing one takes most of a second."""
    if digest.suppressed:
        return None
    plt = _pyplot()
    names = sorted(
        {p.source for p in digest.collaboration} | {p.target for p in digest.collaboration}
    )
    # The script's font first, then the default for what it lacks (digits, arrows).
    fonts = {"font.family": [font, "DejaVu Sans"]} if font else {}
    with plt.rc_context(fonts):
        return _draw(plt, digest, names)


def _draw(plt, digest: DigestData, names: list[str]) -> Image:  # type: ignore[no-untyped-def]
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
    return Image(png=buffer.getvalue(), alt=_alt(digest), title=_("Silo map and trend"))


def _pyplot():  # type: ignore[no-untyped-def]
    """matplotlib on first use: importing it costs about half a second, which every command
    and the server's start would otherwise pay without drawing anything."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt

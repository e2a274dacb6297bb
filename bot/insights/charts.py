"""Digest charts as PNG (matplotlib, Agg: headless): the silo map and the trend, and for the
organisation the department heat map below them, in one picture (a message has one image)."""

from __future__ import annotations

import io
import textwrap
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from bot.i18n import N_, _, current_locale, ngettext, use_locale
from bot.insights.digest_data import DigestData, HeatMap
from bot.insights.heatmap import ENGAGEMENT, ENPS, RESPONSE_RATE, column_label
from bot.messages import Image

WITHHELD_FILL = "#d9d9d9"
WITHHELD_HATCH = "///"
# Each column's colour runs over its figure's own scale, not the values shown: a department
# at 45/100 looks the same whichever departments sit beside it.
RANGES = {ENGAGEMENT: (0.0, 100.0), ENPS: (-100.0, 100.0), RESPONSE_RATE: (0.0, 100.0)}
ITEM_RANGE = (1.0, 5.0)
SCALES = {ENGAGEMENT: "0–100", ENPS: "−100–100", RESPONSE_RATE: "%"}
LABEL_WIDTH = 22  # characters a department's name may take per line, two lines at most
TOP_HEIGHT = 4.2  # inches: the silo map and the trend
ROW_HEIGHT = 0.32  # inches per heat map row
HEAT_HEADER = 0.8  # inches above the heat map's cells: its title and column headers
LABELS = 1.05  # inches under the silo map for its rotated department names
LEGEND = 0.45  # inches below them: the "withheld" legend
ORG_ROW = N_("Organisation")


# Languages whose script the default font (DejaVu Sans) cannot draw, and fonts that can.
NEEDS_FONT = {"ja": ("Noto Sans CJK JP", "IPAexGothic", "IPAGothic", "TakaoGothic", "Yu Gothic")}


def digest_chart(digest: DigestData) -> Image | None:
    """Heat map of who worked with whom (withheld cells blank) beside the engagement trend,
    and under them the departments' heat map when the digest has one, labelled in the current
    language. A script no installed font can draw is labelled in English instead of boxes;
    the alt text and title stay in the reader's language."""
    language = current_locale()
    font = _font_for(language)
    if language in NEEDS_FONT and font is None:
        with use_locale("en"):
            image = _digest_chart(digest, "en", None)
        if image is None:
            return None
        return replace(image, alt=_alt(digest), title=_title(digest))
    return _digest_chart(digest, language, font)


@lru_cache(maxsize=8)
def _font_for(language: str) -> str | None:
    """An installed font for the language's script (None: the default font will do, or
    nothing installed can draw it)."""
    if language not in NEEDS_FONT:
        return None
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = next((name for name in NEEDS_FONT[language] if name in installed), None)
    return found or _bundled_font(language)


def _bundled_font(language: str) -> str | None:
    """The Japanese font matplotlib-fontja ships (IPAexGothic), registered by its path:
    importing that package would also make it every chart's default font."""
    if language != "ja":
        return None
    from importlib.util import find_spec

    from matplotlib import font_manager

    spec = find_spec("matplotlib_fontja")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"
    if not path.is_file():
        return None
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def _alt(digest: DigestData) -> str:
    names = {p.source for p in digest.collaboration} | {p.target for p in digest.collaboration}
    alt = _("Silo map of {count} departments and the engagement trend for {scope}").format(
        count=len(names), scope=_(digest.scope)
    )
    if digest.heatmap:
        alt += "; " + heat_map_alt(digest.heatmap, digest.threshold)
    return alt


def _title(digest: DigestData) -> str:
    return _("Silo map, trend and departments") if digest.heatmap else _("Silo map and trend")


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
    heat_map = digest.heatmap
    cells = ROW_HEIGHT * len(heat_map.rows) if heat_map else 0.0
    below = cells + HEAT_HEADER + LEGEND if heat_map else 0.0  # inches under the top charts
    height = TOP_HEIGHT + below
    fig = plt.figure(figsize=(10, height), dpi=80)
    # Fixed margins fit the rotated department names: tight_layout would draw the figure
    # once more only to measure them (a third of the chart's cost).
    grid_spec = fig.add_gridspec(
        1,
        2,
        width_ratios=(1.3, 1),
        left=0.2 if heat_map else 0.16,
        right=0.98,
        bottom=(below + LABELS) / height,
        top=1 - 0.08 * TOP_HEIGHT / height,
        wspace=0.3,
    )
    heat, trend = fig.add_subplot(grid_spec[0, 0]), fig.add_subplot(grid_spec[0, 1])
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
    if heat_map:
        axes = fig.add_axes((0.2, LEGEND / height, 0.78, cells / height))
        _draw_heat_map(axes, heat_map, digest.threshold)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    if heat_map:
        return Image(
            png=buffer.getvalue(),
            alt=_alt(digest),
            title=_title(digest),
            compact=heat_map_chart(heat_map, digest.threshold),
        )
    return Image(png=buffer.getvalue(), alt=_alt(digest), title=_title(digest))


def heat_map_chart(heat_map: HeatMap, k: int) -> Image:
    """The heat map alone, smaller: what a message too small for the whole chart shows."""
    plt = _pyplot()
    cells = ROW_HEIGHT * len(heat_map.rows)
    height = cells + HEAT_HEADER + LEGEND
    fig = plt.figure(figsize=(8, height), dpi=72)
    axes = fig.add_axes((0.25, LEGEND / height, 0.73, cells / height))
    _draw_heat_map(axes, heat_map, k)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    alt = heat_map_alt(heat_map, k)
    return Image(png=buffer.getvalue(), alt=alt[:1].upper() + alt[1:], title=_("Departments"))


def heat_map_alt(heat_map: HeatMap, k: int) -> str:
    """The heat map in words, for screen readers and for a chart left out of a message."""
    departments = heat_map.rows[1:]  # the first row is the organisation's
    withheld = sum(value is None for row in departments for value in row.values)
    figures = ", ".join(column_label(c) for c in heat_map.columns)
    text = ngettext(
        "heat map of {n} department by {figures}",
        "heat map of {n} departments by {figures}",
        len(departments),
    ).format(n=len(departments), figures=figures)
    if withheld:
        text += ngettext(
            ", {w} cell withheld (fewer than {k} answers)",
            ", {w} cells withheld (fewer than {k} answers)",
            withheld,
        ).format(w=withheld, k=k)
    if ENGAGEMENT in heat_map.columns:
        column = heat_map.columns.index(ENGAGEMENT)
        scored = [(row.values[column], row.name) for row in departments]
        scored = [(v, n) for v, n in scored if v is not None]
        if len(scored) >= 2:
            low, high = min(scored), max(scored)
            text += _(
                "; lowest engagement {low_name} {low:.0f}, highest {high_name} {high:.0f}"
            ).format(low_name=low[1], low=low[0], high_name=high[1], high=high[0])
    return text


def _draw_heat_map(ax, heat_map: HeatMap, k: int) -> None:  # type: ignore[no-untyped-def]
    """Departments (rows) by figures (columns), each column coloured on its own scale, the
    value printed in its cell; withheld cells grey and hatched, never a number."""
    from matplotlib import colormaps
    from matplotlib.colors import Normalize, to_rgba
    from matplotlib.patches import Patch, Rectangle

    colours = colormaps["RdYlBu"]
    columns, rows = heat_map.columns, heat_map.rows
    cells = [[to_rgba(WITHHELD_FILL)] * len(columns) for _r in rows]
    for j, column in enumerate(columns):
        scale = Normalize(*RANGES.get(column, ITEM_RANGE), clip=True)
        for i, row in enumerate(rows):
            value = row.values[j]
            if value is None:
                ax.add_patch(
                    Rectangle(
                        (j - 0.5, i - 0.5),
                        1,
                        1,
                        fill=False,
                        hatch=WITHHELD_HATCH,
                        edgecolor="#8c8c8c",
                        linewidth=0,
                    )
                )
                continue
            cells[i][j] = colours(0.1 + 0.8 * scale(value))
            ax.text(
                j,
                i,
                _cell_text(column, value),
                ha="center",
                va="center",
                fontsize=8,
                color="white" if _dark(cells[i][j]) else "black",
                fontweight="bold" if i == 0 else "normal",
            )
    ax.imshow(cells, aspect="auto")
    ax.set_xticks(range(len(columns)), [_header(c) for c in columns], fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(
        range(len(rows)),
        [_(ORG_ROW) if i == 0 else _wrap(row.name) for i, row in enumerate(rows)],
        fontsize=8,
    )
    ax.tick_params(length=0)
    ax.axhline(0.5, color="white", linewidth=3)  # the organisation above its departments
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(
        _("Departments this week (each column coloured on its own scale: red low, blue high)"),
        fontsize=10,
        pad=30,
    )
    ax.legend(
        handles=[
            Patch(
                facecolor=WITHHELD_FILL,
                edgecolor="#8c8c8c",
                hatch=WITHHELD_HATCH,
                label=_(
                    "withheld (fewer than {k} answers, or it would reveal a smaller group)"
                ).format(k=k),
            )
        ],
        loc="upper left",
        bbox_to_anchor=(0, -0.02),
        fontsize=8,
        frameon=False,
    )


def _cell_text(column: str, value: float) -> str:
    if column == ENPS:
        return f"{value:+.0f}"
    if column == RESPONSE_RATE:
        return f"{value:.0f}%"
    if column == ENGAGEMENT:
        return f"{value:.0f}"
    return f"{value:.1f}"


def _header(column: str) -> str:
    scale = SCALES.get(column, "1–5")
    return "\n".join(textwrap.wrap(column_label(column), 14)[:2]) + f"\n({scale})"


def _wrap(name: str) -> str:
    """A long department name on two lines, cut with an ellipsis beyond them."""
    lines = textwrap.wrap(name, LABEL_WIDTH) or [name]
    if len(lines) > 2:
        lines = [lines[0], lines[1][: LABEL_WIDTH - 1] + "…"]
    return "\n".join(lines)


def _dark(rgba: tuple[float, float, float, float]) -> bool:
    red, green, blue, _alpha = rgba
    return 0.299 * red + 0.587 * green + 0.114 * blue < 0.5


def _pyplot():  # type: ignore[no-untyped-def]
    """matplotlib on first use: importing it costs about half a second, which every command
    and the server's start would otherwise pay without drawing anything."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt

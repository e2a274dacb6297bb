"""The tour's dependency map as a PNG (matplotlib, Agg): teams on a circle, an arrow from a
team to each team it depends on, as thick as the people who said so, labelled with the count
and what for."""

from __future__ import annotations

import io
import math

from bot.i18n import _
from bot.listening.summary import TourSummary
from bot.messages import Image


def dependency_map(summary: TourSummary) -> Image | None:
    """None when there is nothing to draw (too few answers, or no dependency named)."""
    if summary.suppressed or not summary.dependencies:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = sorted(
        {d.source for d in summary.dependencies} | {d.target for d in summary.dependencies}
    )
    angle = {n: math.pi / 2 - 2 * math.pi * i / len(names) for i, n in enumerate(names)}
    at = {n: (math.cos(a), math.sin(a)) for n, a in angle.items()}
    widest = max(d.people for d in summary.dependencies)
    fig, ax = plt.subplots(figsize=(7, 7), dpi=80)
    for dep in summary.dependencies:
        (x0, y0), (x1, y1) = at[dep.source], at[dep.target]
        ax.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#1565c0",
                "lw": 1 + 5 * dep.people / widest,
                "shrinkA": 28,
                "shrinkB": 28,
                "connectionstyle": "arc3,rad=0.15",
            },
        )
        what = dep.for_what[0].phrase if dep.for_what else ""
        label = f"{dep.people}" + (f": {what}" if what else "")
        ax.text(
            (x0 + x1) / 2 + 0.08 * (y1 - y0),
            (y0 + y1) / 2 - 0.08 * (x1 - x0),
            label,
            fontsize=8,
            ha="center",
            va="center",
            color="#0d47a1",
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    for name, (x, y) in at.items():
        ax.text(
            x,
            y,
            name,
            ha="center",
            va="center",
            fontsize=10,
            bbox={"boxstyle": "round,pad=0.4", "fc": "#e3f2fd", "ec": "#1565c0"},
        )
    ax.set_xlim(-1.4, 1.4)
    ax.set_ylim(-1.4, 1.4)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(_("Who depends on whom (people who said so: what for)"), fontsize=11)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    alt = _("Dependency map of {n} teams from the listening tour").format(n=len(names))
    return Image(png=buffer.getvalue(), alt=alt, title=_("Dependency map"))

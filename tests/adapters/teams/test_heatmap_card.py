"""The organisation's digest chart with its department heat map in a Teams card: embedded
whole when it fits, else the heat map alone (the chart's compact version), never a number
for a withheld cell and always under Teams' 28 KB."""

from __future__ import annotations

from dataclasses import replace

import pytest

from adapters.teams.render import MAX_ACTIVITY_BYTES, payload_bytes, render_activity
from bot.chat.templates import digest as digest_template
from bot.insights.charts import digest_chart
from bot.insights.digest_data import DigestData, HeatMap, HeatRow
from tests.adapters.teams.test_render import card_of, of_type, real_digest

COLUMNS = ("engagement", "enps", "response_rate", "bank.clarity", "bank.whom_to_ask")


def with_heat_map(departments: int) -> DigestData:
    rows = [HeatRow("organisation", (70.0, 10.0, 75.0, 3.5, 3.2))]
    for i in range(departments):
        values = (50.0 + i, -20.0 + 3 * i, 60.0 + i, 2.5 + i / 20, 3.0)
        withheld = i % 4 == 0
        rows.append(HeatRow(f"Department {i}", (None,) * 5 if withheld else values, withheld))
    return replace(real_digest(departments), heatmap=HeatMap(COLUMNS, tuple(rows)))


def test_a_small_organisation_gets_the_whole_chart() -> None:
    digest = with_heat_map(4)
    message = digest_template.render(
        digest_template.DigestMessageData(digest, chart=digest_chart(digest))
    )
    (image,) = of_type(card_of(render_activity(message)), "Image")
    assert image["altText"].startswith("Silo map of 4 departments")
    assert "heat map of 4 departments" in image["altText"]


@pytest.mark.parametrize("departments", [10, 20])
def test_a_large_organisation_gets_the_heat_map_alone(departments: int) -> None:
    digest = with_heat_map(departments)
    chart = digest_chart(digest)
    assert chart is not None and chart.compact is not None
    message = digest_template.render(digest_template.DigestMessageData(digest, chart=chart))
    activity = render_activity(message)
    card = card_of(activity)
    (image,) = of_type(card, "Image")
    assert image["url"].startswith("data:image/png;base64,")
    assert image["altText"].startswith(f"Heat map of {departments} departments")
    assert "cells withheld (fewer than 5 answers)" in image["altText"]
    notes = " ".join(e["text"] for e in of_type(card, "TextBlock"))
    assert "The full chart (silo map and trend) is too detailed" in notes
    assert payload_bytes(activity) < MAX_ACTIVITY_BYTES

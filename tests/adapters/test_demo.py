"""`crosspulse demo` end to end: the planted silo and drop appear, and nothing else."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from adapters.demo import run_demo
from bot.config import load_settings


async def test_demo_finds_what_was_planted(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(database_url=database_url)
    out = io.StringIO()
    data = await run_demo(
        settings, output=tmp_path / "out", reset=True, people=200, out=Console(file=out, width=100)
    )
    assert data["suppressed"] is False and data["invited"] == 200
    assert 0.7 < data["responded"] / data["invited"] < 0.95
    changes = data["changes"]
    assert {c["subject"] for c in changes} == {"Customer Support"}, changes
    engagement = next(c for c in changes if c["metric"] == "engagement")
    assert engagement["delta"] < -15
    assert data["isolated"] == ["Data Science"]
    assert data["friction"] == [] and data["asymmetric"] == []
    assert data["bridges"] and "Data Science" not in data["bridges"]
    assert data["actions"] == [
        f"Introduce Data Science to {data['bridges'][0]}, the team most others work with."
    ]
    legal = next(d for d in data["departments"] if d["name"] == "Legal")
    assert legal["suppressed"] is True and legal["engagement"] is None
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"digest.png", "digest.txt", "digest.json", "org.csv"} <= files
    assert (tmp_path / "out" / "digest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shown = out.getvalue()
    assert "Digest delivered to the CEO" in shown and "Customer Support" in shown
    assert json.loads((tmp_path / "out" / "digest.json").read_text())["week"] == data["week"]

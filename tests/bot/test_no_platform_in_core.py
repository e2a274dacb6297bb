"""The core names no chat platform: a third platform must not touch `bot/`. Migrations
describe history and may name the columns they move."""

from __future__ import annotations

import re
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "bot"
HISTORY = CORE / "migrations" / "versions"
# Case-insensitive names, plus "Teams" capitalised as the platform: "other teams" (the
# departments people work with) is the product's word and stays.
ANY_CASE = re.compile(r"slack|botbuilder|microsoft\s+teams|teams_user|msteams", re.IGNORECASE)
AS_PLATFORM = re.compile(r"\bTeams\b")


def test_no_module_of_the_core_names_a_platform() -> None:
    found = [
        f"{path.relative_to(CORE.parent)}:{number}: {line.strip()}"
        for path in sorted(CORE.rglob("*.py"))
        if HISTORY not in path.parents
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ANY_CASE.search(line) or AS_PLATFORM.search(line)
    ]
    assert not found, "platform names in the core:\n" + "\n".join(found)


def test_the_scan_sees_what_it_looks_for() -> None:
    for leak in ("slack_user_id", "Microsoft Teams", "a Teams tenant", "from botbuilder"):
        assert ANY_CASE.search(leak) or AS_PLATFORM.search(leak), leak
    for fine in ("which other teams you worked with", "MAX_SMOOTHNESS_TEAMS", 'TEAMS = "teams"'):
        assert not (ANY_CASE.search(fine) or AS_PLATFORM.search(fine)), fine

"""The command line as an operator uses it, on a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.cli import app
from tests.conftest import SMALL_ORG

runner = CliRunner()


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", database_url)

    def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(app, list(args), input=input)

    (tmp_path / "org.csv").write_text(SMALL_ORG)
    # The first command creates the installation; its survey starts that day.
    assert run("tick", "--at", "2026-11-02T00:00:00+00:00").exit_code == 0
    return run


def test_org_import_reports_and_refuses_bad_files(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("org", "import", str(tmp_path / "org.csv"))
    assert result.exit_code == 0, result.output
    assert "Imported 17 people: 17 created" in result.output
    (tmp_path / "bad.csv").write_text("email,name,department,timezone,age\n")
    result = cli("org", "import", str(tmp_path / "bad.csv"))
    assert result.exit_code == 2
    assert "unknown column 'age'" in result.output and "Nothing imported" in result.output
    assert cli("org", "import", str(tmp_path / "missing.csv")).exit_code == 2


def test_survey_set_validates_everything_first(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("org", "import", str(tmp_path / "org.csv"))
    result = cli("survey", "set", "weekday=wed", "time=09:30", "k_scores=2")
    assert result.exit_code == 2 and "k_scores must be a whole number from 3 to 50" in result.output
    shown = cli("survey", "show").output
    assert "tue" in shown and "10:00" in shown, "nothing changed"
    result = cli(
        "survey",
        "set",
        "weekday=wed",
        "time=09:30",
        "audience=Engineering,Sales",
        "executives=ceo@example.com",
    )
    assert result.exit_code == 0, result.output
    shown = cli("survey", "show").output
    assert "wed" in shown and "09:30" in shown and "Engineering, Sales" in shown
    assert cli("survey", "set", "colour=blue").exit_code == 2
    assert "no department called Nowhere" in cli("survey", "set", "audience=Nowhere").output


def test_tick_digest_export_and_forget(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("org", "import", str(tmp_path / "org.csv"))
    result = cli("tick", "--at", "2026-11-03T08:00:00+00:00")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["opened"] == 1 and report["enrolled"] == 17
    # No chat platform is configured: the due Helsinki pulses are reported unreachable.
    assert report["unreachable"] == 8
    assert cli("tick", "--at", "yesterday").exit_code == 2
    still_open = cli("digest", "--format", "json")
    assert still_open.exit_code == 1 and "No closed round yet" in still_open.output
    assert cli("digest", "--week", "2026-W45").exit_code == 1, "an open week shows no figures"
    assert cli("tick", "--at", "2026-11-07T00:00:00+00:00").exit_code == 0  # the round closes
    result = cli("digest", "--format", "json")
    data = json.loads(result.output)
    assert data["week"] == "2026-W45" and data["suppressed"] is True and data["threshold"] == 5
    assert "Fewer than 5 people answered" in cli("digest").output
    assert cli("digest", "--week", "48").exit_code == 2
    export = cli("export").output.splitlines()
    assert export[0].startswith("week,kind,group,target,invited,responded")
    assert all("@" not in line for line in export)
    assert cli("forget", "eng1@example.com").exit_code == 0
    assert cli("forget", "eng1@example.com").exit_code == 2


def test_help_lists_the_contract() -> None:
    result = runner.invoke(app, ["--help"])
    for command in (
        "serve",
        "demo",
        "console",
        "migrate",
        "org",
        "survey",
        "tick",
        "digest",
        "export",
        "forget",
    ):
        assert command in result.output


def test_console_session(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("org", "import", str(tmp_path / "org.csv"))
    cli("tick", "--at", "2026-11-03T06:00:00+00:00")  # the round opens
    # The pulse shows at once; answer it: eNPS 9, energy 4, two bank items, no teams,
    # no blocker, a comment; then ask for status and leave.
    typed = "9\n4\n4\n5\n\n1\nall good\nstatus\nquit\n"
    result = cli("console", "--as", "eng1@example.com", "--at", "2026-11-03T09:00:00Z", input=typed)
    assert result.exit_code == 0, result.output
    assert "Your weekly pulse" in result.output
    assert "Check-in received" in result.output
    assert "Streak: 1 in a row" in result.output

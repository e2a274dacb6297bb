"""Every command, given bad input, says what is wrong and exits non-zero: never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from adapters.cli import app
from tests.conftest import SMALL_ORG

runner = CliRunner()
GUID = "11111111-2222-3333-4444-555555555555"
Cli = Callable[..., Result]


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Cli:
    """The command line on a real database holding SMALL_ORG, before the first pulse."""
    monkeypatch.setenv("DATABASE_URL", database_url)

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    (tmp_path / "org.csv").write_text(SMALL_ORG)
    assert run("tick", "--at", "2026-11-02T00:00:00+00:00").exit_code == 0
    assert run("org", "import", str(tmp_path / "org.csv")).exit_code == 0
    return run


def refused(result: Result, *says: str) -> None:
    """Non-zero, every expected phrase in the output, and no exception escaped."""
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    for phrase in says:
        assert phrase in result.output, result.output


BAD = [
    (("digest", "--week", "2026-W99"), "'2026-W99' is not a week: 2026 has weeks W01 to W53"),
    (("digest", "--week", "2027-W53"), "2027 has weeks W01 to W52"),
    (("digest", "--week", "1999-W10"), "must be in the years 2000 to 2999"),
    (("digest", "--week", "[/red]W1"), "'[/red]W1' must look like 2026-W48"),
    (("digest", "--week", "2030-W01"), "No pulse ran in 2030-W01"),
    (("digest", "--format", "xml"), "--format must be text or json"),
    (("export", "-o", "/nonexistent/x.csv"), "no directory /nonexistent"),
    (("export", "-o", "."), "it is a directory"),
    (("manifest", "teams", "--app-id", "not-a-guid", "--url", "https://x.example.com"), "GUID"),
    (("manifest", "teams", "--app-id", GUID, "--url", "https://[bad"), "must be https://HOST"),
    (("manifest", "teams", "--url", "https://x.example.com"), "--app-id"),
    (("manifest", "slack", "--url", "http://x.example.com"), "must start with https://"),
    (
        ("manifest", "slack", "--url", "https://x.example.com", "-o", "/nonexistent/m.json"),
        "Cannot write /nonexistent/m.json",
    ),
    (("manifest", "slack"), "--socket-mode"),
    (("manifest", "fax"), "Unknown platform 'fax'"),
    (("survey", "set", "weekday=mon", "weekday=tue"), "weekday is given twice"),
    (("survey", "set", "k_scores=10", "k_comments=5"), "k_comments must be at least k_scores"),
    (("survey", "set", "retention_weeks=" + "9" * 5000), "retention_weeks must be a whole"),
    (
        ("survey", "set", "questions=ok:Is this fine?;ok:Again the same?;x:y"),
        "key 'ok' is used twice",
    ),
    (("survey", "set", "executives=nobody@example.com"), "nobody imported with e-mail"),
    (("survey", "set"), "Missing argument"),
    (("tick", "--at", "yesterday"), "--at 'yesterday' is not ISO-8601"),
    (("tick", "--at", "0001-01-01T00:00:00+01:00"), "between the years 2000 and 2999"),
    (("tick", "--at", "9999-12-31T23:59:59-01:00"), "between the years 2000 and 2999"),
    (("console", "--as", "eng1@example.com", "--at", "soon"), "--at 'soon' is not ISO-8601"),
    (("console", "--as", "nobody@example.com"), "Nobody with e-mail nobody@example.com"),
    (("forget", "nobody@example.com"), "Nobody with e-mail nobody@example.com; nothing erased"),
    (("org", "import", "missing.csv"), "No such file: missing.csv"),
    (("org", "import", "."), "Cannot read .: Is a directory"),
    (("org", "sync-slack"), "Slack is not configured"),
    (("demo", "--people", "5"), "Invalid value"),
    (("no-such-command",), "No such command"),
]


@pytest.mark.parametrize(("args", "says"), BAD, ids=[" ".join(a)[:60] for a, _ in BAD])
def test_bad_arguments_get_a_message_not_a_traceback(
    cli: Cli, args: tuple[str, ...], says: str
) -> None:
    refused(cli(*args), says)


def test_survey_set_names_every_problem_at_once(cli: Cli) -> None:
    result = cli(
        "survey",
        "set",
        "colour=blue",
        "weekday=someday",
        "k_scores=2",
        "time=25:00",
        "window_days=²",
        "audience=Nowhere,Sales",
        "nope",
    )
    refused(
        result,
        "Nothing changed. Fix these and run again:",
        "unknown setting 'colour'",
        "weekday must be one of mon",
        "k_scores must be a whole number from 3 to 50; got '2'",
        "time must be HH:MM",
        "window_days must be a whole number from 1 to 6; got '²'",
        "audience: no department called Nowhere",
        "'nope' is not KEY=VALUE",
    )
    shown = cli("survey", "show").output
    assert "tue" in shown and "10:00" in shown, "nothing changed"


def test_org_import_refuses_unreadable_files(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "latin1.csv").write_bytes("email,name\nä@example.com,Jürgen\n".encode("latin-1"))
    refused(cli("org", "import", str(tmp_path / "latin1.csv")), "is not UTF-8 text")
    (tmp_path / "bad.csv").write_text("email,name,department,timezone,age\n")
    refused(cli("org", "import", str(tmp_path / "bad.csv")), "Nothing imported", "'age'")
    (tmp_path / "demo-file").write_text("")
    refused(cli("demo", "--output", str(tmp_path / "demo-file")), "is a file")


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"DATABASE_URL": "mysql://db/x"}, "DATABASE_URL: use sqlite:///PATH"),
        ({"DATABASE_URL": "postgresql://u:hunter2@h:port/db"}, "DATABASE_URL: is not a valid"),
        ({"DATABASE_URL": "sqlite:////nonexistent/dir/x.db"}, "no directory /nonexistent/dir"),
        (
            {"DATABASE_URL": "postgresql://u:hunter2@127.0.0.1:1/x"},
            "Cannot use the database postgresql+psycopg://u:***@127.0.0.1:1/x",
        ),
        ({"CROSSPULSE_SECRET": ","}, "CROSSPULSE_SECRET: is blank"),
        ({"CROSSPULSE_SECRET": "short"}, "CROSSPULSE_SECRET: is shorter than 32 bytes"),
        ({"PORT": "http"}, "PORT: Input should be a valid integer"),
    ],
)
@pytest.mark.parametrize("command", [("migrate",), ("tick",), ("export",), ("serve",)])
def test_bad_settings_stop_every_command_with_one_line(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], says: str, command: tuple[str, ...]
) -> None:
    with socket.socket() as free:  # `serve` gets as far as the database, not a taken port
        free.bind(("127.0.0.1", 0))
        monkeypatch.setenv("PORT", str(free.getsockname()[1]))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, list(command))
    refused(result, says)
    assert len(result.output.strip().splitlines()) <= 2, result.output  # a header, a line
    assert "hunter2" not in result.output and "short" not in result.output.replace(
        "shorter", ""
    )


def test_serve_refuses_a_taken_port(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        monkeypatch.setenv("PORT", str(taken.getsockname()[1]))
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
        refused(runner.invoke(app, ["serve"]), "Cannot listen on port", "(set PORT)")


def test_export_works_while_a_round_is_open_with_closed_weeks_only(cli: Cli) -> None:
    assert cli("tick", "--at", "2026-11-03T08:00:00+00:00").exit_code == 0  # W45 opens
    during = cli("export")
    assert during.exit_code == 0, during.output
    assert during.output.splitlines() == [during.output.splitlines()[0]], "header only"
    assert cli("tick", "--at", "2026-11-07T00:00:00+00:00").exit_code == 0  # W45 closes
    assert cli("tick", "--at", "2026-11-10T08:00:00+00:00").exit_code == 0  # W46 opens
    weeks = {line.split(",")[0] for line in cli("export").output.splitlines()[1:]}
    assert weeks == {"2026-W45"}, "the open week is left out, the closed one exported"
    refused(cli("digest", "--week", "2026-W46"), "2026-W46 is still open")
    refused(cli("digest", "--department", "Nowhere"), "Nowhere")


def test_the_real_process_prints_no_traceback(database_url: str, tmp_path: Path) -> None:
    """Outside CliRunner: what an operator's terminal shows (stderr included)."""
    env = {**os.environ, "DATABASE_URL": database_url}
    for args, extra, says in [
        (["digest", "--week", "2026-W99"], {}, "is not a week"),
        (["serve"], {"CROSSPULSE_SECRET": ",", "SLACK_SIGNING_SECRET": " "}, "is blank"),
    ]:
        done = subprocess.run(
            [sys.executable, "-m", "adapters.cli", *args],
            env={**env, **extra},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr + done.stdout and says in done.stderr
        assert len(done.stderr.splitlines()) <= 3, done.stderr

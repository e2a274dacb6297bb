"""The `crosspulse` command line (typer): the composition root for one-shot commands."""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import re
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import click
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.config import ConfigError

if TYPE_CHECKING:  # the rest on first use: `--help` and typos need neither (half a second)
    from adapters.runtime import Runtime
    from adapters.settings import AppSettings

app = typer.Typer(
    help="Crosspulse: collaboration-health pulses for Slack and Teams.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
org_app = typer.Typer(help="The organisation: people and departments.", no_args_is_help=True)
survey_app = typer.Typer(help="The survey settings an admin owns.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(survey_app, name="survey")
console = Console()
err = Console(stderr=True, soft_wrap=True)  # one problem, one line: never wrapped mid-sentence
# Instants a pulse schedule can mean; beyond them date arithmetic overflows.
YEARS = (2000, 2999)


def _fail(message: str, *, code: int = 2) -> NoReturn:
    """A clear message on stderr and a non-zero exit; the text is never read as markup."""
    err.print(f"[red]{escape(message)}[/red]")
    raise typer.Exit(code)


def _settings() -> AppSettings:
    from sqlalchemy.engine import make_url

    from adapters.settings import load_settings

    try:
        settings = load_settings()
    except ConfigError as exc:
        _fail(str(exc))
    if settings.is_sqlite:  # SQLite creates the file, never its directory
        path = make_url(settings.database_url).database or ""
        if path and not path.startswith(":") and not Path(path).parent.is_dir():
            _fail(f"DATABASE_URL: no directory {Path(path).parent} for the SQLite file")
    return settings


def _where(url: str) -> str:
    """The database for a message: never its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ValueError:
        return "DATABASE_URL"


@contextmanager
def _plain_errors(settings: AppSettings, *, bugs: bool = True) -> Iterator[None]:
    """Turn what an operator can fix (settings, an unreachable database, a path) into one
    line and exit 2, and (with `bugs`) anything else into one line and exit 1."""
    from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

    from bot.store.db import MigrationError

    try:
        yield
    except (typer.Exit, typer.Abort, click.exceptions.Exit, click.ClickException, click.Abort):
        raise
    except ConfigError as exc:
        _fail(str(exc))
    except (OperationalError, InterfaceError, MigrationError) as exc:  # reaching or migrating
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        _fail(
            f"Cannot use the database {_where(settings.database_url)}: "
            f"{reason[0] if reason else type(exc).__name__}. Check DATABASE_URL and that the "
            "database is running."
        )
    except SQLAlchemyError as exc:  # a statement refused: a bug, said in one line
        if not bugs:
            raise
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).strip().splitlines()
        _fail(f"The database refused a statement: {reason[0] if reason else exc}", code=1)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        _fail(f"{exc.strerror or exc}{where}")
    except Exception as exc:  # a bug, not the operator's input: still no traceback
        if not bugs:
            raise
        _fail(f"Unexpected error ({type(exc).__name__}): {exc}", code=1)


def _run(work: Callable[[Runtime], Awaitable[Any]], *, migrate: bool = True) -> Any:
    """Load settings, build the runtime, run `work`; known errors become messages."""
    from adapters.runtime import build

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = _settings()

    async def main() -> Any:
        runtime = await build(settings, migrate=migrate)
        try:
            return await work(runtime)
        finally:
            await runtime.db.dispose()

    with _plain_errors(settings):
        return asyncio.run(main())


def _instant(at: str | None) -> datetime:
    """`--at`: ISO-8601 (UTC when no offset), within the years a schedule can mean."""
    from adapters.runtime import parse_instant

    try:
        instant = parse_instant(at)
    except ValueError:
        _fail(f"--at '{at}' is not ISO-8601, e.g. 2026-11-24T09:00:00+00:00")
    try:
        instant = instant.astimezone(UTC)
    except OverflowError:
        instant = datetime.min.replace(tzinfo=UTC)
    if not YEARS[0] <= instant.year <= YEARS[1]:
        _fail(f"--at '{at}' must be between the years {YEARS[0]} and {YEARS[1]}")
    return instant


def _iso_week(week: str) -> str:
    """`--week`: YYYY-Www naming a week that exists (W53 only in long years)."""
    found = re.fullmatch(r"(\d{4})-W(\d{2})", week.strip(), re.ASCII)
    if not found:
        _fail(f"--week '{week}' must look like 2026-W48")
    year, number = int(found[1]), int(found[2])
    if not YEARS[0] <= year <= YEARS[1]:
        _fail(f"--week '{week}' must be in the years {YEARS[0]} to {YEARS[1]}")
    last = date(year, 12, 28).isocalendar().week  # 28 December is always in the last week
    if not 1 <= number <= last:
        _fail(f"--week '{week}' is not a week: {year} has weeks W01 to W{last:02d}")
    return week.strip()


def _write(path: Path, data: str | bytes) -> None:
    """Write an output file, or say plainly why it cannot be written."""
    try:
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    except OSError as exc:
        _fail(f"Cannot write {path}: {exc.strerror or exc}")


@app.command()
def migrate() -> None:
    """Apply the database migrations."""
    _run(lambda rt: _noop())
    console.print("Database is up to date.")


async def _noop() -> None:
    return None


@org_app.command("import")
def org_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV: email,name,department,timezone "
            "[,role,manager_email,slack_user_id,"
            "teams_user_id,country,locale]"
        ),
    ],
) -> None:
    """Create or update people from a CSV; any bad row and nothing is imported."""
    from adapters.settings import ACCOUNT_COLUMNS
    from bot.people.org import OrgImportError, import_rows, parse_csv

    if not file.exists():
        _fail(f"No such file: {file}")
    try:
        rows = parse_csv(file.read_text(encoding="utf-8"), account_columns=ACCOUNT_COLUMNS)
    except UnicodeDecodeError:
        _fail(f"{file} is not UTF-8 text; save it as CSV UTF-8 and try again.")
    except OSError as exc:  # a directory, no permission
        _fail(f"Cannot read {file}: {exc.strerror or exc}")
    except OrgImportError as exc:
        _fail("Nothing imported. Fix these and run again:\n" + "\n".join(exc.problems))

    async def work(rt: Runtime) -> Any:
        tenant, _ = await rt.tenant_and_survey()
        async with rt.db.session() as session:
            try:
                report = await import_rows(session, tenant_id=tenant.id, rows=rows, actor="cli")
            except OrgImportError as exc:
                await session.rollback()
                return exc
            await session.commit()
            return report

    result = _run(work)
    if isinstance(result, OrgImportError):
        _fail("Nothing imported. Fix these and run again:\n" + "\n".join(result.problems))
    console.print(
        f"Imported {len(rows)} people: {result.created} created, {result.updated} "
        f"updated, {result.unchanged} unchanged"
        + (
            f"; new departments: {', '.join(result.departments_created)}"
            if result.departments_created
            else ""
        )
    )


@org_app.command("sync-slack")
def org_sync_slack() -> None:
    """Link people to their Slack accounts by e-mail (users.list), take their timezones,
    deactivate those Slack deactivated, enrol members not yet imported as Unassigned."""
    import aiohttp
    from slack_sdk.errors import SlackApiError

    from adapters.ports import configured_ports
    from adapters.slack import PLATFORM
    from adapters.slack.app import make_client
    from adapters.slack.directory import fetch_members

    async def work(rt: Runtime) -> Any:
        client = make_client(rt.settings)
        slack = configured_ports(rt.settings, db=rt.db, clock=rt.bot.clock).get("slack")
        store = getattr(slack, "installations", None)
        if store is not None:  # OAuth: every installed workspace, each with its own token
            tokens = [i.bot_token for i in await store.installations() if i.bot_token]
            if not tokens:
                return "No Slack workspace has installed the app yet: install it at /slack/install."
        elif rt.settings.slack_bot_token is not None:
            tokens = [None]
        else:
            return "Slack is not configured: set SLACK_BOT_TOKEN (or the OAuth settings)."
        members = []
        try:
            for token in tokens:
                members += await fetch_members(client, token=token)
        except SlackApiError as exc:
            return f"Slack refused users.list: {exc.response.get('error', 'error')}."
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"Slack could not be reached ({type(exc).__name__}); try again later."
        return await rt.bot.sync_directory(platform=PLATFORM, members=members)

    result = _run(work)
    if isinstance(result, str):
        _fail(result)
    console.print(
        f"Slack directory: {result.linked} linked, {result.created} new "
        f"(department Unassigned), {result.deactivated} deactivated, "
        f"{len(result.skipped)} without an e-mail skipped"
    )


@survey_app.command("show")
def survey_show() -> None:
    """Show the survey settings."""
    from bot.pulse.settings import KEYS, describe

    async def work(rt: Runtime) -> dict[str, str]:
        _, survey = await rt.tenant_and_survey()
        async with rt.db.session() as session:
            return await describe(session, survey=survey)

    values = _run(work)
    table = Table("setting", "value", "meaning")
    for key, value in values.items():
        table.add_row(key, value, KEYS[key])
    console.print(table)


@survey_app.command("set")
def survey_set(pairs: Annotated[list[str], typer.Argument(help="KEY=VALUE ...")]) -> None:
    """Change survey settings; all are checked before any is applied."""
    from bot.pulse.settings import SettingError, apply_settings

    async def work(rt: Runtime) -> list[str] | SettingError:
        _, survey = await rt.tenant_and_survey()
        async with rt.db.session() as session:
            survey = await session.merge(survey)
            try:
                return await apply_settings(session, survey=survey, pairs=pairs, actor="cli")
            except SettingError as exc:
                return exc

    result = _run(work)
    if isinstance(result, SettingError):
        _fail("Nothing changed. Fix these and run again:\n" + "\n".join(result.problems))
    console.print(f"Updated: {', '.join(result)}")


@app.command()
def tick(
    at: Annotated[str | None, typer.Option(help="ISO-8601 instant; default now")] = None,
) -> None:
    """Run all scheduler work due at that instant once, then exit."""
    from adapters.ports import configured_ports
    from scheduler.jobs import send_only
    from scheduler.jobs import tick as run_tick
    from scheduler.leader import Leader, SecondProcessError

    now = _instant(at)
    following: list[bool] = []

    async def work(rt: Runtime) -> Any:
        await rt.tenant_and_survey(today=now.date())
        ports = configured_ports(rt.settings, db=rt.db, clock=rt.bot.clock)
        leader = Leader(rt.db)  # the same lock as `serve`: one scheduler at a time
        try:
            if not await leader.acquire():  # PostgreSQL: every replica sends
                following.append(True)
                return await send_only(rt.db, now=now, ports=ports)
            return await run_tick(rt.db, now=now, ports=ports)
        except SecondProcessError as exc:
            return str(exc)
        finally:
            await leader.release()

    report = _run(work)
    if following:
        err.print("Another replica leads the schedule; this one sent what was due.")
    if isinstance(report, str):
        _fail(report)
    console.print_json(json.dumps({k: v for k, v in vars(report).items()}))


@app.command()
def digest(
    week: Annotated[str | None, typer.Option(help="ISO week, e.g. 2026-W48")] = None,
    format: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    department: Annotated[str | None, typer.Option(help="one department's digest")] = None,
) -> None:
    """Print the digest exactly as executives get it."""
    from sqlmodel import select

    from adapters.console.render import render_text
    from bot.chat.compose import digest_message, latest_week
    from bot.insights.digest import build_digest
    from bot.insights.export import closed_weeks
    from bot.store.models import Round

    if format not in ("text", "json"):
        _fail("--format must be text or json")
    if week is not None:
        week = _iso_week(week)

    async def work(rt: Runtime) -> str | None:
        _, survey = await rt.tenant_and_survey()
        async with rt.db.session() as session:
            chosen = week or await latest_week(session, survey=survey)
            if chosen is None:
                err.print(
                    "No closed round yet: the first digest follows the close of the first "
                    "pulse (crosspulse tick runs the close)."
                )
                return None
            ran = await session.exec(select(Round.week).where(Round.survey_id == survey.id))
            if chosen not in set(ran.all()):
                recent = (await closed_weeks(session, survey=survey))[-6:]
                err.print(
                    escape(
                        f"No pulse ran in {chosen}; weeks with a digest: "
                        f"{', '.join(recent) if recent else 'none yet'}."
                    )
                )
                return None
            try:
                if format == "json":
                    data = await build_digest(
                        session, survey=survey, week=chosen, department=department
                    )
                    return json.dumps(data.to_json(), indent=2)
                message = await digest_message(
                    session, survey=survey, week=chosen, department=department
                )
            except LookupError as exc:  # an unknown department, or a week still open
                err.print(escape(str(exc)))
                return None
            return render_text(message)

    shown = _run(work)
    if shown is None:
        raise typer.Exit(1)
    sys.stdout.write(shown + "\n")


@app.command()
def export(output: Annotated[Path | None, typer.Option("--output", "-o")] = None) -> None:
    """Write the aggregates of every closed week as CSV (never an individual answer; a
    week still taking answers is left out until its round closes)."""
    from bot.insights.export import export_csv

    if output is not None and not output.parent.is_dir():
        _fail(f"Cannot write {output}: no directory {output.parent}")
    if output is not None and output.is_dir():
        _fail(f"Cannot write {output}: it is a directory; give a file name")

    async def work(rt: Runtime) -> str:
        _, survey = await rt.tenant_and_survey()
        async with rt.db.session() as session:
            return await export_csv(session, survey=survey)

    text = _run(work)
    if output:
        _write(output, text)
        console.print(f"Wrote {output}")
    else:
        sys.stdout.write(text)


@app.command()
def forget(email: str) -> None:
    """Erase one person's data: answers, history, thank-yous and the person."""
    from bot.listening.care import erase_sheets
    from bot.people.org import person_by_email
    from bot.pulse.privacy import erase_person

    async def work(rt: Runtime) -> bool:
        tenant, _ = await rt.tenant_and_survey()
        async with rt.db.session() as session:
            person = await person_by_email(session, tenant_id=tenant.id, email=email)
            if person is None:
                return False
            secret = rt.settings.secret_bytes
            await erase_sheets(session, person=person, secret=secret)  # open tours' answers
            await erase_person(session, person=person, secret=secret, actor="cli")
            return True

    if not _run(work):
        _fail(f"Nobody with e-mail {email}; nothing erased.")
    console.print(f"Erased {email} and everything stored about them.")


@app.command("console")
def console_command(
    as_: Annotated[str, typer.Option("--as", help="the e-mail of the person to be")],
    at: Annotated[str | None, typer.Option(help="pretend it is this ISO-8601 instant")] = None,
) -> None:
    """The bot in a terminal, as any person of the organisation."""
    from sqlmodel import select

    from adapters.console.app import ConsoleChannel, run_console
    from adapters.console.port import ConsolePort
    from bot.ports import FixedClock
    from bot.store.models import Person

    clock = FixedClock(_instant(at)) if at else None

    async def work(rt: Runtime) -> None:
        async with rt.db.session() as session:  # the console finds people by e-mail alone
            known = await session.exec(select(Person.id).where(Person.email == as_.lower()))
            if known.first() is None:
                _fail(f"Nobody with e-mail {as_}: import them first (crosspulse org import).")
        if clock is not None:
            rt.bot.clock = clock
        channel = ConsoleChannel(bot=rt.bot, port=ConsolePort())
        await run_console(channel, as_, read=input, write=print)

    _run(work)


@app.command()
def demo(
    output: Annotated[Path, typer.Option(help="where the chart and renders go")] = Path(
        "demo-output"
    ),
    reset: Annotated[bool, typer.Option(help="wipe a non-empty DATABASE_URL first")] = False,
    people: Annotated[int, typer.Option(min=40, max=5000)] = 200,
) -> None:
    """Zero-config showcase: a simulated organisation, eight weekly rounds, a real digest."""
    from adapters.demo import run_demo

    settings = _settings()
    if output.exists() and not output.is_dir():
        _fail(f"--output {output} is a file; give a directory for the chart and renders")
    with _plain_errors(settings):
        try:
            asyncio.run(run_demo(settings, output=output, reset=reset, people=people, out=console))
        except RuntimeError as exc:
            _fail(str(exc))


@app.command()
def manifest(
    platform: Annotated[str, typer.Argument(help="slack or teams")],
    url: Annotated[str | None, typer.Option(help="https://HOST where `serve` is reachable")] = None,
    socket_mode: Annotated[
        bool, typer.Option(help="Slack over Socket Mode: no public URL")
    ] = False,
    app_id: Annotated[str | None, typer.Option(help="Teams: the bot's Microsoft app id")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Write the Slack app manifest (JSON) or the Teams app package (zip) for this deployment."""
    from urllib.parse import urlparse

    if platform not in ("slack", "teams"):
        _fail(f"Unknown platform '{platform}': use slack or teams.")
    if url and not url.startswith("https://"):
        _fail(f"--url must start with https:// (Slack and Teams only call HTTPS); got '{url}'")
    try:
        if url and not urlparse(url).hostname:
            raise ValueError
    except ValueError:
        _fail(f"--url '{url}' must be https://HOST")
    if platform == "teams":
        from adapters.teams.manifest import package_problems, teams_package

        if not app_id or not url:
            _fail("The Teams package needs --app-id (the bot's Microsoft app id) and --url.")
        problems = package_problems(app_id=app_id, url=url)
        if problems:
            _fail("No package written: Teams would refuse it.\n" + "\n".join(problems))
        target = output or Path("crosspulse-teams.zip")
        try:
            package = teams_package(app_id=app_id, url=url)
        except FileNotFoundError as exc:  # manifest/ is read from the source tree
            _fail(str(exc))
        _write(target, package)
        console.print(f"Wrote {target}: upload it in Teams (Apps > Manage your apps > Upload).")
        return
    from adapters.slack.manifest import slack_manifest

    if socket_mode == bool(url):
        _fail("Give either --url https://HOST (HTTP mode) or --socket-mode.")
    try:
        text = json.dumps(slack_manifest(url=url), indent=2) + "\n"
    except FileNotFoundError as exc:  # manifest/ is read from the source tree
        _fail(str(exc))
    if output:
        _write(output, text)
        console.print(f"Wrote {output}")
    else:
        sys.stdout.write(text)


def _port_taken(port: int) -> str | None:
    """Why `serve` could not bind PORT, or None; binds as aiohttp does (SO_REUSEADDR)."""
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


@app.command()
def serve() -> None:
    """The HTTP server (platform endpoints, /healthz, /readyz, /metrics) with the scheduler."""
    from adapters.server import run_server

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = _settings()
    from adapters.logs import configure_logging

    configure_logging(settings)  # LOG_FORMAT: text or one JSON object a line
    try:
        settings.check_for_serve()
    except ConfigError as exc:
        _fail(str(exc))
    busy = _port_taken(settings.port)
    if busy:  # checked first: the server binds after starting the scheduler
        _fail(f"Cannot listen on port {settings.port}: {busy} (set PORT)")
    from scheduler.leader import SecondProcessError

    # Settings, the database and the port are the operator's to fix: one line each. A crash
    # while serving is a bug and keeps its traceback for the report.
    with _plain_errors(settings, bugs=False):
        try:
            asyncio.run(run_server(settings))
        except SecondProcessError as exc:
            _fail(str(exc))
        except OSError as exc:
            if exc.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
                raise
            _fail(f"Cannot listen on port {settings.port}: {exc.strerror or exc} (set PORT)")


intros_app = typer.Typer(help="Introductions the bot made (issue 16).", no_args_is_help=True)
pairings_app = typer.Typer(
    help="Cross-team pairings, opt-in (survey set pairings=weekly).", no_args_is_help=True
)
app.add_typer(intros_app, name="intros")
app.add_typer(pairings_app, name="pairings")


@intros_app.command("list")
def intros_list() -> None:
    """The latest introductions: week, teams, why, delivery state (never who answered what)."""
    from bot.connect.listing import introductions

    async def work(rt: Runtime) -> list:
        tenant, _ = await rt.tenant_and_survey()
        async with rt.db.session() as session:
            return await introductions(session, tenant_id=tenant.id)

    rows = _run(work)
    if not rows:
        console.print("No introductions yet.")
        return
    table = Table("week", "teams", "why", "delivery")
    for row in rows:
        table.add_row(row.week, f"{row.first} + {row.second}", row.kind, row.state)
    console.print(table)


@pairings_app.command("run")
def pairings_run(
    at: Annotated[str | None, typer.Option(help="ISO-8601 instant; default now")] = None,
) -> None:
    """Make this period's pairing round if it is due (never twice in a period); the next
    `crosspulse tick` sends the introductions."""
    from bot.connect import pairings

    now = _instant(at)

    async def work(rt: Runtime) -> Any:
        tenant, _ = await rt.tenant_and_survey(today=now.date())
        async with rt.db.session() as session:
            return await pairings.run(session, tenant_id=tenant.id, now=now)

    made = _run(work)
    if made is None:
        console.print("No pairing round due: pairings are off, or this period's round ran.")
        return
    console.print_json(
        json.dumps({"round": made.number, "pairs": made.pairs, "left_out": made.left_out})
    )


# --- Listening tours (issue 17) ------------------------------------------------------------
listen_app = typer.Typer(
    help="Listening tours: a one-off set of open questions to some departments, and what "
    "they said, summarised.",
    no_args_is_help=True,
)
app.add_typer(listen_app, name="listen")


@listen_app.command("start")
def listen_start(
    departments: Annotated[
        list[str], typer.Option("--departments", "-d", help="department names (repeat or comma)")
    ],
    until: Annotated[str, typer.Option(help="last day to answer, YYYY-MM-DD")],
    question: Annotated[
        list[str] | None,
        typer.Option(help="a question (repeat; replaces the four defaults, in their order)"),
    ] = None,
    by: Annotated[
        str | None, typer.Option(help="the executive's e-mail (gets the summary; default: all)")
    ] = None,
    at: Annotated[str | None, typer.Option(help="ISO-8601 instant it starts; default now")] = None,
) -> None:
    """Start a listening tour: each person of the departments gets the questions once, in
    their chat, at their next morning; the summary follows the close."""
    from bot.enums import Role
    from bot.listening.tours import TourError, start_tour
    from bot.people.org import person_by_email

    now = _instant(at)
    names = [n.strip() for d in departments for n in d.split(",") if n.strip()]

    async def work(rt: Runtime) -> object:
        tenant, _ = await rt.tenant_and_survey(today=now.date())
        async with rt.db.session() as session:
            starter = None
            if by is not None:
                found = await person_by_email(session, tenant_id=tenant.id, email=by)
                if found is None or found.role != Role.EXECUTIVE:
                    return TourError([f"--by {by}: no executive with that e-mail"])
                starter = found.id
            try:
                return await start_tour(
                    session,
                    tenant_id=tenant.id,
                    departments=names,
                    until=until,
                    questions=question or None,
                    now=now,
                    started_by=starter,
                    actor="cli",
                )
            except TourError as exc:
                return exc

    result = _run(work)
    if isinstance(result, TourError):
        _fail("Nothing started. Fix these and run again:\n" + "\n".join(result.problems))
    tour = result.tour  # type: ignore[attr-defined]
    console.print(
        escape(
            f"Listening tour {tour.id} started: {result.invited} people in "  # type: ignore[attr-defined]
            f"{', '.join(tour.departments)}, open until {tour.closes_at.isoformat()}."
        )
    )


def _tour_or_fail(tour_id: int | None):  # type: ignore[no-untyped-def]
    """A function reading the chosen tour (default: the latest) in a session."""
    from bot.listening.tours import latest_tour, tour_for

    async def find(session, tenant_id: int):  # type: ignore[no-untyped-def]
        if tour_id is None:
            return await latest_tour(session, tenant_id=tenant_id)
        return await tour_for(session, tenant_id=tenant_id, tour_id=tour_id)

    return find


@listen_app.command("status")
def listen_status(
    tour: Annotated[int | None, typer.Option(help="the tour's number; default the latest")] = None,
    format: Annotated[str, typer.Option("--format", help="text or json")] = "text",
) -> None:
    """How a tour goes: departments, questions, when it closes, how many answered."""
    from bot.listening.status import tour_status

    if format not in ("text", "json"):
        _fail("--format must be text or json")
    find = _tour_or_fail(tour)

    async def work(rt: Runtime) -> dict | None:
        tenant, _ = await rt.tenant_and_survey()
        async with rt.db.session() as session:
            found = await find(session, tenant.id)
            return None if found is None else (await tour_status(session, tour=found)).to_json()

    data = _run(work)
    if data is None:
        _fail("No such listening tour (start one with `crosspulse listen start`).", code=1)
    if format == "json":
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    table = Table("tour", "state", "departments", "closes", "answered")
    table.add_row(
        str(data["tour"]),
        data["state"],
        ", ".join(data["departments"]),
        data["closes_at"],
        f"{data['answered']} of {data['invited']}"
        if data["answered"] is not None
        else f"fewer than {data['answered_shown_from']} of {data['invited']}",
    )
    console.print(table)


@listen_app.command("summary")
def listen_summary(
    tour: Annotated[int | None, typer.Option(help="the tour's number; default the latest")] = None,
    format: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    chart: Annotated[
        Path | None, typer.Option(help="also write the dependency map PNG here")
    ] = None,
) -> None:
    """Print what a closed tour heard, exactly as the executive gets it (or as JSON)."""
    from adapters.console.render import render_text
    from bot.chat.templates import tour_summary
    from bot.listening.chart import dependency_map
    from bot.listening.summary import build_summary

    if format not in ("text", "json"):
        _fail("--format must be text or json")
    if chart is not None and not chart.parent.is_dir():
        _fail(f"Cannot write {chart}: no directory {chart.parent}")
    find = _tour_or_fail(tour)

    async def work(rt: Runtime) -> tuple[str, bytes | None] | str:
        tenant, _ = await rt.tenant_and_survey()
        async with rt.db.session() as session:
            found = await find(session, tenant.id)
            if found is None:
                return "No such listening tour (start one with `crosspulse listen start`)."
            try:
                summary = await build_summary(session, tour=found)
            except LookupError as exc:
                return str(exc)
        image = dependency_map(summary) if chart is not None else None
        if format == "json":
            return json.dumps(summary.to_json(), indent=2), image.png if image else None
        message = tour_summary.render(tour_summary.TourSummaryData(summary=summary))
        return render_text(message), image.png if image else None

    result = _run(work)
    if isinstance(result, str):
        _fail(result, code=1)
    text, png = result
    sys.stdout.write(text + "\n")
    if chart is not None:
        if png is None:
            err.print("No dependency map: nothing named by two or more people.")
        else:
            _write(chart, png)
            err.print(f"Wrote {chart}")


if __name__ == "__main__":
    app()


i18n_app = typer.Typer(
    help="Message catalogs: the languages Crosspulse speaks.", no_args_is_help=True
)
app.add_typer(i18n_app, name="i18n")


@i18n_app.command("check")
def i18n_check() -> None:
    """Every catalog complete (each msgid of the freshly extracted template translated, none
    fuzzy) and every placeholder intact; exit 1 listing the problems."""
    from adapters.i18n_catalogs import check_catalogs

    problems = check_catalogs()
    if problems:
        for problem in problems:
            err.print(escape(problem), markup=False)
        err.print(f"{len(problems)} catalog problem(s)")
        raise typer.Exit(1)
    console.print("Every catalog is complete and every placeholder intact.")

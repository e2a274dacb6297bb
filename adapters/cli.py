"""The `crosspulse` command line (typer): the composition root for one-shot commands."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from adapters.runtime import Runtime, build, parse_instant
from bot.config import ConfigError, load_settings

app = typer.Typer(
    help="Crosspulse: collaboration-health pulses for Slack and Teams.",
    no_args_is_help=True,
    add_completion=False,
)
org_app = typer.Typer(help="The organisation: people and departments.", no_args_is_help=True)
survey_app = typer.Typer(help="The survey settings an admin owns.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(survey_app, name="survey")
console = Console()
err = Console(stderr=True)


def _run(work: Callable[[Runtime], Awaitable[Any]], *, migrate: bool = True) -> Any:
    """Load settings, build the runtime, run `work`, and turn known errors into exit 2."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
    except ConfigError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None

    async def main() -> Any:
        runtime = await build(settings, migrate=migrate)
        try:
            return await work(runtime)
        finally:
            await runtime.db.dispose()

    return asyncio.run(main())


def _fail(message: str) -> None:
    err.print(f"[red]{message}[/red]")
    raise typer.Exit(2)


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
    from bot.org import OrgImportError, import_rows, parse_csv

    if not file.exists():
        _fail(f"No such file: {file}")
    try:
        rows = parse_csv(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        _fail(f"{file} is not UTF-8 text; save it as CSV UTF-8 and try again.")
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
    from adapters.ports import configured_ports
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
        for token in tokens:
            members += await fetch_members(client, token=token)
        return await rt.bot.sync_directory(platform="slack", members=members)

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
    from bot.survey_settings import KEYS, describe

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
    from bot.survey_settings import SettingError, apply_settings

    async def work(rt: Runtime) -> list[str] | str:
        _, survey = await rt.tenant_and_survey()
        async with rt.db.session() as session:
            survey = await session.merge(survey)
            try:
                return await apply_settings(session, survey=survey, pairs=pairs, actor="cli")
            except SettingError as exc:
                return str(exc)

    result = _run(work)
    if isinstance(result, str):
        _fail(f"Nothing changed: {result}")
    console.print(f"Updated: {', '.join(result)}")


@app.command()
def tick(
    at: Annotated[str | None, typer.Option(help="ISO-8601 instant; default now")] = None,
) -> None:
    """Run all scheduler work due at that instant once, then exit."""
    from adapters.ports import configured_ports
    from scheduler.jobs import tick as run_tick
    from scheduler.leader import Leader, SecondProcessError

    try:
        now = parse_instant(at)
    except ValueError:
        _fail(f"--at '{at}' is not ISO-8601, e.g. 2026-11-24T09:00:00+00:00")

    async def work(rt: Runtime) -> Any:
        await rt.tenant_and_survey(today=now.date())
        ports = configured_ports(rt.settings, db=rt.db, clock=rt.bot.clock)
        leader = Leader(rt.db)  # the same lock as `serve`: one sender at a time
        try:
            if not await leader.acquire():
                return None
            return await run_tick(rt.db, now=now, ports=ports)
        except SecondProcessError as exc:
            return str(exc)
        finally:
            await leader.release()

    report = _run(work)
    if report is None:
        err.print("Another replica is the scheduler leader and runs this work; nothing done.")
        return
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
    import re

    from adapters.console.render import render_text
    from bot.compose import digest_message, latest_week
    from bot.digest import build_digest

    if format not in ("text", "json"):
        _fail("--format must be text or json")
    if week and not re.fullmatch(r"\d{4}-W\d{2}", week):
        _fail(f"--week '{week}' must look like 2026-W48")

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
                err.print(str(exc))
                return None
            return render_text(message)

    shown = _run(work)
    if shown is None:
        raise typer.Exit(1)
    sys.stdout.write(shown + "\n")


@app.command()
def export(output: Annotated[Path | None, typer.Option("--output", "-o")] = None) -> None:
    """Write the aggregates as CSV (never an individual answer)."""
    from bot.export import export_csv

    async def work(rt: Runtime) -> str:
        _, survey = await rt.tenant_and_survey()
        async with rt.db.session() as session:
            return await export_csv(session, survey=survey)

    text = _run(work)
    if output:
        output.write_text(text)
        console.print(f"Wrote {output}")
    else:
        sys.stdout.write(text)


@app.command()
def forget(email: str) -> None:
    """Erase one person's data: answers, history, thank-yous and the person."""
    from bot.org import person_by_email
    from bot.privacy import erase_person

    async def work(rt: Runtime) -> bool:
        tenant, _ = await rt.tenant_and_survey()
        async with rt.db.session() as session:
            person = await person_by_email(session, tenant_id=tenant.id, email=email)
            if person is None:
                return False
            await erase_person(session, person=person, secret=rt.settings.secret_bytes, actor="cli")
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
    from adapters.console.app import ConsoleChannel, run_console
    from adapters.console.port import ConsolePort
    from bot.ports import FixedClock

    try:
        clock = FixedClock(parse_instant(at)) if at else None
    except ValueError:
        _fail(f"--at '{at}' is not ISO-8601, e.g. 2026-11-24T09:00:00+00:00")

    async def work(rt: Runtime) -> None:
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

    try:
        settings = load_settings()
    except ConfigError as exc:
        _fail(str(exc))
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
    if platform not in ("slack", "teams"):
        _fail(f"Unknown platform '{platform}': use slack or teams.")
    if url and not url.startswith("https://"):
        _fail(f"--url must start with https:// (Slack and Teams only call HTTPS); got '{url}'")
    if platform == "teams":
        from adapters.teams.manifest import teams_package

        if not app_id or not url:
            _fail("The Teams package needs --app-id (the bot's Microsoft app id) and --url.")
        target = output or Path("crosspulse-teams.zip")
        target.write_bytes(teams_package(app_id=app_id, url=url))
        console.print(f"Wrote {target}: upload it in Teams (Apps > Manage your apps > Upload).")
        return
    from adapters.slack.manifest import slack_manifest

    if socket_mode == bool(url):
        _fail("Give either --url https://HOST (HTTP mode) or --socket-mode.")
    text = json.dumps(slack_manifest(url=url), indent=2) + "\n"
    if output:
        output.write_text(text)
        console.print(f"Wrote {output}")
    else:
        sys.stdout.write(text)


@app.command()
def serve() -> None:
    """The HTTP server (/healthz, platform endpoints) with the in-process scheduler."""
    from adapters.server import run_server

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = load_settings()
        settings.check_for_serve()
    except ConfigError as exc:
        _fail(str(exc))
    from scheduler.leader import SecondProcessError

    try:
        asyncio.run(run_server(settings))
    except SecondProcessError as exc:
        _fail(str(exc))


if __name__ == "__main__":
    app()

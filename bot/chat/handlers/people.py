"""People from the chat: an admin sends the organisation CSV as a file and gets the report of
`crosspulse org import` (every bad row with its line; nothing imported), or, when every row
is good, what importing it would do and a Confirm button. Only the confirm imports. The file
is held encrypted until then (`bot/people/pending.py`); anyone but an admin is refused."""

from __future__ import annotations

from bot.chat.events import ActionEvent, Effect, FileEvent, Replace, Reply
from bot.chat.handlers.admin import refused
from bot.chat.handlers.turn import Turn, notice
from bot.chat.templates import notice as notice_template
from bot.chat.templates import org_import
from bot.enums import Role
from bot.i18n import _
from bot.people import pending
from bot.people.org import ImportReport, OrgImportError, import_rows, parse_csv

MAX_BYTES = 2_000_000  # a 20,000-person file is well under this
SHOWN_PROBLEMS = 40  # a chat message holds this many; the rest are counted


def _problems(problems: list[str]) -> list[Effect]:
    shown = [f"• {p}" for p in problems[:SHOWN_PROBLEMS]]
    if len(problems) > SHOWN_PROBLEMS:
        shown.append(_("• and {n} more").format(n=len(problems) - SHOWN_PROBLEMS))
    return notice(
        _("Nothing imported"),
        _("Fix these and send the file again:") + "\n" + "\n".join(shown),
    )


def _text(event: FileEvent) -> str | list[Effect]:
    if len(event.content) > MAX_BYTES:
        return notice(
            _("File too large"),
            _("An organisation CSV is at most {size} KB.").format(size=MAX_BYTES // 1000),
        )
    try:
        return event.content.decode("utf-8")
    except UnicodeDecodeError:
        return notice(_("Not UTF-8 text"), _("Save the file as CSV UTF-8 and send it again."))


async def upload(turn: Turn, event: FileEvent) -> list[Effect]:
    session, person = turn.session, turn.person
    if person.role != Role.ADMIN:
        return refused()
    text = _text(event)
    if not isinstance(text, str):
        return text
    tenant_id, person_id = person.tenant_id, person.id
    assert person_id is not None
    try:
        rows = parse_csv(text, account_columns=turn.account_columns)
        # A dry run: the very import, rolled back, gives its exact counts and the checks
        # only the database can make (a manager neither in the file nor imported).
        report = await import_rows(session, tenant_id=tenant_id, rows=rows, actor="", dry_run=True)
    except OrgImportError as exc:
        await session.rollback()
        return _problems(exc.problems)
    await session.rollback()
    token = await pending.hold(
        session,
        tenant_id=tenant_id,
        person_id=person_id,
        text=text,
        secret=turn.secret,
        now=turn.now(),
    )
    await session.commit()
    data = org_import.ImportData(
        file_name=event.name[:100] or _("the file"),
        people=len(rows),
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        departments_created=tuple(report.departments_created),
        token=token,
        minutes=int(pending.TTL.total_seconds() // 60),
    )
    return [Reply(org_import.render(data))]


async def confirm(turn: Turn, event: ActionEvent) -> list[Effect]:
    session, person = turn.session, turn.person
    if person.role != Role.ADMIN:
        return refused()
    tenant_id, person_id = person.tenant_id, person.id
    assert person_id is not None
    text = await pending.take(
        session, token=event.value, person_id=person_id, secret=turn.secret, now=turn.now()
    )
    await session.commit()
    if text is None:
        return _replace(
            _("Nothing imported"),
            _("This import has expired or was already done: send the file again."),
        )
    try:
        rows = parse_csv(text, account_columns=turn.account_columns)
        report = await import_rows(
            session, tenant_id=tenant_id, rows=rows, actor=f"person:{person_id}"
        )
    except OrgImportError as exc:  # the organisation changed since the check
        await session.rollback()
        return _problems(exc.problems)
    await session.commit()
    return _replace(_("People imported"), _summary(len(rows), report))


async def cancel(turn: Turn, event: ActionEvent) -> list[Effect]:
    if turn.person.role != Role.ADMIN:
        return refused()
    assert turn.person.id is not None
    await pending.take(
        turn.session,
        token=event.value,
        person_id=turn.person.id,
        secret=turn.secret,
        now=turn.now(),
    )
    await turn.session.commit()
    return _replace(_("Nothing imported"), _("The file was dropped; send it again any time."))


def _summary(people: int, report: ImportReport) -> str:
    new = report.departments_created
    summary = _(
        "Imported {people} people: {created} created, {updated} updated, {unchanged} unchanged"
    ).format(
        people=people,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
    )
    if new:
        summary += _("; new departments: {departments}").format(departments=", ".join(new))
    return summary + "."


def _replace(title: str, text: str) -> list[Effect]:
    """The confirm card becomes the outcome, so its buttons cannot be clicked twice."""
    return [Replace(notice_template.render(notice_template.NoticeData(title=title, text=text)))]

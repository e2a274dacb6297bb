"""An organisation CSV sent in the chat, checked and good: what importing it would do, with
Confirm and Cancel buttons (the buttons carry the held file's token)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import _
from bot.messages import Action, ActionId, Fact, Message, MessageKind, Section, Style


@dataclass(frozen=True)
class ImportData:
    file_name: str
    people: int
    created: int
    updated: int
    unchanged: int
    departments_created: tuple[str, ...]
    token: str
    minutes: int  # how long the confirm button works


def render(data: ImportData) -> Message:
    facts = (
        Fact(_("People in the file"), str(data.people)),
        Fact(_("New"), str(data.created)),
        Fact(_("Changed"), str(data.updated)),
        Fact(_("Unchanged"), str(data.unchanged)),
        Fact(_("New departments"), ", ".join(data.departments_created) or _("none")),
    )
    text = _(
        "Every row of {file} is good. Nothing is imported until you confirm "
        "(within {minutes} minutes)."
    ).format(file=data.file_name, minutes=data.minutes)
    return Message(
        kind=MessageKind.IMPORT,
        title=_("Import these people?"),
        fallback_text="\n".join([text, *(f"{f.label}: {f.value}" for f in facts)]),
        sections=(Section(text=text, facts=facts),),
        actions=(
            Action(ActionId.IMPORT_CONFIRM, _("Confirm import"), data.token, Style.PRIMARY),
            Action(ActionId.IMPORT_CANCEL, _("Cancel"), data.token),
        ),
    )


EXAMPLE = ImportData(
    file_name="org.csv",
    people=214,
    created=12,
    updated=3,
    unchanged=199,
    departments_created=("Data",),
    token="example-token",
    minutes=30,
)

"""`/pulse language [code]`: the language Crosspulse writes to this person in. A code sets it
(negotiated: `de-AT` is German, `pt` Brazilian Portuguese) and the confirmation is already in
it; `auto` goes back to the imported, platform or organisation language; alone, the command
shows the current language and the choices; an unknown code is answered with the choices."""

from __future__ import annotations

from bot.chat.commands import Command
from bot.chat.events import Effect
from bot.chat.handlers.turn import Turn, notice
from bot.i18n import LANGUAGES, _, language_name, negotiate, use_locale
from bot.people.languages import reader_language

AUTOMATIC = ("auto", "default", "reset")


def choices() -> str:
    return ", ".join(f"`{code}` ({language_name(code)})" for code in LANGUAGES)


async def language(turn: Turn, cmd: Command) -> list[Effect]:
    session, person = turn.session, turn.person
    wanted = cmd.argument.strip()
    if not wanted:
        current = await reader_language(session, person)
        return notice(
            _("Your language"),
            _(
                "I write to you in {language}. Choose another with `/pulse language <code>`: "
                "{choices}."
            ).format(language=language_name(current), choices=choices()),
        )
    if wanted.lower() in AUTOMATIC:
        chosen = None
    else:
        chosen = negotiate(wanted[:35])
        if chosen is None:
            return notice(
                _("Unknown language"),
                _("I don't speak “{code}”. Choose one of: {choices}.").format(
                    code=wanted[:35], choices=choices()
                ),
            )
    person.language = chosen
    session.add(person)
    await session.commit()
    current = await reader_language(session, person)
    with use_locale(current):  # the answer already in the new language
        return notice(
            _("Language changed"),
            _("From now on I write to you in {language}.").format(
                language=language_name(current)
            ),
        )

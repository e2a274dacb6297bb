"""Plain text: the console's renderer and every platform's fallback reading.

Buttons and choices degrade to numbered lines, as in Rasa's text channels.
"""

from __future__ import annotations

import textwrap

from bot.i18n import _, in_message_language
from bot.messages import Input, InputKind, Message

WIDTH = 72


@in_message_language
def render_text(message: Message) -> str:
    lines = [message.title, "=" * min(len(message.title), WIDTH)]
    for section in message.sections:
        if section.heading:
            lines += ["", section.heading]
        if section.text:
            lines += [
                textwrap.fill(p, WIDTH) if len(p) > WIDTH else p for p in section.text.splitlines()
            ]
        lines += [f"  {fact.label}: {fact.value}" for fact in section.facts]
    for number, item in enumerate(message.inputs, start=1):
        lines += ["", f"Q{number}. {render_input(item)}"]
    if message.image:
        lines += ["", _("[chart: {alt}]").format(alt=message.image.alt)]
    if message.actions:
        lines += ["", "  ".join(f"[{a.label}]" for a in message.actions)]
    if message.context:
        lines += ["", textwrap.fill(message.context, WIDTH)]
    return "\n".join(lines)


def render_input(item: Input) -> str:
    head = item.label + ("" if not item.optional else _(" (optional)")) + _now(item)
    if item.kind == InputKind.SCALE:
        low, high = item.choices[0].value, item.choices[-1].value
        return f"{head}\n    {low}-{high}" + (f" ({item.hint})" if item.hint else "")
    if item.kind in (InputKind.SINGLE, InputKind.MULTI):
        how = (
            _("numbers separated by commas") if item.kind == InputKind.MULTI else _("one number")
        )
        choices = "\n".join(f"    {i}) {c.label}" for i, c in enumerate(item.choices, start=1))
        return f"{head} [" + _("{how}, empty to skip").format(how=how) + f"]\n{choices}"
    return f"{head}\n    " + _("free text, up to {n} characters").format(
        n=item.max_length or 1000
    )


def _now(item: Input) -> str:
    """A form's current value, as the reader knows it (choice labels, not values)."""
    if not item.initial:
        return ""
    wanted = (item.initial,) if isinstance(item.initial, str) else item.initial
    labels = {c.value: c.label for c in item.choices}
    return " " + _("(now: {values})").format(values=", ".join(labels.get(v, v) for v in wanted))

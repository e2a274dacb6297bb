"""`/pulse conversations`: a person's anonymous conversations, on their own comments and (for
a leader) those they started, each with its buttons."""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat.templates.conversation import week_number
from bot.i18n import _
from bot.listening.conversations import AUTHOR, LEADER, ThreadView
from bot.messages import Action, ActionId, Message, MessageKind, Section

MAX_SHOWN = 8  # two buttons each: within every platform's limits
EXCERPT = 80


@dataclass(frozen=True)
class ConversationsData:
    threads: tuple[tuple[ThreadView, str], ...]  # (thread, the reader's side), newest first


def render(data: ConversationsData) -> Message:
    title = _("Your conversations")
    if not data.threads:
        text = _(
            "You have no conversations yet. When a leader replies to a comment you wrote, "
            "it shows here; leaders start one with Reply under a comment in the digest."
        )
        return Message(
            kind=MessageKind.CONVERSATIONS,
            title=title,
            fallback_text=f"{title}\n{text}",
            sections=(Section(text=text),),
        )
    sections, actions = [], []
    for number, (view, side) in enumerate(data.threads[:MAX_SHOWN], start=1):
        comment = view.comment if len(view.comment) <= EXCERPT else view.comment[:EXCERPT] + "…"
        heading = (
            _("#{n} · your comment from week {week}")
            if side == AUTHOR
            else _("#{n} · a comment from week {week}")
        ).format(n=number, week=week_number(view.week))
        last = _last(view, side=side)
        sections.append(Section(heading=heading, text=f"“{comment}”\n{last}"))
        if not view.closed:
            label = _("Answer #{n}") if side == AUTHOR else _("Reply #{n}")
            actions.append(Action(ActionId.CONVO_OPEN, label.format(n=number), str(view.thread_id)))
            actions.append(
                Action(ActionId.CONVO_CLOSE, _("Close #{n}").format(n=number), str(view.thread_id))
            )
    fallback = "\n".join([title] + [f"{s.heading}\n{s.text}" for s in sections])
    return Message(
        kind=MessageKind.CONVERSATIONS,
        title=title,
        fallback_text=fallback,
        sections=tuple(sections),
        actions=tuple(actions),
        context=_("Authors stay anonymous: no one is told who wrote a comment."),
    )


def _last(view: ThreadView, *, side: str) -> str:
    if view.closed:
        return _("Closed.")
    if not view.messages:
        return ""
    who, text = view.messages[-1]
    if who == side:
        return _("You wrote last: {text}").format(text=text)
    if who == LEADER:
        return _("The leader wrote: {text}").format(text=text)
    return _("The author wrote: {text}").format(text=text)


EXAMPLE = ConversationsData(
    threads=(
        (
            ThreadView(
                thread_id=7,
                comment_id=42,
                week="2026-W49",
                comment="Handoffs with Sales keep breaking.",
                messages=(("leader", "Which handoffs, and what breaks?"),),
                state="open",
                unanswered=1,
            ),
            AUTHOR,
        ),
        (
            ThreadView(
                thread_id=9,
                comment_id=51,
                week="2026-W48",
                comment="More time for deep work, please.",
                messages=(
                    ("leader", "What takes the time today?"),
                    ("author", "Three status meetings a day."),
                ),
                state="open",
                unanswered=0,
            ),
            LEADER,
        ),
    )
)

"""One anonymous conversation on a comment, as its author or its leader sees it: the comment,
both sides in order, and the form to write back (with Close)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_, _
from bot.listening.conversations import AUTHOR, LEADER, MAX_TEXT, ThreadView
from bot.messages import Action, ActionId, Input, InputKind, Message, MessageKind, Section, Style

# Headlines by what just happened; None: the thread as it stands.
REPLIED = N_("A leader replied to what you wrote in week {week}.")
ANSWERED = N_("The author of a comment from week {week} answered you.")
CLOSED = N_("The conversation on a comment from week {week} was closed.")
REPLY_SENT = N_("Reply sent. The author gets it in their chat; you will hear when they answer.")
ANSWER_SENT = N_("Answer sent, anonymously: the leader sees your answer, never your name.")


@dataclass(frozen=True)
class ConversationData:
    view: ThreadView
    side: str  # AUTHOR or LEADER: whose chat it goes to
    headline: str | None = None  # one of the constants above


def week_number(week: str) -> str:
    """'2026-W49' as people say it: '49'."""
    return week.rpartition("W")[2].lstrip("0") or week


def transcript(view: ThreadView, *, side: str) -> str:
    """Both sides in order; the reader's own words are "You"."""
    names = {
        LEADER: _("You") if side == LEADER else _("Leader"),
        AUTHOR: _("You") if side == AUTHOR else _("Author"),
    }
    return "\n".join(f"{names[who]}: {text}" for who, text in view.messages)


def render(data: ConversationData) -> Message:
    view, side = data.view, data.side
    week = week_number(view.week)
    title = _("Conversation on your comment") if side == AUTHOR else _("Conversation on a comment")
    sections = []
    if data.headline:
        sections.append(Section(text=_(data.headline).format(week=week)))
    sections.append(
        Section(
            heading=_("What you wrote") if side == AUTHOR else _("The comment (anonymous)"),
            text=f"“{view.comment}”",
        )
    )
    if view.messages:
        sections.append(Section(heading=_("The conversation"), text=transcript(view, side=side)))
    inputs: tuple[Input, ...] = ()
    submit = None
    actions: tuple[Action, ...] = ()
    if view.closed:
        sections.append(Section(text=_("This conversation is closed.")))
    elif side == AUTHOR:
        sections.append(
            Section(text=_("You may answer, close the conversation, or simply ignore it."))
        )
        inputs = (_box(_("Your answer")),)
        submit = Action(ActionId.CONVO_ANSWER, _("Send answer"), str(view.thread_id), Style.PRIMARY)
        actions = (Action(ActionId.CONVO_CLOSE, _("Close conversation"), str(view.thread_id)),)
    else:
        if view.leader_may_reply:
            inputs = (_box(_("Your reply")),)
            submit = Action(
                ActionId.CONVO_SEND, _("Send reply"), str(view.comment_id), Style.PRIMARY
            )
        else:
            sections.append(
                Section(text=_("Wait for their answer: you can write again after they do."))
            )
        if view.thread_id is not None:
            actions = (Action(ActionId.CONVO_CLOSE, _("Close conversation"), str(view.thread_id)),)
    context = (
        _(
            "You stay anonymous: the leader never learns who you are. Names, e-mail addresses "
            "and links are removed from what you send."
        )
        if side == AUTHOR
        else _("The author is anonymous: Crosspulse never tells anyone who they are.")
    )
    fallback = "\n".join([title] + [s.text for s in sections if s.text] + [i.label for i in inputs])
    return Message(
        kind=MessageKind.CONVERSATION,
        title=title,
        fallback_text=fallback,
        sections=tuple(sections),
        inputs=inputs,
        submit=submit,
        actions=actions,
        context=context,
    )


def _box(label: str) -> Input:
    return Input(key="text", label=label, kind=InputKind.TEXT, max_length=MAX_TEXT)


EXAMPLE = ConversationData(
    view=ThreadView(
        thread_id=7,
        comment_id=42,
        week="2026-W49",
        comment="Handoffs with Sales keep breaking.",
        messages=(("leader", "Thank you. Which handoffs, and what breaks?"),),
        state="open",
        unanswered=1,
    ),
    side=AUTHOR,
    headline=REPLIED,
)

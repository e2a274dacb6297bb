"""Anonymous conversations in the chat: a leader's Reply under a digest's comment opens the
form, Send stores and queues it to the author; the author answers or closes from their DM or
`/pulse conversations`. Every check is made again here, whatever a button's value says
(`bot/listening/conversations.py`)."""

from __future__ import annotations

from bot.chat.commands import Command
from bot.chat.events import ActionEvent, Effect, Replace, Reply
from bot.chat.handlers.turn import Turn, button_id, notice
from bot.chat.templates import conversation, conversations
from bot.i18n import _
from bot.listening import conversations as talk
from bot.pulse.sealing import sealer_for


def _refused(refusal: talk.Refused) -> list[Effect]:
    return notice(refusal.title, refusal.text)


def _thread(view: talk.ThreadView, side: str, headline: str | None = None) -> Reply:
    data = conversation.ConversationData(view=view, side=side, headline=headline)
    return Reply(conversation.render(data), ephemeral=False)


def _replace(view: talk.ThreadView, side: str, headline: str) -> Replace:
    """The form's message becomes the thread with what was sent (and a fresh form)."""
    data = conversation.ConversationData(view=view, side=side, headline=headline)
    return Replace(conversation.render(data))


async def reply_form(turn: Turn, event: ActionEvent) -> list[Effect]:
    """Reply under a comment: the leader's form, with their thread so far."""
    session, leader = turn.session, turn.person
    try:
        comment_id = button_id(event.value)
        comment = await talk.replyable_comment(session, leader=leader, comment_id=comment_id)
    except talk.Refused as refusal:
        return _refused(refusal)
    thread = await talk.leader_thread(session, leader=leader, comment=comment)
    return [_thread(await talk.view(session, comment=comment, thread=thread), talk.LEADER)]


async def send_reply(turn: Turn, event: ActionEvent) -> list[Effect]:
    try:
        view = await talk.reply(
            turn.session,
            leader=turn.person,
            comment_id=button_id(event.value),
            answers=event.answers,
            sealer=sealer_for(turn.secret),
            now=turn.now(),
        )
    except talk.Refused as refusal:
        return _refused(refusal)
    return [_replace(view, talk.LEADER, conversation.REPLY_SENT)]


async def answer(turn: Turn, event: ActionEvent) -> list[Effect]:
    try:
        view = await talk.answer(
            turn.session,
            person=turn.person,
            thread_id=button_id(event.value),
            answers=event.answers,
            sealer=sealer_for(turn.secret),
            now=turn.now(),
        )
    except talk.Refused as refusal:
        return _refused(refusal)
    return [_replace(view, talk.AUTHOR, conversation.ANSWER_SENT)]


async def close(turn: Turn, event: ActionEvent) -> list[Effect]:
    try:
        await talk.close(
            turn.session,
            person=turn.person,
            thread_id=button_id(event.value),
            sealer=sealer_for(turn.secret),
            now=turn.now(),
        )
    except talk.Refused as refusal:
        return _refused(refusal)
    return notice(
        _("Conversation closed"), _("Nothing more can be sent in it. It stays in your list.")
    )


async def open_thread(turn: Turn, event: ActionEvent) -> list[Effect]:
    """Answer or Reply in `/pulse conversations`: the thread with its form."""
    try:
        view, side = await talk.thread_for(
            turn.session,
            person=turn.person,
            thread_id=button_id(event.value),
            sealer=sealer_for(turn.secret),
        )
    except talk.Refused as refusal:
        return _refused(refusal)
    return [_thread(view, side)]


async def list_threads(turn: Turn, cmd: Command) -> list[Effect]:
    """`/pulse conversations`: the person's threads, as author and as leader."""
    found = await talk.threads_of(turn.session, person=turn.person, sealer=sealer_for(turn.secret))
    data = conversations.ConversationsData(threads=tuple(found))
    return [Reply(conversations.render(data))]

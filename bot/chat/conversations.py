"""The message a queued conversation delivery carries: the thread as it stands when sent, to
whichever side the sealed delivery names (`bot/listening/conversations.py`)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chat.templates import conversation as template
from bot.listening.conversations import AUTHOR, LEADER, Event, Queued, queued_view
from bot.messages import Message
from bot.store.models import ConversationThread

HEADLINES = {
    Event.REPLIED: template.REPLIED,
    Event.ANSWERED: template.ANSWERED,
    Event.CLOSED: template.CLOSED,
}


async def conversation_message(session: AsyncSession, *, queued: Queued) -> Message | None:
    """None when the thread is gone (erased since the reply was queued)."""
    view = await queued_view(session, queued)
    if view is None:
        return None
    thread = await session.get(ConversationThread, queued.thread_id)
    side = LEADER if thread is not None and thread.leader_id == queued.recipient_id else AUTHOR
    return template.render(
        template.ConversationData(view=view, side=side, headline=HEADLINES[queued.event])
    )

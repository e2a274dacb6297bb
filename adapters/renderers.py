"""Each platform's rendering of a neutral `Message`, looked up by the platform's key: what
the demo writes beside its digest and what the golden files hold. Sending still goes
through each adapter's port; this is for everything that shows all platforms side by side.
"""

from __future__ import annotations

from collections.abc import Callable

from adapters import console, slack, teams
from adapters.console.render import render_text
from adapters.slack.render import render_home, render_message
from adapters.teams.render import render_activity
from bot.messages import Message, MessageKind


def _slack(message: Message) -> dict:
    """As the Slack adapter sends it: the home kind is an App Home view, the rest messages."""
    return render_home(message) if message.kind == MessageKind.HOME else render_message(message)


RENDERERS: dict[str, Callable[[Message], object]] = {
    slack.PLATFORM: _slack,
    teams.PLATFORM: render_activity,
    console.PLATFORM: render_text,
}

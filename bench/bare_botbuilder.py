"""The baseline for bench/teams_turn.py: a bare botbuilder echo bot on aiohttp.

python bench/bare_botbuilder.py PORT [--reuse-clients]

With --reuse-clients it keeps its connector clients across turns the way `serve` does
(adapters/teams/clients.py), so the two differ only in what Crosspulse does in a turn.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

from aiohttp import web
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication


class Echo(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.text(turn_context.activity.text or ""))


def main() -> None:
    config = SimpleNamespace(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID="")
    if "--reuse-clients" in sys.argv:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from adapters.teams.clients import ReusingAuthentication

        adapter = CloudAdapter(ReusingAuthentication(config))
    else:
        adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))
    bot = Echo()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot) or web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", lambda _: web.json_response({"status": "ok"}))
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)


if __name__ == "__main__":
    main()

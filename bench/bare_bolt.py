"""The baseline for bench/slack_ack.py: a bare Bolt AsyncApp on aiohttp that only acks.

python bench/bare_bolt.py PORT SIGNING_SECRET SLACK_API_URL
"""

from __future__ import annotations

import re
import sys

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def main() -> None:
    port, secret, api_url = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    app = AsyncApp(
        signing_secret=secret, client=AsyncWebClient(token="xoxb-bare", base_url=api_url)
    )

    @app.command("/pulse")
    async def command(ack) -> None:  # type: ignore[no-untyped-def]
        await ack()

    @app.action(re.compile(".*"))
    async def action(ack) -> None:  # type: ignore[no-untyped-def]
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    server = web.Application()
    server.router.add_post("/slack/events", events)
    server.router.add_get("/healthz", lambda _: web.json_response({"status": "ok"}))
    web.run_app(server, host="127.0.0.1", port=port, print=None)


if __name__ == "__main__":
    main()

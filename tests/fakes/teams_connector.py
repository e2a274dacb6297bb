"""A stand-in for the Bot Framework connector (the `serviceUrl` Teams gives) on 127.0.0.1:
records replies, proactive messages and card updates; answers roster look-ups; can refuse
with 403 or 429 like the real service."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Sent:
    method: str
    conversation: str
    activity_id: str | None
    body: dict


@dataclass
class FakeConnector:
    sent: list[Sent] = field(default_factory=list)
    members: dict[str, dict] = field(default_factory=dict)  # user id -> TeamsChannelAccount
    refuse: int | None = None  # answer every send with this status
    refuse_times: int = 0  # ... only this many times, then accept (0: always)
    url: str = ""
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None

    async def start(self) -> FakeConnector:
        app = web.Application()
        app.router.add_post("/v3/conversations/{cid}/activities", self._post)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._post)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._put)
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/"  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def cards(self) -> list[dict]:
        return [
            a["content"]
            for s in self.sent
            for a in s.body.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    async def _post(self, request: web.Request) -> web.Response:
        if self.refuse:
            status = self.refuse
            if self.refuse_times:
                self.refuse_times -= 1
                if not self.refuse_times:
                    self.refuse = None
            return web.json_response(
                {"error": {"code": "Refused"}}, status=status, headers={"Retry-After": "30"}
            )
        self.sent.append(
            Sent(
                "post",
                request.match_info["cid"],
                request.match_info.get("aid"),
                await request.json(),
            )
        )
        return web.json_response({"id": f"act-{next(self._ids)}"})

    async def _put(self, request: web.Request) -> web.Response:
        self.sent.append(
            Sent(
                "update", request.match_info["cid"], request.match_info["aid"], await request.json()
            )
        )
        return web.json_response({"id": request.match_info["aid"]})

    async def _member(self, request: web.Request) -> web.Response:
        member = self.members.get(request.match_info["uid"])
        if member is None:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        return web.json_response(member)

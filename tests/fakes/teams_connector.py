"""A stand-in for the Bot Framework connector (the `serviceUrl` Teams gives) on 127.0.0.1:
records replies, proactive messages and card updates; opens 1:1 conversations; answers
roster look-ups (single and paged); can refuse with 403 or 429 like the real service; serves
files at /files/<name> (a file's download address) and records each download's headers."""

from __future__ import annotations

import asyncio
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
    received_while_hanging: list[dict] = field(default_factory=list)
    refuse_create: int | None = None  # answer POST /v3/conversations with this status
    created: list[dict] = field(default_factory=list)  # bodies of POST /v3/conversations
    hang: asyncio.Event | None = None  # set: posts wait for it (a service that went quiet)
    hang_only: str | None = None  # ... only posts into this conversation
    peers: list[int] = field(default_factory=list)  # client port of each post: connections
    page_size: int = 2  # roster page size the connector insists on (small: paging is tested)
    files: dict[str, bytes] = field(default_factory=dict)  # name -> content at /files/<name>
    downloads: list[dict[str, str]] = field(default_factory=list)  # each download's headers
    url: str = ""
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None

    async def start(self) -> FakeConnector:
        app = web.Application()
        app.router.add_post("/v3/conversations/{cid}/activities", self._post)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._post)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._put)
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        app.router.add_get("/v3/conversations/{cid}/pagedmembers", self._paged_members)
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_get("/files/{name}", self._file)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/"  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self.hang is not None:
            self.hang.set()
        if self._runner:
            await self._runner.cleanup()

    def cards(self) -> list[dict]:
        return [
            a["content"]
            for s in self.sent
            for a in s.body.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    def _refusal(self) -> web.Response | None:
        if not self.refuse:
            return None
        status = self.refuse
        if self.refuse_times:
            self.refuse_times -= 1
            if not self.refuse_times:
                self.refuse = None
        return web.json_response(
            {"error": {"code": "Refused"}}, status=status, headers={"Retry-After": "30"}
        )

    async def _post(self, request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.peers.append(peer[1] if peer else 0)
        if refusal := self._refusal():
            return refusal
        body = await request.json()
        quiet = self.hang_only in (None, request.match_info["cid"])
        if self.hang is not None and quiet:  # it arrived; the answer does not come in time
            self.received_while_hanging.append(body)
            await self.hang.wait()
            return web.json_response({"id": f"act-{next(self._ids)}"})
        self.sent.append(
            Sent(
                "post",
                request.match_info["cid"],
                request.match_info.get("aid"),
                body,
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

    async def _paged_members(self, request: web.Request) -> web.Response:
        start = int(request.query.get("continuationToken") or 0)
        size = min(int(request.query.get("pageSize") or self.page_size), self.page_size)
        everyone = list(self.members.values())
        page = everyone[start : start + size]
        more = start + size < len(everyone)
        return web.json_response(
            {"members": page, "continuationToken": str(start + size) if more else None}
        )

    async def _file(self, request: web.Request) -> web.Response:
        self.downloads.append(dict(request.headers))
        content = self.files.get(request.match_info["name"])
        if content is None:
            return web.Response(status=404)
        return web.Response(body=content, content_type="text/csv")

    async def _create(self, request: web.Request) -> web.Response:
        """A 1:1 chat is keyed by its member: asking again gives the same conversation."""
        if refusal := self._refusal():
            return refusal
        if self.refuse_create:
            return web.json_response({"error": {"code": "Forbidden"}}, status=self.refuse_create)
        body = await request.json()
        self.created.append(body)
        (member,) = body["members"]
        return web.json_response({"id": f"a:{member['id']}"}, status=201)

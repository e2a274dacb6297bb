"""A stand-in for Slack's Web API on 127.0.0.1: records every call, answers like Slack,
and can be told to rate-limit a method with 429 and Retry-After as Slack does."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from aiohttp import web


@dataclass
class Call:
    method: str
    body: dict
    headers: dict


@dataclass
class FakeSlackApi:
    calls: list[Call] = field(default_factory=list)
    responses: list[Call] = field(default_factory=list)  # posts to response_url
    rate_limited: dict[str, int] = field(default_factory=dict)  # method -> Retry-After
    # chat.postMessage refused with 429 for these bot tokens (one workspace's storm)
    rate_limited_tokens: dict[str, int] = field(default_factory=dict)  # token -> Retry-After
    # Slack's posting limits, enforced like Slack: per channel and per workspace (token),
    # each a token bucket of `burst`; over it, 429 with Retry-After: 1.
    channel_rate: float | None = None
    workspace_rate: float | None = None
    burst: int = 10
    limited: int = 0  # how many 429s the limits above gave
    delivered: list[str] = field(default_factory=list)  # channels of accepted posts, in order
    delivered_at: list[float] = field(default_factory=list)  # their time.monotonic()
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    users: list[dict] = field(default_factory=list)  # what users.list pages through
    errors: dict[str, str] = field(default_factory=dict)  # method -> Slack error it answers
    # Per installation: users.list answered for the bearer token's own workspace.
    users_by_token: dict[str, list[dict]] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)  # file id -> bytes received
    # Files people shared (file id -> name, bytes): files.info describes them, and
    # url_private serves them to a request bearing the bot token.
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    downloads: list[dict] = field(default_factory=list)  # headers of each file download
    latency: float = 0.0  # simulated server time per chat.postMessage (seconds)
    socket_acks: list[dict] = field(default_factory=list)  # frames the app sent back
    _socket: web.WebSocketResponse | None = None
    group_dms: dict[str, list[str]] = field(default_factory=dict)  # conversations.open
    url: str = ""
    _runner: web.AppRunner | None = None
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[dict]:
        """Until `count` calls of `method` arrived (event-driven: woken by each call)."""

        async def enough() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self._of_all(method)) >= count)

        await asyncio.wait_for(enough(), timeout)
        return self._of_all(method)

    def _of_all(self, method: str) -> list[dict]:
        if method == "response_url":
            return [c.body for c in self.responses]
        return self.of(method)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def of(self, method: str) -> list[dict]:
        return [c.body for c in self.calls if c.method == method]

    async def start(self) -> FakeSlackApi:
        app = web.Application()
        app.router.add_get("/socket", self._websocket)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/files-pri/{file_id}/{name}", self._download)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{id}", self._response_url)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return self.url + "api/"

    def response_url(self, name: str = "1") -> str:
        return f"{self.url}response/{name}"

    async def _body(self, request: web.Request) -> dict:
        query = dict(request.query)  # some methods send their arguments in the URL
        if request.method == "GET":
            return query
        raw = await request.text()
        if request.content_type == "application/json":
            return {**query, **json.loads(raw or "{}")}
        return {**query, **dict(parse_qsl(raw))}

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await self._body(request)
        for key in ("blocks", "view", "attachments"):
            if isinstance(body.get(key), str):
                body[key] = json.loads(body[key])
        if method == "chat.postMessage" and self.latency:
            await asyncio.sleep(self.latency)  # Slack's own processing time, simulated
        self.calls.append(Call(method, body, dict(request.headers)))
        await self._notify()
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        retry = self.rate_limited.get(method)
        if method == "chat.postMessage":
            retry = retry or self.rate_limited_tokens.get(token) or self._over_limit(token, body)
        if retry:
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(retry)},
            )
        if method in self.errors:
            return web.json_response({"ok": False, "error": self.errors[method]})
        return web.json_response(self._answer(method, {**body, "_token": token}))

    def _over_limit(self, token: str, body: dict) -> int | None:
        """1 (second) when this post exceeds the channel's or the workspace's bucket."""
        checks = [
            (f"c:{body.get('channel')}", self.channel_rate),
            (f"w:{token}", self.workspace_rate),
        ]
        now = time.monotonic()
        levels = {}
        for key, rate in checks:
            if rate is None:
                continue
            level, at = self._buckets.get(key, (float(self.burst), now))
            level = min(float(self.burst), level + (now - at) * rate)
            if level < 1:
                self.limited += 1
                return 1
            levels[key] = level
        for key, level in levels.items():
            self._buckets[key] = (level - 1, now)
        return None

    def _answer(self, method: str, body: dict) -> dict:
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts)}"
            return {"ok": True, "upload_url": f"{self.url}upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = body.get("files")
            files = json.loads(files) if isinstance(files, str) else files
            return {
                "ok": True,
                "files": [{"id": f["id"], "title": f.get("title")} for f in files or []],
            }
        if method == "oauth.v2.access":
            if body.get("grant_type") == "refresh_token":
                return {
                    "ok": True,
                    "token_type": "bot",
                    "access_token": "xoxe.xoxb-rotated",
                    "refresh_token": "xoxe-1-refresh-2",
                    "expires_in": 43200,
                    "team": {"id": "T111"},
                    "enterprise": None,
                    "bot_user_id": "UBOT",
                    "app_id": "A111",
                    "scope": "chat:write",
                }
            return {
                "ok": True,
                "app_id": "A111",
                "token_type": "bot",
                "access_token": "xoxb-installed",
                "scope": "chat:write,commands",
                "bot_user_id": "UBOT",
                "team": {"id": "T111", "name": "Acme"},
                "enterprise": None,
                "is_enterprise_install": False,
                "authed_user": {"id": "U0ADA"},
            }
        if method == "files.info":
            if body.get("file") not in self.files:
                return {"ok": False, "error": "file_not_found"}
            name, data = self.files[body["file"]]
            return {
                "ok": True,
                "file": {
                    "id": body["file"],
                    "name": name,
                    "filetype": "csv" if name.endswith(".csv") else "png",
                    "size": len(data),
                    "url_private": f"{self.url}files-pri/{body['file']}/{name}",
                },
            }
        if method == "apps.connections.open":
            return {"ok": True, "url": self.url.replace("http://", "ws://") + "socket"}
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": "UBOT",
                "bot_id": "BBOT",
                "team_id": "T111",
                "team": "Acme",
                "url": "https://acme.slack.com/",
            }
        if method == "chat.postMessage":
            self.delivered.append(str(body.get("channel", "")))
            self.delivered_at.append(time.monotonic())
            channel = str(body.get("channel", ""))
            if channel.startswith(("U", "W")):
                channel = "D" + channel[1:]
            return {
                "ok": True,
                "channel": channel,
                "ts": f"{next(self._ts)}.000100",
                "message": {"text": body.get("text", "")},
            }
        if method == "users.list":
            start = int(body.get("cursor") or 0)
            limit = int(body.get("limit") or 100)
            users = self.users_by_token.get(body.get("_token", ""), self.users)
            page = users[start : start + limit]
            more = start + limit < len(users)
            return {
                "ok": True,
                "members": page,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""},
            }
        if method == "conversations.open":
            return self._open(body)
        if method == "users.info":
            found = next((u for u in self.users if u.get("id") == body.get("user")), None)
            if found is None:
                return {"ok": False, "error": "user_not_found"}
            wanted = str(body.get("include_locale")).lower() in ("1", "true")
            return {"ok": True, "user": found if wanted else {**found, "locale": None}}
        if method == "chat.update":
            return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{next(self._ts)}.000200"}
        if method == "views.open":
            return {"ok": True, "view": {"id": "VMODAL", **(body.get("view") or {})}}
        if method == "views.publish":
            return {"ok": True, "view": {"id": "V1", **(body.get("view") or {})}}
        return {"ok": True}

    def _open(self, body: dict) -> dict:
        """conversations.open like Slack: one user is their DM with the bot (D...), several
        a multi-person DM (G...), the same one each time for the same people; recorded in
        `group_dms` (channel -> the users, the bot not listed)."""
        users = sorted(u for u in str(body.get("users", "")).split(",") if u)
        if not users:
            return {"ok": False, "error": "users_not_found"}
        if len(users) == 1:
            return {"ok": True, "channel": {"id": "D" + users[0][1:]}}
        if len(users) > 8:
            return {"ok": False, "error": "too_many_users"}
        channel = "G" + "".join(u[-3:] for u in users)
        self.group_dms[channel] = users
        return {"ok": True, "channel": {"id": channel, "is_mpim": True}}

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then relay envelopes from `socket_send`, record acks."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"type": "hello", "num_connections": 1})
        await self._notify()
        async for frame in socket:
            if frame.type == web.WSMsgType.TEXT:
                self.socket_acks.append(json.loads(frame.data))
                await self._notify()
        return socket

    async def socket_send(self, envelope: dict) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self._socket is not None)
        assert self._socket is not None
        await self._socket.send_json(envelope)

    async def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict:
        async def acked() -> None:
            async with self._changed:
                await self._changed.wait_for(
                    lambda: any(a.get("envelope_id") == envelope_id for a in self.socket_acks)
                )

        await asyncio.wait_for(acked(), timeout)
        return next(a for a in self.socket_acks if a.get("envelope_id") == envelope_id)

    async def _upload(self, request: web.Request) -> web.Response:
        reader = await request.post() if request.content_type.startswith("multipart") else None
        if reader is not None and "file" in reader:
            data = reader["file"].file.read()  # type: ignore[union-attr]
        else:
            data = await request.read()
        self.uploads[request.match_info["file_id"]] = data
        await self._notify()
        return web.Response(text="OK - 1")

    async def _download(self, request: web.Request) -> web.Response:
        self.downloads.append(dict(request.headers))
        if request.headers.get("Authorization") != "Bearer xoxb-test":
            return web.Response(status=404)  # Slack hides files from requests without a token
        return web.Response(body=self.files[request.match_info["file_id"]][1])

    async def _response_url(self, request: web.Request) -> web.Response:
        self.responses.append(
            Call("response_url", await self._body(request), dict(request.headers))
        )
        await self._notify()
        return web.Response(text="ok")


class ThreadedFakeSlackApi:
    """The stand-in on its own event loop in a thread, for tests of synchronous callers
    (the CLI runs its own asyncio loop)."""

    def __init__(self) -> None:
        import threading

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.api = FakeSlackApi()

    def __enter__(self) -> FakeSlackApi:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.api.start(), self.loop).result(10)
        return self.api

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self.api.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

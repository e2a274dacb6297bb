"""The HTTP server over real loopback HTTP."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from adapters.runtime import build
from adapters.server import make_app
from adapters.settings import load_settings


async def test_healthz_over_loopback(database_url: str) -> None:
    runtime = await build(load_settings(database_url=database_url))
    runner = web.AppRunner(make_app(runtime))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
                body = await response.json()
            async with http.get(f"http://127.0.0.1:{port}/nope") as response:
                assert response.status == 404
    finally:
        await runner.cleanup()
        await runtime.db.dispose()
    assert body == {
        "status": "ok",
        "database": "ok",
        "platforms": "none (scheduler and /healthz only)",
    }

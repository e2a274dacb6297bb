"""Slack ack latency with the work behind the acks really done: `crosspulse serve` (SQLite)
against a bare Bolt app that only acks, alternating rounds of signed requests at a fixed
concurrency, from this process over loopback.

    .venv/bin/python bench/slack_ack.py [--concurrency 50] [--requests 400] [--rounds 5]
        [--api-latency 0.05] [--kinds help,status,click] [--compare OTHER_CHECKOUT]

Both servers' Web API clients and every `response_url` point at a stand-in Slack in its
own process (so it does not share this process's event loop with the load): it answers
after `--api-latency` seconds, as Slack would from nearby, and counts what arrives. After
each crosspulse round the bench waits until every reply of that round has reached the
stand-in before the next round starts, so the work behind the acks is done inside the
measurement and never spills into the bare app's round. Reported: ack p50/p99 (request
sent to HTTP 200), the reply p50/p99 (request sent to its reply arriving at the stand-in),
and the p99 ratio against the bare app; medians over rounds. `--compare` adds `serve` from
another checkout (before a change) on a copy of the database to the same alternation.

Kinds: `/pulse help`, `/pulse status` (needs the database), and the pulse's submit button
(records a real answer, one distinct person per click; its reply is the `chat.update`).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.slack_api import FakeSlackApi  # noqa: E402

SECRET = "bench-signing-secret"
PYTHON = sys.executable
CROSSPULSE = str(Path(PYTHON).parent / "crosspulse")
KINDS = ("help", "status", "click")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    mac = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={mac}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def command_body(user: str, text: str, response_url: str) -> str:
    return urlencode(
        {
            "command": "/pulse",
            "text": text,
            "user_id": user,
            "team_id": "T1",
            "channel_id": "C1",
            "response_url": response_url,
            "trigger_id": "1",
        }
    )


def click_body(user: str, round_id: int, state: dict, response_url: str, ts: str) -> str:
    payload = {
        "type": "block_actions",
        "user": {"id": user},
        "team": {"id": "T1"},
        "api_app_id": "A1",
        "token": "x",
        "trigger_id": "1",
        "container": {"type": "message", "message_ts": ts, "channel_id": "D1"},
        "response_url": response_url,
        "state": {"values": state},
        "actions": [
            {
                "action_id": "submit:checkin",
                "block_id": "buttons",
                "value": str(round_id),
                "type": "button",
                "action_ts": f"{ts}2",
            }
        ],
    }
    return "payload=" + quote(json.dumps(payload))


# --- the stand-in Slack, run as `slack_ack.py --stand-in PORT LATENCY` -------------------


def stand_in_app(latency: float) -> web.Application:
    """The test suite's FakeSlackApi answers the Web API; every reply (a `response_url`
    post, keyed by its path, or a `chat.update`, keyed by its ts) is stamped on arrival
    with the wall clock (comparable across processes) and answered after `latency`."""
    fake = FakeSlackApi()
    arrivals: dict[str, float] = {}

    async def api(request: web.Request) -> web.Response:
        arrived = time.time()
        if request.match_info["method"] == "chat.update":
            body = await fake._body(request)  # aiohttp keeps the body for _api to read again
            arrivals[f"update:{body.get('ts')}"] = arrived
        await asyncio.sleep(latency)
        return await fake._api(request)

    async def response_url(request: web.Request) -> web.Response:
        arrivals[f"respond:{request.match_info['id']}"] = time.time()
        await request.read()
        await asyncio.sleep(latency)
        return web.Response(text="ok")

    async def count(_: web.Request) -> web.Response:
        return web.json_response({"replies": len(arrivals)})

    async def all_arrivals(_: web.Request) -> web.Response:
        return web.json_response(arrivals)

    app = web.Application()
    app.router.add_route("*", "/api/{method}", api)
    app.router.add_post("/response/{id}", response_url)
    app.router.add_get("/count", count)
    app.router.add_get("/arrivals", all_arrivals)
    return app


def run_stand_in(port: int, latency: float) -> None:
    web.run_app(stand_in_app(latency), host="127.0.0.1", port=port, print=None)


# --- the load -------------------------------------------------------------------------


async def wait_healthy(http: aiohttp.ClientSession, url: str) -> None:
    for _ in range(300):
        try:
            async with http.get(url) as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)  # polling a process we started, not test synchronisation
    raise RuntimeError(f"{url} did not come up")


async def fire(
    http: aiohttp.ClientSession, url: str, bodies: list[tuple[str, str]], concurrency: int
) -> tuple[list[float], dict[str, float], float, float]:
    """Ack latencies, each request's send time by its reply key, requests per second and
    the wall clock of the last ack."""
    latencies: list[float] = []
    sent: dict[str, float] = {}
    queue = list(reversed(bodies))

    async def worker() -> None:
        while queue:
            key, body = queue.pop()
            sent[key] = time.time()
            started = time.perf_counter()
            async with http.post(url, data=body.encode(), headers=signed(body)) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"{url} answered {response.status}")
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, sent, len(bodies) / (time.perf_counter() - started), time.time()


async def replies_in(http: aiohttp.ClientSession, stand_in: str, expected: int) -> None:
    """Until the stand-in has received `expected` replies in all (5 minutes at most)."""
    waited = time.perf_counter()
    while time.perf_counter() - waited < 300:
        async with http.get(f"{stand_in}/count") as response:
            if (await response.json())["replies"] >= expected:
                return
        await asyncio.sleep(0.05)  # watching another process's progress, not a test
    raise RuntimeError(f"the stand-in got fewer than {expected} replies in 5 minutes")


def setup_database(path: Path, people: int, env: dict) -> tuple[int, dict]:
    csv = path.parent / "org.csv"
    lines = ["email,name,department,timezone,slack_user_id"]
    lines += [f"p{i}@example.com,Person {i},Dept {i % 8},UTC,U{i:05d}" for i in range(people)]
    csv.write_text("\n".join(lines) + "\n")
    today = datetime.now(UTC)
    weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[today.weekday()]
    quiet = {**env, "SLACK_BOT_TOKEN": ""}  # set up without sending anything
    for args in (
        ["org", "import", str(csv)],
        ["survey", "set", f"weekday={weekday}", "time=00:00"],
        ["tick", "--at", today.isoformat()],
    ):
        subprocess.run([CROSSPULSE, *args], env=quiet, check=True, capture_output=True)
    with sqlite3.connect(path) as db:
        round_id, questions = db.execute("SELECT id, questions FROM round").fetchone()
    state = {}
    for q in json.loads(questions):
        if q["kind"] == "scale":
            state[q["key"]] = {
                f"input:{q['key']}": {"type": "static_select", "selected_option": {"value": "4"}}
            }
    return round_id, state


def summary(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    ordered = sorted(latencies)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


def median_of(rows: list[tuple[float, ...]], column: int) -> float:
    return statistics.median(r[column] for r in rows)


def serve(env: dict, work: Path, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [CROSSPULSE, "serve"],
        env=env,
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=(work / f"{name}.log").open("w"),
    )


async def main(
    concurrency: int,
    requests: int,
    rounds: int,
    latency: float,
    kinds: list[str],
    compare: Path | None,
) -> None:
    work = Path(tempfile.mkdtemp(prefix="crosspulse-ack-"))
    db_path = work / "crosspulse.db"
    api_port = free_port()
    stand_in = f"http://127.0.0.1:{api_port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db_path}",
        "PORT": str(free_port()),
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": f"{stand_in}/api/",
        "CROSSPULSE_SECRET": "bench-secret-not-for-production-use",  # >= 32 bytes
    }
    people = requests * (rounds + 1) + 100  # the warm-up round clicks too
    round_id, state = await asyncio.to_thread(setup_database, db_path, people, env)
    api = subprocess.Popen(
        [PYTHON, __file__, "--stand-in", str(api_port), str(latency)],
        stdout=subprocess.DEVNULL,
        stderr=(work / "stand-in.log").open("w"),
    )
    bare_port = free_port()
    servers = {
        "crosspulse": serve(env, work, "serve"),
        "bare Bolt": subprocess.Popen(
            [
                PYTHON,
                str(ROOT / "bench" / "bare_bolt.py"),
                str(bare_port),
                SECRET,
                env["SLACK_API_URL"],
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    }
    ports = {"crosspulse": env["PORT"], "bare Bolt": str(bare_port)}
    dbs = {"crosspulse": db_path}
    if compare is not None:  # the same serve from another checkout, on its own copy
        dbs["compared"] = work / "compared.db"
        shutil.copyfile(db_path, dbs["compared"])
        ports["compared"] = str(free_port())
        servers["compared"] = serve(
            {
                **env,
                "PYTHONPATH": str(compare),
                "DATABASE_URL": f"sqlite:///{dbs['compared']}",
                "PORT": ports["compared"],
            },
            work,
            "compared",
        )
    targets = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    acks: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    replies: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    round_sends: list[tuple[str, str, dict[str, float], float]] = []  # kind, server, ...
    expected = 0
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as http:
            await wait_healthy(http, f"{stand_in}/count")
            for url in targets.values():
                await wait_healthy(http, f"{url}/healthz")
            for round_number in range(rounds + 1):  # round 0 warms both up, unreported
                for kind in kinds:
                    for index, (name, url) in enumerate(targets.items()):
                        tag = f"{round_number}-{kind}-{index}"
                        if kind == "click":  # new people each round; each server its own ts
                            first = round_number * requests
                            bodies = [
                                (
                                    f"update:{first + i}.{index}",
                                    click_body(
                                        f"U{first + i:05d}",
                                        round_id,
                                        state,
                                        f"{stand_in}/response/{tag}-{i}",
                                        f"{first + i}.{index}",
                                    ),
                                )
                                for i in range(requests)
                            ]
                        else:
                            bodies = [
                                (
                                    f"respond:{tag}-{i}",
                                    command_body(
                                        f"U{i:05d}", kind, f"{stand_in}/response/{tag}-{i}"
                                    ),
                                )
                                for i in range(requests)
                            ]
                        latencies, sent, rate, last_ack = await fire(
                            http, f"{url}/slack/events", bodies, concurrency
                        )
                        if name != "bare Bolt":
                            # Every reply of this round in before anything else is measured.
                            expected += requests
                            await replies_in(http, stand_in, expected)
                            if round_number:
                                round_sends.append((kind, name, sent, last_ack))
                        if round_number:
                            p50, p99 = summary(latencies)
                            acks.setdefault((kind, name), []).append((p50, p99, rate))
            async with http.get(f"{stand_in}/arrivals") as response:
                arrivals: dict[str, float] = await response.json()
    finally:
        for server in servers.values():
            server.terminate()  # graceful: serve finishes the work in flight
        for server in servers.values():  # the stand-in API must keep answering meanwhile
            await asyncio.to_thread(server.wait, 60)
        api.terminate()
        await asyncio.to_thread(api.wait, 10)
    for kind, name, sent, last_ack in round_sends:
        p50, p99 = summary([arrivals[key] - at for key, at in sent.items()])
        tail = max(arrivals[key] for key in sent) - last_ack
        replies.setdefault((kind, name), []).append((p50, p99, tail * 1000))
    answers = {
        name: sqlite3.connect(path).execute("SELECT count(*) FROM participation").fetchone()[0]
        for name, path in dbs.items()
    }
    print(
        f"{rounds} rounds x {requests} requests per kind and server, concurrency "
        f"{concurrency}, alternating; stand-in Slack answers after {latency * 1000:.0f} ms; "
        "medians over rounds" + (f"; 'compared' is serve from {compare}" if compare else "")
    )
    print(
        f"{'kind':<8}{'server':<12}{'ack p50':>9}{'ack p99':>9}{'req/s':>7}"
        f"{'reply p50':>11}{'reply p99':>11}{'last reply':>12}"
    )
    for kind in kinds:
        rows = {}
        for name in targets:
            p50, p99, rate = (median_of(acks[(kind, name)], c) for c in range(3))
            rows[name] = p99
            line = f"{kind:<8}{name:<12}{p50:>9.1f}{p99:>9.1f}{rate:>7.0f}"
            if name != "bare Bolt":
                r50, r99, tail = (median_of(replies[(kind, name)], c) for c in range(3))
                line += f"{r50:>11.1f}{r99:>11.1f}{tail:>12.1f}"
            print(line)
        for name in (n for n in targets if n != "bare Bolt"):
            ratio = rows[name] / rows["bare Bolt"]
            print(f"{'':<8}ack p99 ratio {name} / bare Bolt: {ratio:.2f} (goal <= 1.5)")
    clicks = rounds + 1 if "click" in kinds else 0
    print(
        f"replies received by the stand-in: {len(arrivals)} (expected {expected}); answers "
        f"recorded by the clicks: {answers} (expected {clicks * requests} each); times in ms, "
        f"'last reply' after the round's last ack; logs in {work}"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--stand-in"]:
        run_stand_in(int(sys.argv[2]), float(sys.argv[3]))
        sys.exit(0)
    parser = argparse.ArgumentParser(description="Slack ack latency against a bare Bolt app")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--api-latency", type=float, default=0.05, help="seconds")
    parser.add_argument("--kinds", default=",".join(KINDS), help="help,status,click")
    parser.add_argument(
        "--compare",
        type=Path,
        help="another checkout (e.g. a `git worktree` of the commit before a change): its "
        "serve runs too, on a copy of the database, in the same alternation",
    )
    args = parser.parse_args()
    chosen = [k for k in args.kinds.split(",") if k]
    if not set(chosen) <= set(KINDS):
        parser.error(f"--kinds takes {','.join(KINDS)}")
    asyncio.run(
        main(args.concurrency, args.requests, args.rounds, args.api_latency, chosen, args.compare)
    )

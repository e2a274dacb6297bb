"""Slack ack latency: `crosspulse serve` (SQLite) against a bare Bolt app that only acks,
alternating rounds of signed requests at a fixed concurrency, from this process over
loopback. Both servers' Web API clients point at a stand-in Slack API in this process.

    .venv/bin/python bench/slack_ack.py [--concurrency 50] [--requests 400] [--rounds 3]

Kinds: `/pulse help`, `/pulse status` (needs the database), and the pulse's submit button
(records a real answer, one distinct person per click).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.slack_api import FakeSlackApi  # noqa: E402

SECRET = "bench-signing-secret"
PYTHON = sys.executable
CROSSPULSE = str(Path(PYTHON).parent / "crosspulse")


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


def click_body(user: str, round_id: int, state: dict, response_url: str, n: int) -> str:
    payload = {
        "type": "block_actions",
        "user": {"id": user},
        "team": {"id": "T1"},
        "api_app_id": "A1",
        "token": "x",
        "trigger_id": "1",
        "container": {"type": "message", "message_ts": f"{n}.1", "channel_id": "D1"},
        "response_url": response_url,
        "state": {"values": state},
        "actions": [
            {
                "action_id": "submit:checkin",
                "block_id": "buttons",
                "value": str(round_id),
                "type": "button",
                "action_ts": f"{n}.2",
            }
        ],
    }
    return "payload=" + quote(json.dumps(payload))


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
    http: aiohttp.ClientSession, url: str, bodies: list[str], concurrency: int
) -> tuple[list[float], float]:
    latencies: list[float] = []
    queue = list(reversed(bodies))

    async def worker() -> None:
        while queue:
            body = queue.pop()
            started = time.perf_counter()
            async with http.post(url, data=body.encode(), headers=signed(body)) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"{url} answered {response.status}")
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, len(bodies) / (time.perf_counter() - started)


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
    ordered = sorted(latencies)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


async def main(concurrency: int, requests: int, rounds: int) -> None:
    api = await FakeSlackApi().start()
    work = Path(tempfile.mkdtemp(prefix="crosspulse-ack-"))
    db_path = work / "crosspulse.db"
    ours_port, bare_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db_path}",
        "PORT": str(ours_port),
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api.api_url,
        "CROSSPULSE_SECRET": "bench-secret-not-for-production-use",  # >= 32 bytes
    }
    people = requests * (rounds + 1) + 100  # the warm-up round clicks too
    round_id, state = await asyncio.to_thread(setup_database, db_path, people, env)
    servers = [
        subprocess.Popen(
            [CROSSPULSE, "serve"],
            env=env,
            cwd=work,
            stdout=subprocess.DEVNULL,
            stderr=(work / "serve.log").open("w"),
        ),
        subprocess.Popen(
            [PYTHON, str(ROOT / "bench" / "bare_bolt.py"), str(bare_port), SECRET, api.api_url],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    targets = {
        "crosspulse": f"http://127.0.0.1:{ours_port}",
        "bare Bolt": f"http://127.0.0.1:{bare_port}",
    }
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    clicked = 0
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as http:
            for url in targets.values():
                await wait_healthy(http, f"{url}/healthz")
            response_url = api.response_url("bench")
            for round_number in range(rounds + 1):  # round 0 warms both up, unreported
                for kind in ("help", "status", "click"):
                    for name, url in targets.items():
                        if kind == "click":
                            bodies = [
                                click_body(
                                    f"U{clicked + i:05d}",
                                    round_id,
                                    state,
                                    response_url,
                                    clicked + i,
                                )
                                for i in range(requests)
                            ]
                            if name == "crosspulse":
                                clicked += requests
                        else:
                            bodies = [
                                command_body(f"U{i:05d}", kind, response_url)
                                for i in range(requests)
                            ]
                        latencies, rate = await fire(
                            http, f"{url}/slack/events", bodies, concurrency
                        )
                        if round_number:
                            p50, p99 = summary(latencies)
                            results.setdefault((kind, name), []).append((p50, p99, rate))
        # The acks are measured; now let the work behind them finish before stopping.
        waited = time.perf_counter()
        while time.perf_counter() - waited < 300:
            done = (
                sqlite3.connect(db_path).execute("SELECT count(*) FROM participation").fetchone()[0]
            )
            if done >= clicked:
                break
            await asyncio.sleep(0.5)  # watching another process's progress, not a test
        backlog = time.perf_counter() - waited
    finally:
        for server in servers:
            server.terminate()  # graceful: serve finishes the work in flight
        for server in servers:  # the stand-in API must keep answering meanwhile
            await asyncio.to_thread(server.wait, 60)
        await api.stop()
    answers = sqlite3.connect(db_path).execute("SELECT count(*) FROM participation").fetchone()[0]
    print(
        f"{rounds} rounds x {requests} requests per kind and server, concurrency "
        f"{concurrency}, alternating; medians over rounds"
    )
    print(f"{'kind':<8}{'server':<12}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}")
    for kind in ("help", "status", "click"):
        rows = {}
        for name in targets:
            p50 = statistics.median(r[0] for r in results[(kind, name)])
            p99 = statistics.median(r[1] for r in results[(kind, name)])
            rate = statistics.median(r[2] for r in results[(kind, name)])
            rows[name] = (p50, p99, rate)
            print(f"{kind:<8}{name:<12}{p50:>9.1f}{p99:>9.1f}{rate:>9.0f}")
        ratio = rows["crosspulse"][1] / rows["bare Bolt"][1]
        print(f"{'':<8}p99 ratio crosspulse / bare Bolt: {ratio:.2f} (goal <= 1.5, p99 < 100 ms)")
    print(
        f"answers recorded by the clicks: {answers} (expected {clicked}); the last one "
        f"{backlog:.1f} s after the last ack; server log: {work / 'serve.log'}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Slack ack latency against a bare Bolt app")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.concurrency, args.requests, args.rounds))

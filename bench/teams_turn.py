"""Teams turn latency: a message Activity to its reply through `crosspulse serve` (SQLite,
CROSSPULSE_DEV=1 so no token is needed), side by side with a bare botbuilder echo bot,
alternating rounds; replies go to a stand-in connector in this process. Each POST returns
after the turn, reply included, so its round trip is the turn's latency.

Two baselines: the bare echo bot as botbuilder comes (the issue's goal, at most 1.5), and
the same echo bot keeping its connector clients across turns as `serve` does
(adapters/teams/clients.py), which isolates what Crosspulse itself adds to a turn.

    .venv/bin/python bench/teams_turn.py [--concurrency 10] [--requests 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.slack_ack import CROSSPULSE, PYTHON, free_port, summary, wait_healthy  # noqa: E402
from tests.fakes.teams_connector import FakeConnector  # noqa: E402


def activity(user: int, text: str, service_url: str) -> str:
    return json.dumps(
        {
            "type": "message",
            "id": f"m{user}-{time.time_ns()}",
            "channelId": "msteams",
            "serviceUrl": service_url,
            "text": text,
            "from": {"id": f"29:u{user}", "aadObjectId": f"aad-{user}", "name": f"P {user}"},
            "recipient": {"id": "28:bot", "name": "Crosspulse"},
            "conversation": {"conversationType": "personal", "id": f"a:u{user}"},
        }
    )


async def fire(
    http: aiohttp.ClientSession, url: str, bodies: list[str], concurrency: int
) -> list[float]:
    latencies: list[float] = []
    queue = list(reversed(bodies))

    async def worker() -> None:
        while queue:
            body = queue.pop()
            started = time.perf_counter()
            async with http.post(
                url, data=body, headers={"Content-Type": "application/json"}
            ) as response:
                await response.read()
                if response.status not in (200, 201):
                    raise RuntimeError(f"{url} answered {response.status}")
            latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def setup(db: Path, people: int, env: dict) -> None:
    csv = db.parent / "org.csv"
    lines = ["email,name,department,timezone,teams_user_id"]
    lines += [f"p{i}@example.com,P {i},Dept {i % 8},UTC,aad-{i}" for i in range(people)]
    csv.write_text("\n".join(lines) + "\n")
    subprocess.run(
        [CROSSPULSE, "org", "import", str(csv)], env=env, check=True, capture_output=True
    )


async def main(concurrency: int, requests: int, rounds: int) -> None:
    connector = await FakeConnector().start()
    work = Path(tempfile.mkdtemp(prefix="crosspulse-teams-"))
    ours_port, bare_port, kept_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'crosspulse.db'}",
        "PORT": str(ours_port),
        "CROSSPULSE_DEV": "1",
        "CROSSPULSE_SECRET": "bench-secret-not-for-production-use",  # >= 32 bytes
    }
    await asyncio.to_thread(setup, work / "crosspulse.db", requests, env)
    servers = [
        subprocess.Popen(
            [CROSSPULSE, "serve"],
            env=env,
            cwd=work,
            stdout=subprocess.DEVNULL,
            stderr=(work / "serve.log").open("w"),
        ),
        subprocess.Popen(
            [PYTHON, str(ROOT / "bench" / "bare_botbuilder.py"), str(bare_port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [
                PYTHON,
                str(ROOT / "bench" / "bare_botbuilder.py"),
                str(kept_port),
                "--reuse-clients",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    targets = {
        "crosspulse": f"http://127.0.0.1:{ours_port}",
        "bare echo": f"http://127.0.0.1:{bare_port}",
        "echo, kept": f"http://127.0.0.1:{kept_port}",
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in targets}
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as http:
            for url in targets.values():
                await wait_healthy(http, f"{url}/healthz")
            for round_number in range(rounds + 1):  # round 0 warms up, unreported
                for name, url in targets.items():
                    bodies = [activity(i, "help", connector.url) for i in range(requests)]
                    latencies = await fire(http, f"{url}/api/messages", bodies, concurrency)
                    if round_number:
                        results[name].append(summary(latencies))
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            await asyncio.to_thread(server.wait, 60)
        await connector.stop()
    print(
        f"{rounds} rounds x {requests} message Activities per server, concurrency "
        f"{concurrency}, alternating; medians over rounds"
    )
    rows = {}
    for name, values in results.items():
        p50 = statistics.median(v[0] for v in values)
        p99 = statistics.median(v[1] for v in values)
        rows[name] = (p50, p99)
        print(f"{name:<12} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms")
    ours = rows["crosspulse"]
    for baseline, note in (
        ("bare echo", "goal: at most 1.5"),
        ("echo, kept", "same client reuse: what Crosspulse adds"),
    ):
        print(
            f"ratio crosspulse / {baseline}: p50 {ours[0] / rows[baseline][0]:.2f}, "
            f"p99 {ours[1] / rows[baseline][1]:.2f} ({note})"
        )
    replies = len(connector.sent)
    expected = len(targets) * requests * (rounds + 1)
    print(f"replies received by the connector: {replies} (expected {expected})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Teams turn latency against a bare echo bot")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.concurrency, args.requests, args.rounds))

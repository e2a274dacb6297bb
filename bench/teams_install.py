"""Adding the app to a large team: the `conversationUpdate` that installs it is answered only
after the welcome and the whole roster (read 500 a page, linked by e-mail, one team-scope
reference per known person) are done. Teams waits 15 s for a turn's answer (then it may
deliver the activity again), so the figure is the turn's time against that deadline.
`crosspulse serve` on SQLite, a stand-in connector in this process serving the roster.

    .venv/bin/python bench/teams_install.py [--people 5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.slack_ack import CROSSPULSE, free_port, wait_healthy  # noqa: E402
from tests.fakes.teams_connector import FakeConnector  # noqa: E402

TEAMS_DEADLINE = 15.0  # seconds the Bot Framework waits for a turn's HTTP answer
TENANT = "b28fdbfd-2b78-4f93-b0f8-8881793f0f8f"


def install_activity(service_url: str, run: int) -> str:
    return json.dumps(
        {
            "type": "conversationUpdate",
            "id": f"f:install-{run}",
            "channelId": "msteams",
            "serviceUrl": service_url,
            "membersAdded": [{"id": "28:bot"}],
            "from": {"id": "29:admin", "aadObjectId": "aad-admin"},
            "recipient": {"id": "28:bot", "name": "Crosspulse"},
            "conversation": {
                "isGroup": True,
                "conversationType": "channel",
                "tenantId": TENANT,
                "id": f"19:general-{run}@thread.tacv2",
            },
            "channelData": {
                "team": {"id": f"19:team-{run}@thread.tacv2", "name": "Everyone"},
                "eventType": "teamMemberAdded",
                "tenant": {"id": TENANT},
            },
        }
    )


async def one_run(people: int, run: int) -> tuple[float, int]:
    connector = await FakeConnector().start()
    connector.page_size = 500
    connector.members = {
        f"29:u{i}": {
            "id": f"29:u{i}",
            "aadObjectId": f"aad-{i}",
            "email": f"p{i}@example.com",
            "name": f"P {i}",
        }
        for i in range(people)
    }
    work = Path(tempfile.mkdtemp(prefix="crosspulse-install-"))
    db = work / "crosspulse.db"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "PORT": str(port),
        "CROSSPULSE_DEV": "1",
        "CROSSPULSE_SECRET": "bench-secret-not-for-production-use",  # >= 32 bytes
    }
    csv = work / "org.csv"
    rows = [f"p{i}@example.com,P {i},Dept {i % 12},UTC" for i in range(people)]
    csv.write_text("email,name,department,timezone\n" + "\n".join(rows) + "\n")
    await asyncio.to_thread(
        subprocess.run,
        [CROSSPULSE, "org", "import", str(csv)],
        env=env,
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        [CROSSPULSE, "serve"],
        env=env,
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=(work / "serve.log").open("w"),
    )
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as http:
            await wait_healthy(http, f"http://127.0.0.1:{port}/healthz")
            started = time.perf_counter()
            async with http.post(
                f"http://127.0.0.1:{port}/api/messages",
                data=install_activity(connector.url, run),
                headers={"Content-Type": "application/json"},
            ) as response:
                await response.read()
                status = response.status
            elapsed = time.perf_counter() - started
        if status not in (200, 201):
            raise RuntimeError(f"install answered {status}")
    finally:
        server.terminate()
        await asyncio.to_thread(server.wait, 60)
        await connector.stop()
    with sqlite3.connect(db) as check:
        stored = check.execute("select count(*) from conversation_ref").fetchone()[0]
    return elapsed, stored


async def main(people: int, runs: int) -> None:
    results = [await one_run(people, run) for run in range(runs)]
    times = [t for t, _ in results]
    median = statistics.median(times)
    print(f"team install with {people:,} members on the roster, {runs} runs (SQLite)")
    print("turn times: " + ", ".join(f"{t:.2f} s" for t in times))
    print(
        f"median {median:.2f} s = {median / TEAMS_DEADLINE:.2f} x Teams' {TEAMS_DEADLINE:.0f} s "
        "deadline for a turn's answer"
    )
    print(
        f"team-scope references stored: {', '.join(str(s) for _, s in results)} "
        f"(expected {people} each)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="A large team install against Teams' deadline")
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.people, args.runs))

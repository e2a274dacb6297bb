"""Pulse fan-out against Slack's posting limits: wall time over the floor the limit allows.

A stand-in Slack Web API in this process enforces Slack's limits on chat.postMessage (one
per second per channel, a workspace-wide cap, bursts of 10; over them, 429 Retry-After 1)
and answers after a simulated latency. `crosspulse tick --at` (a real subprocess, SQLite or
PostgreSQL) sends one pulse to each of N people, with SLACK_SEND_RATE set to the cap.

    .venv/bin/python bench/fanout.py [--people 10000] [--cap 100] [--latency 0.02]
                                     [--db sqlite|postgresql] [--runs 3]
    .venv/bin/python bench/fanout.py --db postgresql --replicas 1,2,3 [--cap 1000] ...

The floor is N / cap seconds: no sender can beat it without a 429. Each run prints wall time
over the floor, duplicates (people posted to twice), lost (people neither posted to nor
marked unknown), 429s and the sender's peak memory; then the same fan-out killed (SIGKILL)
halfway and restarted 15 minutes later on the tick clock. Medians over --runs.

`--replicas 1,2,3` (PostgreSQL) instead starts that many `crosspulse tick` processes at once
for each count: one leads, the others drain the same outbox (shared claims, one shared
budget per workspace). Each count prints DMs per second (people over first-to-last accepted
post), duplicates, lost and the stand-in's 429s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.slack_api import FakeSlackApi  # noqa: E402

PYTHON = sys.executable
CROSSPULSE = str(Path(PYTHON).parent / "crosspulse")
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_NAME = "crosspulse_fanout_bench"
INSTALL = "2026-11-02T00:00:00+00:00"  # the first command creates the installation
OPEN = "2026-11-03T06:00:00+00:00"  # the round opens and enrols; nobody is due yet
SEND = "2026-11-03T10:00:00+00:00"  # 10:00 UTC: everyone is due
RESTART = "2026-11-03T10:15:00+00:00"  # the restart; the leader lock recovers claims at once
# The sender as a child process that reports its own peak memory when it exits.
# VmHWM, not ru_maxrss: Linux carries the parent's high-water mark across fork and exec, so
# ru_maxrss of a child of this (large) bench process reports the bench's own size.
TICK = (
    "import atexit, sys\n"
    "def peak():\n"
    "    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
    "    sys.stderr.write(f'MAXRSS_KB {hwm[0].split()[1]}\\n')\n"
    "atexit.register(peak)\n"
    "import os\n"
    "from adapters.cli import app\n"
    "start = os.times()\n"
    "def cpu():\n"
    "    t = os.times()\n"
    "    sys.stderr.write(f'CPU_S {t.user + t.system - start.user - start.system}\\n')\n"
    "atexit.register(cpu)\n"
    "sys.argv = ['crosspulse', 'tick', '--at', sys.argv[1]]\n"
    "app()\n"
)


@dataclass
class Outcome:
    seconds: float  # from starting the sender to its exit (restart included)
    span: float  # from the first accepted post to the last
    duplicates: int
    lost: int
    unknown: int
    limited: int
    peak_mb: float
    cpu_s: float = 0.0  # the senders' CPU seconds after start-up (summed over replicas)


def fresh_database(backend: str, folder: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'fanout.db'}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_NAME}"')
    return f"postgresql://postgres@127.0.0.1:5432/{PG_NAME}"


async def run_cli(env: dict, *args: str) -> None:
    child = await asyncio.create_subprocess_exec(
        CROSSPULSE, *args, env=env, cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await child.communicate()
    if child.returncode != 0:
        raise SystemExit(f"crosspulse {' '.join(args)} failed: {err.decode()[-2000:]}")


async def start_tick(env: dict, at: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        PYTHON, "-c", TICK, at, env=env, cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def finish(child: asyncio.subprocess.Process) -> float:
    """Wait for the sender; its peak memory in MB (0 when it was killed)."""
    return (await finish_with_cpu(child))[0]


async def finish_with_cpu(child: asyncio.subprocess.Process) -> tuple[float, float]:
    """Wait for the sender; its peak memory in MB and CPU seconds (0 when it was killed)."""
    _, err = await child.communicate()
    peak = cpu = 0.0
    for line in err.decode().splitlines():
        if line.startswith("MAXRSS_KB "):
            peak = int(line.split()[1]) / 1024
        if line.startswith("CPU_S "):
            cpu = float(line.split()[1])
    if child.returncode not in (0, -signal.SIGKILL):
        raise SystemExit(f"tick failed: {err.decode()[-2000:]}")
    return peak, cpu


def states(url: str) -> dict[str, str]:
    query = (
        "SELECT platform_identity.external_id, delivery.state FROM delivery "
        "JOIN platform_identity ON platform_identity.person_id = delivery.person_id "
        "WHERE delivery.kind = 'pulse'"
    )
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return dict(conn.execute(query).fetchall())
    with psycopg.connect(url) as conn:
        return dict(conn.execute(query).fetchall())


async def fan_out(
    args: argparse.Namespace, *, kill_halfway: bool, replicas: int = 1
) -> Outcome:
    # With a high cap, a burst of a tenth of a second's worth: at 1,000/s a burst of 10 would
    # refuse posts that merely queued behind this process's own event loop (the stand-in
    # shares it with the bench), not posts sent too fast.
    burst = max(10, int(args.cap / 10)) if replicas > 1 or args.replicas else 10
    api = FakeSlackApi(
        latency=args.latency, channel_rate=1.0, workspace_rate=args.cap, burst=burst
    )
    await api.start()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = fresh_database(args.db, folder)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "CROSSPULSE_SECRET": "bench-secret-not-for-production-use",  # >= 32 bytes
            "SLACK_API_URL": api.api_url,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SEND_RATE": str(args.cap),
            "PYTHONPATH": str(ROOT),
        }
        csv = folder / "org.csv"
        csv.write_text(
            "email,name,department,timezone,slack_user_id\n"
            + "".join(
                f"p{i}@example.com,P {i},Dept {i % 20},UTC,U{i:06d}\n" for i in range(args.people)
            )
        )
        await run_cli(env, "tick", "--at", INSTALL)  # its survey starts that day
        await run_cli(env, "org", "import", str(csv))
        await run_cli(env, "tick", "--at", OPEN)
        api.calls.clear()
        started = time.perf_counter()
        senders = [await start_tick(env, SEND) for _ in range(replicas)]
        peak = 0.0
        if kill_halfway:
            await api.wait_for("chat.postMessage", args.people // 2, timeout=3600)
            senders[0].send_signal(signal.SIGKILL)
            await finish(senders[0])
            senders = [await start_tick(env, RESTART)]
        done = await asyncio.gather(*(finish_with_cpu(s) for s in senders))
        peak = max([peak, *(p for p, _ in done)])
        cpu = sum(c for _, c in done)
        seconds = time.perf_counter() - started
        final = states(url)
        if len(final) != args.people:
            raise SystemExit(f"expected {args.people} pulses, the outbox holds {len(final)}")
        if args.db == "postgresql":
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
    await api.stop()
    posted = [f"U{c[1:]}" if c.startswith("D") else c for c in api.delivered]
    counts: dict[str, int] = {}
    for channel in posted:
        counts[channel] = counts.get(channel, 0) + 1
    unknown = {user for user, state in final.items() if state == "unknown"}
    return Outcome(
        seconds=seconds,
        span=api.delivered_at[-1] - api.delivered_at[0] if api.delivered_at else 0.0,
        duplicates=sum(n - 1 for n in counts.values()),
        lost=len(set(final) - set(counts) - unknown),
        unknown=len(unknown),
        limited=api.limited,
        peak_mb=peak,
        cpu_s=cpu,
    )


def report(title: str, outcomes: list[Outcome], floor: float) -> None:
    wall = statistics.median(o.seconds for o in outcomes)
    span = statistics.median(o.span for o in outcomes)
    print(
        f"{title}: wall {wall:.1f} s (median of {len(outcomes)}), floor {floor:.1f} s, "
        f"ratio {wall / floor:.3f} (first to last post {span:.1f} s, {span / floor:.3f}); "
        f"duplicates {max(o.duplicates for o in outcomes)}, "
        f"lost {max(o.lost for o in outcomes)}, unknown {max(o.unknown for o in outcomes)}, "
        f"429s {statistics.median(o.limited for o in outcomes):.0f}, "
        f"sender peak memory {statistics.median(o.peak_mb for o in outcomes):.0f} MB "
        f"(max {max(o.peak_mb for o in outcomes):.0f})"
    )


def report_replicas(replicas: int, outcomes: list[Outcome], people: int) -> None:
    rates = [people / o.span for o in outcomes if o.span]
    print(
        f"{replicas} replica{'s' if replicas > 1 else ''}: "
        f"{statistics.median(rates):.0f} DMs/s (median of {len(outcomes)}: "
        f"{', '.join(f'{r:.0f}' for r in rates)}), "
        f"wall {statistics.median(o.seconds for o in outcomes):.1f} s; "
        f"duplicates {max(o.duplicates for o in outcomes)}, "
        f"lost {max(o.lost for o in outcomes)}, unknown {max(o.unknown for o in outcomes)}, "
        f"429s {max(o.limited for o in outcomes)}, "
        f"senders' CPU {statistics.median(1000 * o.cpu_s / people for o in outcomes):.1f} ms "
        f"per DM, peak memory per sender {statistics.median(o.peak_mb for o in outcomes):.0f} MB"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--cap", type=float, default=100.0, help="workspace posts per second")
    parser.add_argument("--latency", type=float, default=0.02, help="Slack's answer time, s")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--replicas", help="comma-separated sender counts, e.g. 1,2,3 (PostgreSQL only)"
    )
    args = parser.parse_args()
    floor = args.people / args.cap
    print(
        f"{args.people} people, cap {args.cap:g}/s per workspace and 1/s per channel, "
        f"latency {args.latency * 1000:.0f} ms, {args.db}"
    )
    if args.replicas:
        print(f"stand-in burst {max(10, int(args.cap / 10))}; {os.cpu_count()} cores")
        if args.db != "postgresql":
            raise SystemExit("--replicas needs --db postgresql: SQLite runs one sender")
        for count in (int(n) for n in args.replicas.split(",")):
            outcomes = [
                await fan_out(args, kill_halfway=False, replicas=count) for _ in range(args.runs)
            ]
            report_replicas(count, outcomes, args.people)
        return
    straight = [await fan_out(args, kill_halfway=False) for _ in range(args.runs)]
    report("uninterrupted", straight, floor)
    killed = [await fan_out(args, kill_halfway=True) for _ in range(args.runs)]
    report("killed halfway and restarted", killed, floor)


if __name__ == "__main__":
    asyncio.run(main())

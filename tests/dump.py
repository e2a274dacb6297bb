"""What an outsider holding the database gets: every table's rows in every order the file or
the server keeps (ids, SQLite's rowid, PostgreSQL's ctid), and the raw dump as bytes.

Read through the database's own driver, not our models, as an attacker would.
"""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterable
from pathlib import Path

import psycopg


def _sqlite_path(url: str) -> Path:
    return Path(url.split("///", 1)[1])


def _pg_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def rows_in_physical_order(url: str, table: str, columns: Iterable[str]) -> list[tuple]:
    """The rows as stored: SQLite's rowid order (the key order for a table without rowid),
    PostgreSQL's ctid order (where each row sits in the heap)."""
    names = ", ".join(columns)
    if url.startswith("sqlite"):
        with sqlite3.connect(f"file:{_sqlite_path(url)}?mode=ro", uri=True) as conn:
            try:
                return conn.execute(f"SELECT {names} FROM {table} ORDER BY rowid").fetchall()
            except sqlite3.OperationalError:  # WITHOUT ROWID: the file keeps key order
                return conn.execute(f"SELECT {names} FROM {table}").fetchall()
    with psycopg.connect(_pg_dsn(url)) as conn:
        return conn.execute(f"SELECT {names} FROM {table} ORDER BY ctid").fetchall()


def query(url: str, sql: str) -> list[tuple]:
    if url.startswith("sqlite"):
        with sqlite3.connect(f"file:{_sqlite_path(url)}?mode=ro", uri=True) as conn:
            return conn.execute(sql).fetchall()
    with psycopg.connect(_pg_dsn(url)) as conn:
        return conn.execute(sql).fetchall()


def raw_dump(url: str) -> bytes:
    """Every byte an attacker could read: the SQLite file with its WAL, or `pg_dump`."""
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        return b"".join(
            p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()
        )
    return subprocess.run(
        ["pg_dump", "--data-only", _pg_dsn(url)], check=True, capture_output=True
    ).stdout


def first_seen(keys: Iterable[str]) -> list[str]:
    """Distinct keys in order of their first appearance (`min(id)` per pseudonym)."""
    return list(dict.fromkeys(keys))


def best_lineup(people: list[list[int]], respondents: list[list[str]], truth: dict) -> int:
    """An attacker's best guess by order: the i-th person of a participation order is the
    i-th pseudonym of a response order, forwards or backwards; the most it gets right."""
    best = 0
    for order in people:
        for guess in respondents:
            for candidates in (guess, guess[::-1]):
                right = sum(
                    truth.get(person) == key for person, key in zip(order, candidates, strict=False)
                )
                best = max(best, right)
    return best

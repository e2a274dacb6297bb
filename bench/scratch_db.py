"""A throw-away database for a benchmark: a fresh SQLite file or PostgreSQL database."""

from __future__ import annotations

import tempfile

import psycopg

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def create(backend: str, name: str) -> str:
    """The URL of a new, empty database of that backend (PostgreSQL: dropped first)."""
    if backend == "postgresql":
        drop(backend, name)
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    return f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='crosspulse-bench-')}/{name}.db"


def drop(backend: str, name: str) -> None:
    if backend == "postgresql":
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

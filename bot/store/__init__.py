"""Storage: the engine and sessions (`db`), the tables (`models`), the audit trail (`audit`)
and the record of requests already seen (`dedupe`). Imports nothing else of the core; the
Alembic migrations live beside it in `bot/migrations/`."""

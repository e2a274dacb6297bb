"""Organisation CSVs sent in the chat, held until their admin confirms: in the database (any
replica may get the click), encrypted with a key derived from CROSSPULSE_SECRET, found by
the hash of a random token that only the confirm button carries, and dropped after TTL.
The file itself never reaches a log."""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.models import PendingImport

TTL = timedelta(minutes=30)
NONCE = 12


def _key(secret: bytes) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"crosspulse pending import"
    ).derive(secret)
    return AESGCM(derived)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def hold(
    session: AsyncSession,
    *,
    tenant_id: int,
    person_id: int,
    text: str,
    secret: bytes,
    now: datetime,
) -> str:
    """Store the file; returns the token for the confirm button. The caller commits."""
    await session.exec(delete(PendingImport).where(col(PendingImport.expires_at) < now))
    token = secrets.token_urlsafe(24)
    nonce = os.urandom(NONCE)
    sealed = nonce + _key(secret).encrypt(nonce, text.encode(), _hash(token).encode())
    session.add(
        PendingImport(
            token_hash=_hash(token),
            tenant_id=tenant_id,
            person_id=person_id,
            sealed=sealed,
            expires_at=now + TTL,
        )
    )
    return token


async def take(
    session: AsyncSession, *, token: str, person_id: int, secret: bytes, now: datetime
) -> str | None:
    """The held file, removed from the store; None when unknown, expired, someone else's
    or unreadable (a rotated secret). The caller commits."""
    row = (
        await session.exec(select(PendingImport).where(PendingImport.token_hash == _hash(token)))
    ).first()
    if row is None or row.person_id != person_id:
        return None
    await session.delete(row)
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=now.tzinfo)
    if expires <= now:
        return None
    try:
        plain = _key(secret).decrypt(
            row.sealed[:NONCE], row.sealed[NONCE:], row.token_hash.encode()
        )
    except InvalidTag:
        return None
    return plain.decode()

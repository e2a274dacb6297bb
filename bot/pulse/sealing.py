"""Sealed answers: what an open round holds, unreadable and unorderable without the secret.

An answer is sealed with AES-GCM under a key derived from CROSSPULSE_SECRET, padded to one
fixed size (so a long comment or many teams cannot be told apart by length), and stored
under an id that is an HMAC of the round and the person's salt: random to anyone without
the secret, yet the running service can find the person's own row again (the follow-up,
erasure). Nothing in the row says when it was written. When the round closes the answers
are unsealed, shuffled and written as responses (`bot/pulse/publish.py`), and the sealed rows go.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.i18n import _
from bot.pulse.surveys import AnswerError

PADDED_SIZE = 6144  # bytes of plaintext every sealed answer is padded to
NONCE_SIZE = 12
SEALED_SIZE = NONCE_SIZE + PADDED_SIZE + 16  # nonce, ciphertext, GCM tag


@dataclass(frozen=True)
class SealedContent:
    """One person's answers to one round, as sealed: never stored in the clear."""

    respondent: str  # the round's pseudonym, written on the responses at close
    department_id: int
    scores: dict[str, int]
    worked_with: tuple[int, ...] = ()
    blocked_by: int | None = None
    comment: str | None = None
    smoothness: dict[int, int] | None = None  # None: the follow-up is still owed or not asked
    author: int | None = None  # the person's id, sealed again beside their comment at close
    # Everyone the person reports to, directly or through others, when they answered: the
    # managers' scopes their answer counts in once the round closes (`bot.pulse.publish`).
    managers: tuple[int, ...] = ()

    @property
    def followup_owed(self) -> bool:
        return bool(self.worked_with) and self.smoothness is None


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


class Sealer:
    """Seals and unseals answers, and names their rows; one per secret."""

    def __init__(self, secret: bytes) -> None:
        self._aead = AESGCM(_derive(secret, b"crosspulse sealed answers v1"))
        self._row_key = _derive(secret, b"crosspulse sealed row ids v1")
        self._pseudonym_key = _derive(secret, b"crosspulse round pseudonyms v1")
        self._authors = AESGCM(_derive(secret, b"crosspulse comment authors v1"))

    def row_id(self, *, round_id: int, salt: str) -> str:
        """The sealed row's id: stable for the person and round, random to everyone else."""
        message = f"{round_id}:{salt}".encode()
        return hmac.new(self._row_key, message, hashlib.sha256).hexdigest()

    def respondent(self, *, round_id: int, salt: str) -> str:
        """The pseudonym a person's responses carry in one round; a new one every round, so
        weeks cannot be joined into a pattern, and erasure recomputes it from the salt."""
        message = f"{round_id}:{salt}".encode()
        return hmac.new(self._pseudonym_key, message, hashlib.sha256).hexdigest()[:40]

    def seal(self, content: SealedContent, *, round_id: int) -> bytes:
        plain = json.dumps(_to_dict(content), separators=(",", ":"), ensure_ascii=False).encode()
        if len(plain) > PADDED_SIZE - 4:
            raise AnswerError(
                _(
                    "That answer is too long to store; please shorten your comment and send it "
                    "again."
                )
            )
        padded = len(plain).to_bytes(4, "big") + plain + bytes(PADDED_SIZE - 4 - len(plain))
        nonce = os.urandom(NONCE_SIZE)
        return nonce + self._aead.encrypt(nonce, padded, _aad(round_id))

    def unseal(self, box: bytes, *, round_id: int) -> SealedContent:
        try:
            padded = self._aead.decrypt(box[:NONCE_SIZE], box[NONCE_SIZE:], _aad(round_id))
        except InvalidTag:
            raise ValueError(
                "a sealed answer cannot be opened with CROSSPULSE_SECRET; was the secret "
                "changed while a round was open?"
            ) from None
        size = int.from_bytes(padded[:4], "big")
        return _from_dict(json.loads(padded[4 : 4 + size]))

    def seal_author(self, person_id: int) -> bytes:
        """A comment's author under a random nonce, one size whatever the id: equal authors
        give unequal boxes, so a dump cannot group what one person wrote or was sent."""
        return self.seal_ints((person_id,), purpose=b"comment author")

    def open_author(self, box: bytes) -> int | None:
        """The person id in a box from `seal_author`; None when it does not open."""
        values = self.open_ints(box, purpose=b"comment author")
        return None if values is None else values[0]

    def seal_ints(self, values: tuple[int, ...], *, purpose: bytes) -> bytes:
        """Small references (ids) sealed for one purpose, with a random nonce."""
        plain = b"".join(v.to_bytes(8, "big") for v in values)
        nonce = os.urandom(NONCE_SIZE)
        return nonce + self._authors.encrypt(nonce, plain, purpose)

    def open_ints(self, box: bytes, *, purpose: bytes) -> tuple[int, ...] | None:
        """What `seal_ints` sealed for `purpose`; None when the box does not open."""
        try:
            plain = self._authors.decrypt(box[:NONCE_SIZE], box[NONCE_SIZE:], purpose)
        except (InvalidTag, ValueError):
            return None
        return tuple(int.from_bytes(plain[i : i + 8], "big") for i in range(0, len(plain), 8))


NOBODY = 0  # the id in an erased author's decoy box: no person ever has it


@lru_cache(maxsize=4)
def sealer_for(secret: bytes) -> Sealer:
    """One Sealer per secret: its keys are derived once, not on every answer."""
    return Sealer(secret)


def _aad(round_id: int) -> bytes:
    """Binds a box to its round: a row copied into another round does not open."""
    return f"round:{round_id}".encode()


def _to_dict(content: SealedContent) -> dict:
    return {
        "r": content.respondent,
        "d": content.department_id,
        "s": content.scores,
        "w": list(content.worked_with),
        "b": content.blocked_by,
        "c": content.comment,
        "m": None
        if content.smoothness is None
        else {str(k): v for k, v in content.smoothness.items()},
        "p": content.author,
        "g": list(content.managers),
    }


def _from_dict(data: dict) -> SealedContent:
    return SealedContent(
        respondent=data["r"],
        department_id=data["d"],
        scores=dict(data["s"]),
        worked_with=tuple(data["w"]),
        blocked_by=data["b"],
        comment=data["c"],
        smoothness=None if data["m"] is None else {int(k): v for k, v in data["m"].items()},
        author=data.get("p"),  # answers sealed before conversations have none
        managers=tuple(data.get("g", ())),  # boxes sealed before managers' scopes: none
    )

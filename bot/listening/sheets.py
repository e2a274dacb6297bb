"""A person's answers to an open listening tour, sealed as a pulse's are (`bot/pulse/sealing.py`):
AES-GCM under a key derived from CROSSPULSE_SECRET, padded to one size, under an id that is an
HMAC of the tour and the person's salt. Without the secret a sheet names nobody and its
size says nothing; with it, the service finds a person's own sheet (answered? erasure)."""

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

# Bytes of plaintext every sheet is padded to: 8 answers of 2,000 characters, each at most
# 6 bytes in the JSON (a control character's \u escape; CJK takes 3, an emoji 4), with
# their keys; so no answer the form accepts is ever "too long", in any script.
PADDED_SIZE = 8 * (2000 * 6 + 64) + 512
NONCE_SIZE = 12


@dataclass(frozen=True)
class Sheet:
    department_id: int
    answers: dict[str, str]  # question key -> scrubbed text


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


class SheetSealer:
    def __init__(self, secret: bytes) -> None:
        self._aead = AESGCM(_derive(secret, b"crosspulse listening sheets v1"))
        self._row_key = _derive(secret, b"crosspulse listening sheet ids v1")

    def row_id(self, *, tour_id: int, salt: str) -> str:
        return hmac.new(self._row_key, f"{tour_id}:{salt}".encode(), hashlib.sha256).hexdigest()

    def seal(self, sheet: Sheet, *, tour_id: int) -> bytes:
        plain = json.dumps(
            {"d": sheet.department_id, "a": sheet.answers},
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        if len(plain) > PADDED_SIZE - 4:
            raise AnswerError(_("Those answers are too long to store; please shorten them."))
        padded = len(plain).to_bytes(4, "big") + plain + bytes(PADDED_SIZE - 4 - len(plain))
        nonce = os.urandom(NONCE_SIZE)
        return nonce + self._aead.encrypt(nonce, padded, f"tour:{tour_id}".encode())

    def unseal(self, box: bytes, *, tour_id: int) -> Sheet:
        try:
            padded = self._aead.decrypt(
                box[:NONCE_SIZE], box[NONCE_SIZE:], f"tour:{tour_id}".encode()
            )
        except InvalidTag:
            raise ValueError(
                "a listening sheet cannot be opened with CROSSPULSE_SECRET; was the secret "
                "changed while a tour was open?"
            ) from None
        data = json.loads(padded[4 : 4 + int.from_bytes(padded[:4], "big")])
        return Sheet(department_id=data["d"], answers=dict(data["a"]))


@lru_cache(maxsize=4)
def sheet_sealer(secret: bytes) -> SheetSealer:
    return SheetSealer(secret)

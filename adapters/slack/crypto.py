"""Encryption at rest for platform credentials (MultiFernet, keys from CROSSPULSE_SECRET).

CROSSPULSE_SECRET may list several secrets, newest first, comma-separated: new tokens are
encrypted with the first, any of them decrypts, and `reencrypt` moves a ciphertext to the
first. Pseudonyms always use the last (the oldest) secret, so rotating the encryption key
never cuts people off from their own answers.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INFO = b"crosspulse credential encryption v1"


def _fernet(secret: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


class CredentialCipher:
    def __init__(self, secrets: list[bytes]) -> None:
        if not secrets:
            raise ValueError("at least one secret is needed")
        self._fernet = MultiFernet([_fernet(s) for s in secrets])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise ValueError(
                "credentials cannot be decrypted with CROSSPULSE_SECRET; was the "
                "old secret removed from the list too early?"
            ) from None

    def reencrypt(self, ciphertext: str) -> str:
        return self._fernet.rotate(ciphertext.encode()).decode()

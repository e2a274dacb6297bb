"""Keyed pseudonyms: responses are stored under these instead of a person id.

The key is CROSSPULSE_SECRET and the message is a random salt kept on the person,
so a database dump alone cannot link a response to anyone, and erasing the person
(and with it the salt) cuts the link for good.
"""

import hashlib
import hmac
import secrets


def new_salt() -> str:
    return secrets.token_hex(16)


def respondent_key(*, secret: bytes, salt: str) -> str:
    return hmac.new(secret, salt.encode(), hashlib.sha256).hexdigest()[:40]

"""A stand-in for the Bot Framework's OpenID metadata and signing keys, and tokens signed
with its key, so JWT checks run for real over loopback.

botbuilder fetches the keys with blocking `requests`, so this server runs in its own thread.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"
KID = "test-signing-key"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge_hs256(claims: dict, *, secret: bytes, kid: str) -> str:
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = _b64(json.dumps(claims).encode())
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(mac)}"


class BotOpenId:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        self.keys = {"keys": [{**jwk, "kid": KID, "use": "sig", "endorsements": ["msteams"]}]}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/openid"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def token(self, *, audience: str, service_url: str, **changes: object) -> str:
        """A channel token as the Bot Framework signs it; `changes` override claims, or
        `key`/`alg`/`kid` the signing."""
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": audience,
            "serviceurl": service_url,
            "nbf": now - 60,
            "exp": now + 3600,
        }
        key = changes.pop("key", self.key)
        alg = str(changes.pop("alg", "RS256"))
        kid = str(changes.pop("kid", KID))
        claims.update(changes)
        if alg == "HS256":  # the key-confusion forgery PyJWT itself refuses to produce
            return _forge_hs256(claims, secret=str(key).encode(), kid=kid)
        return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/openid":
                    body = {"issuer": ISSUER, "jwks_uri": f"{fake.url}/keys"}
                elif self.path == "/keys":
                    body = fake.keys
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

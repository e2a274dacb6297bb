"""Connector clients kept across turns.

botbuilder's CloudAdapter builds a new ConnectorClient and a new UserTokenClient for every
turn. Each one costs about 10 ms of CPU in msrest's retry configuration (a scan of 999
status codes against a 500-item list) and brings its own HTTP session, so every reply
opens a new TLS connection to the Bot Framework. The older BotFrameworkAdapter kept them
per service URL, app and scope; this does the same. Everything that varies between the
clients an identity gets is the bot's app id (botbuilder reads it from the claims), the
service URL and the audience, so those are the keys.
"""

from __future__ import annotations

from typing import Any

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticationConstants,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)

MAX_CLIENTS = 64  # service URLs are per region: a handful; bounded all the same
TIMEOUT = 20.0  # seconds to connect, and then to get an answer (msrest's default is 100)


def _app_id(identity: ClaimsIdentity) -> str:
    """The same choice botbuilder makes: the audience for channels, else the app id."""
    return (
        identity.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM)
        or identity.get_claim_value(AuthenticationConstants.APP_ID_CLAIM)
        or ""
    )


def _keep(cache: dict, key: Any, value: Any) -> Any:
    if len(cache) >= MAX_CLIENTS:
        cache.pop(next(iter(cache)))
    cache[key] = value
    return value


class _ReusingFactory(ConnectorFactory):
    def __init__(self, inner: ConnectorFactory, app_id: str, owner: ReusingAuthentication) -> None:
        self._inner, self._app_id, self._owner = inner, app_id, owner

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = (self._app_id, service_url, audience)
        cache = self._owner.connectors
        client = cache.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            # No retries below the port: msrest would retry connects itself with urllib3's
            # backoff (seconds of real sleeping per attempt, invisible to the port), and
            # would retry POSTs too if urllib3 still honoured its `method_whitelist`.
            client.config.retry_policy.retries = 0
            _keep(cache, key, client)
        # requests' timeout, per attempt: time spent waiting for a worker thread does not
        # count, so only a request that went out can time out reading its answer.
        client.config.connection.timeout = self._owner.timeout
        return client


class ReusingAuthentication(ConfigurationBotFrameworkAuthentication):
    """ConfigurationBotFrameworkAuthentication whose clients outlive the turn."""

    def __init__(self, configuration: Any, *, timeout: float = TIMEOUT, **kwargs: Any) -> None:
        super().__init__(configuration, **kwargs)
        self.timeout = timeout
        self.connectors: dict[tuple, ConnectorClient] = {}
        self._token_clients: dict[str, UserTokenClient] = {}

    async def authenticate_request(self, activity: Activity, auth_header: str) -> Any:
        """Incoming turns get their connector factory from here (proactive ones from
        create_connector_factory): wrap it the same way."""
        result = await super().authenticate_request(activity, auth_header)
        if result.connector_factory is not None and result.claims_identity is not None:
            result.connector_factory = _ReusingFactory(
                result.connector_factory, _app_id(result.claims_identity), self
            )
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        inner = super().create_connector_factory(claims_identity)
        return _ReusingFactory(inner, _app_id(claims_identity), self)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        app_id = _app_id(claims_identity)
        client = self._token_clients.get(app_id)
        if client is None:
            client = await super().create_user_token_client(claims_identity)
            _keep(self._token_clients, app_id, client)
        return client

"""Inbound log lines over loopback into the server `serve` runs: a Slack request's lines (its
access line among them) name the workspace the signed body names, and an OAuth callback's
one-time `code` and `state` never reach the logs (the access log has no query string)."""

from __future__ import annotations

import io
import json

from tests.adapters.slack.conftest import SlackWorld
from tests.adapters.slack.test_oauth import _install, oauth  # noqa: F401
from tests.adapters.slack.test_operations import log_lines  # noqa: F401


def parsed(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_a_slack_request_s_log_lines_name_its_workspace(
    slack: SlackWorld,
    log_lines: io.StringIO,  # noqa: F811
) -> None:
    response = await slack.command("U0ADA", "status")
    assert response.status == 200
    (access,) = [line for line in parsed(log_lines) if "POST /slack/events" in line["event"]]
    assert access["workspace"] == "T111"
    assert access["request_id"] == response.headers["X-Request-Id"]
    # The next request on the same connection starts without it.
    async with slack.http.get(slack.url.replace("/slack/events", "/healthz")) as health:
        await health.read()
    (probe,) = [line for line in parsed(log_lines) if "GET /healthz" in line["event"]]
    assert probe["workspace"] is None


async def test_the_oauth_code_never_reaches_the_logs(
    oauth: SlackWorld,  # noqa: F811
    log_lines: io.StringIO,  # noqa: F811
) -> None:
    state = await _install(oauth)
    code = "one-time-code-4f1c2e"
    async with oauth.http.get(
        f"{oauth.url}/slack/oauth_redirect", params={"code": code, "state": state}
    ) as response:
        assert response.status == 200
    text = log_lines.getvalue()
    (access,) = [line for line in parsed(log_lines) if "/slack/oauth_redirect" in line["event"]]
    assert '"GET /slack/oauth_redirect"' in access["event"]
    assert code not in text and state not in text and "code=" not in text

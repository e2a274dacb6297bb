"""The generated Slack manifest validates against Slack's published schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from adapters.cli import app
from adapters.slack.manifest import BOT_SCOPES, slack_manifest
from tests.conftest import SHARED

SCHEMA = SHARED / "schemas" / "slack-manifest" / "schemas_manifest.schema.1.0.0.json"


@pytest.fixture
def validator() -> jsonschema.Draft7Validator:
    if not SCHEMA.exists():
        pytest.skip(f"Slack's manifest schema is not at {SCHEMA} (../shared is absent)")
    return jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))


def test_http_and_socket_mode_manifests_validate(validator: jsonschema.Draft7Validator) -> None:
    http = slack_manifest(url="https://pulse.example.com/")
    assert list(validator.iter_errors(http)) == []
    assert http["features"]["slash_commands"][0]["url"] == "https://pulse.example.com/slack/events"
    assert http["oauth_config"]["redirect_urls"] == [
        "https://pulse.example.com/slack/oauth_redirect"
    ]
    socket = slack_manifest(url=None)
    assert list(validator.iter_errors(socket)) == []
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in socket["settings"]["event_subscriptions"]


def test_schema_catches_a_broken_manifest(validator: jsonschema.Draft7Validator) -> None:
    broken = slack_manifest(url="https://pulse.example.com")
    broken["features"]["slash_commands"][0]["command"] = "pulse without slash"
    del broken["display_information"]["name"]
    assert list(validator.iter_errors(broken))


def test_cli_writes_the_manifest(tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    result = runner.invoke(app, ["manifest", "slack", "--url", "https://pulse.example.com"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["features"]["bot_user"]["display_name"] == "Crosspulse"
    assert runner.invoke(app, ["manifest", "slack", "--url", "http://insecure"]).exit_code == 2
    assert runner.invoke(app, ["manifest", "slack"]).exit_code == 2
    out = tmp_path / "m.json"
    assert runner.invoke(app, ["manifest", "slack", "--socket-mode", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text())["settings"]["socket_mode_enabled"] is True


def test_template_is_filled_completely_and_oauth_asks_for_its_scopes() -> None:
    """manifest/slack/manifest.json is the data; OAuth's BOT_SCOPES must ask for the same."""
    for url in ("https://pulse.example.com", None):
        text = json.dumps(slack_manifest(url=url))
        assert "{{" not in text, "every placeholder is filled in"
    http = slack_manifest(url="https://pulse.example.com", name="Pulse Test")
    assert http["display_information"]["name"] == "Pulse Test"
    assert http["oauth_config"]["scopes"]["bot"] == BOT_SCOPES
    assert "https://pulse.example.com/slack/events" in json.dumps(http)
    assert "https://" not in json.dumps(slack_manifest(url=None)["settings"])


def test_cli_says_where_the_manifest_folder_should_be(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("adapters.manifest_files.ROOT", tmp_path / "manifest")
    result = CliRunner().invoke(app, ["manifest", "slack", "--socket-mode"])
    assert result.exit_code == 2
    assert "manifest" in result.output and "pip install -e ." in result.output
    assert "Traceback" not in result.output

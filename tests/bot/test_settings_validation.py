"""Settings are checked at start: one line per problem, naming the variable, never its value."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.settings import load_settings
from bot.config import MIN_SECRET_BYTES, ConfigError

STRONG = "k" * MIN_SECRET_BYTES
OLD = "o" * 40


def _refusal(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    return str(refused.value)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (",", "is blank"),
        ("x9Q", f"shorter than {MIN_SECRET_BYTES} bytes"),
        (" , ", "is blank"),
        ("k" * (MIN_SECRET_BYTES - 1), f"shorter than {MIN_SECRET_BYTES} bytes"),
        (f"{STRONG},", "empty entry"),
        (f",{STRONG}", "empty entry"),
        (f"{STRONG},,{OLD}", "empty entry"),
        (f"{STRONG},tiny-Z9", "entry 2 of the list is shorter"),
    ],
)
def test_weak_or_holed_crosspulse_secret_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str, says: str
) -> None:
    message = _refusal(monkeypatch, CROSSPULSE_SECRET=value)
    header, line = message.splitlines()
    assert header == "Invalid configuration:"
    assert line.strip().startswith("CROSSPULSE_SECRET:") and says in line
    for part in value.split(","):
        if part.strip():
            assert part.strip() not in message, "a secret is never printed"


def test_strong_secrets_and_rotation_lists_are_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSPULSE_SECRET", f" {STRONG} , {OLD} ")
    settings = load_settings()
    assert settings.secrets == [STRONG.encode(), OLD.encode()]
    assert settings.secret_bytes == OLD.encode(), "pseudonyms keep the oldest key"
    monkeypatch.setenv("CROSSPULSE_SECRET", "é" * 16)  # 16 characters, 32 bytes
    assert load_settings().secrets == [("é" * 16).encode()]


def test_blank_platform_secrets_are_refused_each_on_its_own_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = _refusal(
        monkeypatch,
        SLACK_SIGNING_SECRET=" ",
        MICROSOFT_APP_PASSWORD="\t",
        CROSSPULSE_SECRET=",",
        PORT="0",
    )
    lines = message.splitlines()
    assert lines[0] == "Invalid configuration:"
    named = sorted(line.strip().split(":")[0] for line in lines[1:])
    assert named == ["CROSSPULSE_SECRET", "MICROSOFT_APP_PASSWORD", "PORT", "SLACK_SIGNING_SECRET"]
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "  abc123  ")
    monkeypatch.delenv("MICROSOFT_APP_PASSWORD")
    monkeypatch.setenv("CROSSPULSE_SECRET", STRONG)
    monkeypatch.setenv("PORT", "3000")
    signing = load_settings().slack_signing_secret
    assert signing is not None and signing.get_secret_value() == "abc123", "pasted spaces go"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://db/x", "use sqlite:///PATH or postgresql://"),
        ("postgresql://u:hunter2@h:notaport/db", "is not a valid URL"),
        ("sqlite://", "names no database file"),
    ],
)
def test_malformed_database_url_is_named_without_its_password(
    monkeypatch: pytest.MonkeyPatch, url: str, says: str
) -> None:
    message = _refusal(monkeypatch, DATABASE_URL=url)
    assert "DATABASE_URL:" in message and says in message
    assert "hunter2" not in message


def test_development_key_file_is_generated_long_enough_and_checked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CROSSPULSE_SECRET")
    monkeypatch.setenv("CROSSPULSE_DEV", "1")
    settings = load_settings()
    settings.check_for_serve()
    key = (tmp_path / ".crosspulse-secret").read_text().strip()
    assert len(key.encode()) >= MIN_SECRET_BYTES and settings.secret_bytes == key.encode()
    assert load_settings().secret_bytes == key.encode(), "generated once, then kept"
    (tmp_path / ".crosspulse-secret").write_text("too-short\n")
    with pytest.raises(ConfigError, match="fewer than 32 bytes; delete it"):
        load_settings().check_for_serve()

"""The Teams app package validates against Microsoft's v1.19 schema, with proper icons."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import jsonschema
import pytest
from PIL import Image
from typer.testing import CliRunner

from adapters.cli import app
from adapters.manifest_files import manifest_file
from adapters.teams.manifest import ICONS, teams_manifest
from tests.conftest import SHARED

SCHEMA = SHARED / "schemas" / "teams-manifest" / "MicrosoftTeams.schema.v1.19.json"


@pytest.fixture
def validator() -> jsonschema.Draft4Validator:
    if not SCHEMA.exists():
        pytest.skip(f"the Teams manifest schema is not at {SCHEMA} (../shared is absent)")
    return jsonschema.Draft4Validator(json.loads(SCHEMA.read_text()))


def test_package_validates_and_has_its_icons(
    validator: jsonschema.Draft4Validator, tmp_path: Path
) -> None:
    out = tmp_path / "pkg.zip"
    result = CliRunner().invoke(
        app,
        [
            "manifest",
            "teams",
            "--app-id",
            "11111111-2222-3333-4444-555555555555",
            "--url",
            "https://pulse.example.com",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        color = Image.open(io.BytesIO(package.read("color.png")))
        outline = Image.open(io.BytesIO(package.read("outline.png")))
    assert list(validator.iter_errors(manifest)) == []
    assert manifest["name"]["full"] and manifest["validDomains"] == ["pulse.example.com"]
    assert manifest["bots"][0]["commandLists"][0]["commands"][0]["title"] == "checkin"
    assert color.size == (192, 192) and outline.size == (32, 32)
    with zipfile.ZipFile(out) as package:
        for icon in ICONS:  # the committed files, not drawn at run time
            assert package.read(icon) == manifest_file("teams", icon).read_bytes()
    assert "{{" not in json.dumps(manifest)
    raw = outline.convert("RGBA").tobytes()
    pixels = [tuple(raw[i : i + 4]) for i in range(0, len(raw), 4)]
    assert all(p[3] == 0 or p[:3] == (255, 255, 255) for p in pixels), "white on transparent"
    assert any(p[3] == 0 for p in pixels)


def test_schema_catches_a_broken_manifest(validator: jsonschema.Draft4Validator) -> None:
    broken = teams_manifest(app_id="not-a-guid", url="https://x.example.com")
    broken["manifestVersion"] = "1.0"
    assert list(validator.iter_errors(broken))


def test_cli_needs_the_app_id() -> None:
    result = CliRunner().invoke(app, ["manifest", "teams", "--url", "https://x.example.com"])
    assert result.exit_code == 2 and "--app-id" in result.output

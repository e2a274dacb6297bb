"""The `manifest/` data folder: app manifest templates and icons, filled per deployment.

Placeholders are `{{key}}` inside JSON strings and are filled on the parsed data, so no
value (a URL, an id) can break the JSON. The folder sits at the repository top, beside
`adapters/`, and is read from there (a clone, or `pip install -e .`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1] / "manifest"
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def manifest_file(*parts: str) -> Path:
    """A file under manifest/, or a FileNotFoundError that says how to get it."""
    path = ROOT.joinpath(*parts)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: Crosspulse reads manifest/ from its source tree; "
            "run it from a clone installed with `pip install -e .`"
        )
    return path


def load_template(*parts: str) -> Any:
    return json.loads(manifest_file(*parts).read_text(encoding="utf-8"))


def fill(data: Any, values: Mapping[str, str], *, drop: frozenset[str] = frozenset()) -> Any:
    """`data` with every `{{key}}` replaced by `values[key]`. Object members whose value
    mentions a placeholder in `drop` are left out (Socket Mode: no URL, no URL fields);
    an unknown placeholder is a KeyError, so a template typo never reaches a platform."""
    if isinstance(data, dict):
        return {k: fill(v, values, drop=drop) for k, v in data.items() if not _mentions(v, drop)}
    if isinstance(data, list):
        return [fill(item, values, drop=drop) for item in data]
    if isinstance(data, str):
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], data)
    return data


def _mentions(value: Any, keys: frozenset[str]) -> bool:
    if isinstance(value, str):
        return any(m.group(1) in keys for m in PLACEHOLDER.finditer(value))
    if isinstance(value, list):
        return bool(value) and all(_mentions(item, keys) for item in value)
    return False

"""The console's bundled SDK is the pinned @google/genai, the one the Node tests use."""

from __future__ import annotations

import json
import re
from pathlib import Path

from openlive.console import MEDIA_TYPES, asset

ROOT = Path(__file__).resolve().parents[3]


def test_the_bundle_is_the_pinned_sdk() -> None:
    console_pin = json.loads((ROOT / "console" / "package.json").read_text())["dependencies"]["@google/genai"]
    node_pin = json.loads((ROOT / "tests" / "e2e" / "js" / "package.json").read_text())["dependencies"][
        "@google/genai"
    ]
    lock = json.loads((ROOT / "console" / "package-lock.json").read_text())
    locked = lock["packages"]["node_modules/@google/genai"]["version"]
    bundle = asset("genai.js")
    assert bundle is not None
    built = re.match(rb"// @google/genai (\S+),", bundle.body)
    assert built is not None, "genai.js lacks its banner: rebuild it with make console-bundle"
    assert console_pin == node_pin == locked == built.group(1).decode()


def test_every_served_file_ships_in_the_package() -> None:
    for name in MEDIA_TYPES:
        found = asset(name)
        assert found is not None and found.body, name
    assert asset("../__init__.py") is None and asset("missing.js") is None

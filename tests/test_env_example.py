"""Every setting is documented in .env.example and in the README's settings table."""

from __future__ import annotations

import re
from pathlib import Path

from shared.settings import Settings, _env_name

ROOT = Path(__file__).resolve().parents[1]


def all_env_names() -> set[str]:
    names: set[str] = set()
    for field in Settings.model_fields.values():
        section = field.annotation
        assert isinstance(section, type)
        names.update(_env_name(section, f) for f in section.model_fields)
    return names


def test_env_example_lists_every_variable_with_a_meaning() -> None:
    text = (ROOT / ".env.example").read_text()
    lines = text.splitlines()
    for name in all_env_names():
        matches = [i for i, line in enumerate(lines) if line.startswith(f"{name}=")]
        assert matches, f"{name} missing from .env.example"
        assert lines[matches[0] - 1].startswith("# "), f"{name} has no one-line meaning"


def test_readme_settings_table_lists_every_variable() -> None:
    text = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", text, flags=re.MULTILINE))
    assert all_env_names() <= documented, sorted(all_env_names() - documented)

"""The sample audit definition and per-test folders for definitions, data and output."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from maa.audit.definitions import DefinitionError, load_definition

PROJECT = Path(__file__).resolve().parents[2]
SAMPLE_DEFINITION = PROJECT / "include" / "audits" / "MATA-2026-01.yaml"
THEMATIC_DEFINITION = PROJECT / "include" / "audits" / "MATA-2026-02.yaml"  # a MATA without nominated cases


def sample_definition(changes: dict[str, Any] | None = None, remove: tuple[str, ...] = (),
                      source: Path = SAMPLE_DEFINITION) -> dict[str, Any]:
    definition = yaml.safe_load(source.read_text())
    definition = copy.deepcopy(definition)
    definition.update(changes or {})
    for key in remove:
        definition.pop(key, None)
    return definition


@dataclass
class AuditFolders:
    """Per-test audits, data and output folders, set in the environment."""

    audits: Path
    data: Path
    output: Path

    def write_definition(self, changes: dict[str, Any] | None = None, name: str | None = None,
                         remove: tuple[str, ...] = (), source: Path = SAMPLE_DEFINITION) -> Path:
        definition = sample_definition(changes, remove, source)
        path = self.audits / (name or f"{definition['ref']}.yaml")
        path.write_text(yaml.safe_dump(definition, sort_keys=False))
        return path

    def inbox(self, ref: str) -> Path:
        folder = self.data / "inbox" / ref
        folder.mkdir(parents=True, exist_ok=True)
        return folder


def problems(path: Path) -> dict[str, str]:
    """Field -> problem, for a file that must be refused; the error names the file on every line."""
    with pytest.raises(DefinitionError) as raised:
        load_definition(path)
    error = raised.value
    assert error.path == path
    for line in error.describe().splitlines():
        assert line.startswith(f"{path}: ")
    return dict(error.problems)


def assert_refused(path: Path, field: str, *words: str) -> str:
    found = problems(path)
    assert field in found, found
    for word in words:
        assert word.lower() in found[field].lower(), found[field]
    with pytest.raises(DefinitionError) as raised:
        load_definition(path)
    assert str(path) in str(raised.value) and field in str(raised.value)
    return found[field]

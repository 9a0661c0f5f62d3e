"""An audit definition's YAML read into a plain mapping, and every problem described by file and field.

A definition file is read while the DAG processor parses the DAG folder, so nothing in one may stall or crash
it. Before anything is built from the text, its size is bounded and libyaml's event stream (iterative, so safe
at any depth) is screened: nesting depth, aliases, explicit tags and keys given twice. Only then does the C
loader build the mapping: its composer recurses once per nesting level, and 60 KB of `[` overflow the C
stack (a segfault, not an exception). The loader leaves dates as text, so the model decides what a date is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

MAX_BYTES = 256 * 1024
MAX_DEPTH = 20
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"

# libyaml's loader is ten times faster than the pure-Python one; it matters at DAG parse time.
try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader


class DefinitionLoader(_SafeLoader):
    """Safe YAML without the implicit timestamp: `2027-02-30` arrives as text and is refused by its field's
    name, instead of a ValueError from the YAML constructor."""


DefinitionLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}


class DefinitionProblems(ValueError):
    """Several (field, problem) pairs found by a cross-field check."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{f}: {p}" for f, p in problems))


class DefinitionError(Exception):
    """A definition file that cannot be used, with every problem found in it."""

    def __init__(self, path: Path, problems: list[tuple[str, str]]):
        self.path = path
        self.problems = problems
        super().__init__(self.describe())

    def describe(self) -> str:
        return "\n".join(f"{self.path}: {field}: {problem}" for field, problem in self.problems)


def read_text(path: Path) -> str:
    """The file's text, read no further than the size limit."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as exc:
        raise DefinitionError(path, [("(file)", f"cannot be read: {exc}")]) from None
    if len(data) > MAX_BYTES:
        raise _too_big(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DefinitionError(path, [(f"line {line}", "not UTF-8 text: save the file as UTF-8")]) from None


def _too_big(path: Path) -> DefinitionError:
    return DefinitionError(path, [("(file)", f"larger than {MAX_BYTES // 1024} KiB, the most a definition may be")])


def read_mapping(path: Path, text: str) -> dict[Any, Any]:
    """The definition's fields as YAML gives them; a DefinitionError names the line of anything refused."""
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise DefinitionError(path, [("(file)", "not UTF-8 text")]) from None
    if size > MAX_BYTES:
        raise _too_big(path)
    problems = _screen(text)
    if problems:
        raise DefinitionError(path, problems)
    try:
        raw = yaml.load(text, Loader=DefinitionLoader)
    except yaml.YAMLError as exc:
        raise DefinitionError(path, [_yaml_problem(exc)]) from None
    except ValueError:  # PyYAML's int constructor on a number such as `0x_` (nothing but the prefix)
        raise DefinitionError(path, [("(file)", "not valid YAML: a number that cannot be read")]) from None
    if not isinstance(raw, dict):
        raise DefinitionError(path, [("(file)", "expected a mapping of fields (ref, type, title, ...)")])
    return raw


@dataclass
class _Collection:
    """A mapping or sequence still open in the event stream; for a mapping, its keys and their lines."""

    is_mapping: bool
    key_next: bool = True
    keys: dict[str, int] = field(default_factory=dict)


def _screen(text: str) -> list[tuple[str, str]]:
    """What must be refused before anything is built, from libyaml's events alone."""
    open_collections: list[_Collection] = []
    problems: list[tuple[str, str]] = []
    try:
        for event in yaml.parse(text, Loader=DefinitionLoader):
            if isinstance(event, yaml.CollectionEndEvent):
                open_collections.pop()
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent):
                return [(f"line {line}", "aliases (*name) are not allowed in a definition: write the value out")]
            if event.tag is not None:
                return [(f"line {line}", f"YAML tags ({event.tag}) are not allowed in a definition")]
            parent = open_collections[-1] if open_collections else None
            if parent is not None and parent.is_mapping:
                if parent.key_next and isinstance(event, yaml.ScalarEvent):
                    if event.value in parent.keys:
                        problems.append((f"line {line}", f"{event.value!r} is given twice in the same mapping "
                                                         f"(first on line {parent.keys[event.value]})"))
                    parent.keys.setdefault(event.value, line)
                parent.key_next = not parent.key_next
            if isinstance(event, yaml.CollectionStartEvent):
                if len(open_collections) == MAX_DEPTH:
                    return [(f"line {line}", f"nested more than {MAX_DEPTH} levels deep")]
                open_collections.append(_Collection(isinstance(event, yaml.MappingStartEvent)))
    except yaml.YAMLError as exc:
        return [_yaml_problem(exc)]
    return problems


def _yaml_problem(exc: yaml.YAMLError) -> tuple[str, str]:
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
    return where, f"not valid YAML: {getattr(exc, 'problem', None) or exc}"


def _field_name(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("function-after", "function-before")]
    return ".".join(parts).replace("from_", "from") or "(file)"


def problems_from(error: ValidationError) -> list[tuple[str, str]]:
    """(field, problem) for every error pydantic found, in words a Business Unit officer can act on."""
    problems = []
    for item in error.errors(include_url=False, include_input=False):
        context_error = (item.get("ctx") or {}).get("error")
        if isinstance(context_error, DefinitionProblems):
            problems.extend(context_error.problems)
            continue
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "string_pattern_mismatch":
            message = _pattern_message(item["loc"])
        elif item["type"] == "extra_forbidden":
            message = "not a field of an audit definition (misspelt?)"
        elif item["type"] in ("int_type", "int_parsing", "int_from_float"):
            message = "a whole number is expected (true, false and text are not numbers)"
        problems.append((_field_name(item["loc"]), message))
    return problems


def _pattern_message(location: tuple[Any, ...]) -> str:
    last = str(location[-1])
    if last in ("email", "emails") or isinstance(location[-1], int) and "emails" in location:
        return "not a valid email address"
    if last == "ref":
        return "a letter first, then letters, digits and single dashes (up to 40), such as MATA-2027-01"
    return "letters, digits and '_' only (up to 20)"

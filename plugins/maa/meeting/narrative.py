"""The chair's narrative (Markdown): checked on its bytes, then rendered by the very parser that checked it.

What is checked is what is archived and later rendered: the bytes, decoded strictly as UTF-8 (the
replacement character is refused too, so text decoded with replacement can never pass). The Markdown is
parsed by one mistune configuration for both the check and the report, so whatever the check reads as an
image, raw HTML or a link is what the report would have rendered. The caps bound WeasyPrint's work: its
layout time grows with the number of elements (about 2 ms each, lists the dearest) and with the square of
the inline elements in one paragraph (19,500 `*a` took 574 s).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import mistune
from mistune.block_parser import BlockParser
from mistune.core import BlockState

from maa.intake.checks import Problem
from maa.intake.xlsx import IDENTIFYING_REASONS, IdentifierMatcher

FILE_NAME = "narrative.md"
MAX_CHARACTERS = 40_000
MAX_ELEMENTS = 600  # paragraphs, headings, lists and their items, emphasis, links, code, line breaks
MAX_INLINE_PER_PARAGRAPH = 100
_TEXT_ONLY = frozenset({"text", "blank_line", "softbreak", "block_text"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class _LinedState(BlockState):
    """Block state that marks each top-level block with where it starts in the text (`_start`)."""

    def append_token(self, token: dict[str, Any]) -> None:
        if self.parent is None:
            token.setdefault("_start", self.cursor)
        super().append_token(token)

    def add_paragraph(self, text: str) -> None:
        last = self.last_token()
        super().add_paragraph(text)
        if self.parent is None and self.tokens[-1] is not last:
            self.tokens[-1]["_start"] = self.cursor


class _LinedParser(BlockParser):
    """mistune's block parser; a block made by a rule starts where the rule matched (lists and quotes move the
    cursor before their token is added, and a list may parse the block that ends it in the same call)."""

    state_cls = _LinedState

    def parse_method(self, m: re.Match[str], state: BlockState) -> int | None:
        count = len(state.tokens)
        last = state.tokens[-1] if count else None
        end = super().parse_method(m, state)
        if state.parent is None:  # new tokens are appended, or put just before the last one (a quote's)
            for token in state.tokens[max(count - 1, 0):]:
                if token is not last and not token.get("_matched"):
                    token["_start"], token["_matched"] = m.start(), True
        return end


def _markdown(renderer: mistune.HTMLRenderer | None) -> mistune.Markdown:
    """The one configuration: no plugins, so no tables, footnotes or bare-URL links beyond CommonMark."""
    return mistune.Markdown(renderer=renderer, block=_LinedParser(), inline=mistune.InlineParser())


def narrative_text(data: bytes) -> str:
    """The narrative as the report renders it: UTF-8 (a leading byte-order mark dropped), lines ending in \\n.

    Raises UnicodeDecodeError for bytes that are not UTF-8; `check_narrative` refuses those first."""
    return data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")


def markdown_to_safe_html(text: str) -> str:
    """The chair's Markdown as HTML, raw HTML escaped and unsafe links neutralised (also after the check)."""
    html = _markdown(mistune.HTMLRenderer(escape=True))(text)
    if not isinstance(html, str):  # mistune types its output for any renderer; an HTML renderer gives text
        raise TypeError("mistune's HTML renderer returned tokens, not HTML")
    return html


def check_narrative(data: bytes, matcher: IdentifierMatcher) -> list[Problem]:
    """Every reason the narrative's bytes cannot go into the report, each naming its line; none repeats text.

    Anything accepted decodes with `narrative_text` and renders within the caps above."""
    if len(data) > 4 * MAX_CHARACTERS:
        return [_problem(None, f"is larger than {4 * MAX_CHARACTERS // 1000} KB; the narrative is at most "
                               f"{MAX_CHARACTERS:,} characters")]
    try:
        text = narrative_text(data)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return [_problem(line, "is not UTF-8 text: save the narrative as UTF-8 (in Word: Plain Text, UTF-8)")]
    if len(text) > MAX_CHARACTERS:
        return [_problem(None, f"is longer than {MAX_CHARACTERS:,} characters")]
    lines = text.split("\n")
    problems = [problem for number, line in enumerate(lines, start=1) for problem in _line_problems(number, line,
                                                                                                    matcher)]
    return sorted(problems + _markdown_problems(text, lines), key=lambda problem: problem.line or 0)


def _problem(line: int | None, message: str) -> Problem:
    return Problem(None, None, f"{FILE_NAME} {message}", line=line)


def _line_problems(number: int, line: str, matcher: IdentifierMatcher) -> Iterator[Problem]:
    if "\ufffd" in line:
        yield _problem(number, "holds the character \ufffd, left where text was lost in a conversion: save the "
                               "narrative as UTF-8 again")
    if _CONTROL.search(line):
        yield _problem(number, "holds a control character: the text is damaged or not text")
    if found := matcher.identifies(line):  # a child's name, id or date of birth, or a postcode
        yield _problem(number, IDENTIFYING_REASONS[found])


def _markdown_problems(text: str, lines: list[str]) -> list[Problem]:
    """Images, raw HTML and links other than https, then the caps, from the parsed Markdown."""
    blocks, _ = _markdown(None).parse(text)
    if isinstance(blocks, str):  # without a renderer mistune gives its tokens
        raise TypeError("mistune rendered the narrative where its tokens were asked for")
    line_ends = [offset for offset, character in enumerate(text) if character == "\n"]
    starts = [bisect.bisect_left(line_ends, block.get("_start", 0)) + 1 for block in blocks] + [len(lines) + 1]
    problems: list[Problem] = []
    elements = 0
    for index, block in enumerate(blocks):
        first = starts[index]
        finder = _LineFinder(lines, first, max(first + 1, starts[index + 1]))
        for token in _tokens(block):
            refusal = _refusal(token)
            if refusal and (problem := _problem(finder.line_of(_needle(token)), refusal)) not in problems:
                problems.append(problem)
        for count in _inline_counts(block):
            if count > MAX_INLINE_PER_PARAGRAPH:
                problems.append(_problem(first, f"has a paragraph with {count} pieces of formatting (emphasis, "
                                                f"links, code, line breaks) in the block starting on this line; "
                                                f"at most {MAX_INLINE_PER_PARAGRAPH} in one paragraph"))
        before, elements = elements, elements + sum(1 for token in _tokens(block) if token["type"] not in _TEXT_ONLY)
        if before <= MAX_ELEMENTS < elements:
            problems.append(_problem(first, f"passes {MAX_ELEMENTS} formatted parts (paragraphs, headings, list "
                                            "items, emphasis, links) in the block starting on this line: too many "
                                            "to lay out in time"))
    return problems


def _tokens(token: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield token
    for child in token.get("children", ()):
        yield from _tokens(child)


def _inline_counts(block: dict[str, Any]) -> Iterator[int]:
    """For each paragraph, heading or list item text in the block, its inline elements (WeasyPrint lays
    each such run out as one, in time that grows with the square of the elements in it)."""
    for token in _tokens(block):
        if token["type"] in ("paragraph", "heading", "block_text"):
            yield sum(1 for child in _tokens(token) if child is not token and child["type"] not in _TEXT_ONLY)


def _refusal(token: dict[str, Any]) -> str | None:
    kind = token["type"]
    if kind == "image":
        return "has an image: the report carries text only (describe it, or send it to the Business Unit)"
    if kind in ("inline_html", "block_html"):
        return "has raw HTML: use Markdown only"
    if kind == "link":
        url = urlsplit(token["attrs"]["url"])
        if url.scheme.lower() != "https" or not url.netloc:
            return "has a link that is not an https:// address"
    return None


def _needle(token: dict[str, Any]) -> str:
    """What the token's line holds as typed, to find it within its block."""
    if token["type"] in ("inline_html", "block_html"):
        return token["raw"].strip().split("\n", 1)[0]
    if "label" in token:  # a reference: [text][label] or ![text][label]
        return f"[{token['label']}]"
    return "![" if token["type"] == "image" else token["attrs"]["url"]


class _LineFinder:
    """Finds, within one block's lines, the line of each refused token in turn: tokens come in the order of
    the text, so each search starts where the last one's needle ended."""

    def __init__(self, lines: list[str], first: int, after: int):
        self.lines, self.first, self.after = lines, first, after
        self.line, self.column = first, 0

    def line_of(self, needle: str) -> int:
        wanted = needle.casefold()
        for number in range(self.line, self.after):
            column = self.lines[number - 1].casefold().find(wanted, self.column if number == self.line else 0)
            if column >= 0:
                self.line, self.column = number, column + len(wanted)
                return number
        return self.line

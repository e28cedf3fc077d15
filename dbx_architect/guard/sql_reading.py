"""Reading one statement's tokens: keywords, bracket depth, names, constant strings.

Spark lets most keywords be column names (``t.case``, ``SET where = 1``, ``WHEN end``), so
nothing here trusts a keyword to open or close a structure it could only be part of; the
readers in ``sql_statements`` say where that matters.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .sql import HOLE_MARK
from .sql_lexer import QUOTED, STRING, SYMBOL, WORD, LexError, Token, tokenize
from .sql_values import string_value

Tokens = Sequence[Token]
_OPENING, _CLOSING = frozenset("(["), frozenset(")]")
FILE_FORMATS = {"DELTA", "PARQUET", "CSV", "JSON", "ORC", "TEXT", "AVRO", "BINARYFILE"}


class Unreadable(Exception):
    """This statement has a shape the reader does not know."""


class Context:
    """What every reader needs: the source, the parameters, and a budget for nesting."""

    def __init__(self, text: str, params: Any, depth: int, budget: list[int]) -> None:
        self.text, self.params, self.depth, self.budget = text, params, depth, budget
        self._marks: list[int] | None = None

    def source(self, ts: Tokens, start: int = 0, end: int | None = None) -> str:
        """The source text of ``ts[start:end]``, comments between the tokens included."""
        end = len(ts) if end is None else end
        return self.text[ts[start].start : ts[end - 1].end] if start < end else ""

    def param(self, ts: Tokens, i: int) -> Any:
        """The value bound to the marker at ``ts[i]`` (``?``, or ``:`` and a name), or None."""
        params = self.params
        if ts[i].value == "?":
            if self._marks is None:  # the ordinal of a ? counts every ? in the text
                marks = tokenize(self.text)
                self._marks = [t.start for t in marks if t.kind == SYMBOL and t.value == "?"]
            index = bisect.bisect_left(self._marks, ts[i].start)
            listed = isinstance(params, Sequence) and not isinstance(params, str)
            return params[index] if listed and index < len(params) else None
        key = ts[i + 1].text if i + 1 < len(ts) and ts[i + 1].kind == WORD else None
        return params.get(key) if isinstance(params, Mapping) and key else None


# --- tokens ---------------------------------------------------------------------------------
def is_word(ts: Tokens, i: int, *values: str) -> bool:
    """``ts[i:]`` starts with these keywords."""
    if i < 0 or i + len(values) > len(ts):
        return False
    for k, value in enumerate(values):
        if ts[i + k].value != value or ts[i + k].kind != WORD:
            return False
    return True


def is_symbol(ts: Tokens, i: int, value: str) -> bool:
    return 0 <= i < len(ts) and ts[i].kind == SYMBOL and ts[i].value == value


def word_at(ts: Tokens, i: int) -> str:
    return ts[i].value if 0 <= i < len(ts) and ts[i].kind == WORD else ""


def has_hole(token: Token) -> bool:
    return HOLE_MARK in token.text


def after_group(ts: Tokens, i: int) -> int:
    """The index after the bracket group that opens at ``ts[i]``."""
    depth = 0
    for j in range(i, len(ts)):
        if ts[j].kind == SYMBOL and ts[j].value in ("(", "["):
            depth += 1
        elif ts[j].kind == SYMBOL and ts[j].value in (")", "]"):
            depth -= 1
            if depth == 0:
                return j + 1
    raise Unreadable


def top_level(ts: Tokens, start: int = 0, cases: bool = False) -> list[int]:
    """Indices of the tokens outside brackets from *start* (and outside CASE ... END if
    *cases*: only where a keyword column name does no harm)."""
    return list(_top_level(ts, start, cases))


def _top_level(ts: Tokens, start: int, cases: bool) -> Iterator[int]:
    depth = open_cases = 0
    for j in range(start, len(ts)):
        kind, value = ts[j].kind, ts[j].value
        if kind == SYMBOL and value in _OPENING:
            depth += 1
        elif kind == SYMBOL and value in _CLOSING:
            depth = max(depth - 1, 0)
        elif depth:
            continue
        elif cases and kind == WORD and value == "CASE":
            open_cases += 1
        elif cases and open_cases and kind == WORD and value == "END":
            open_cases -= 1
        elif not open_cases:
            yield j


def find_word(ts: Tokens, start: int, *values: str, cases: bool = False) -> int:
    """The first top-level keyword among *values* from *start*, or -1 (see :func:`top_level`)."""
    return next(
        (j for j in _top_level(ts, start, cases) if ts[j].kind == WORD and ts[j].value in values),
        -1,
    )


def join(*parts: str) -> str:
    return ", ".join(part for part in parts if part)


def quote(text: str, limit: int = 60) -> str:
    """*text* on one line, at most *limit* characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


# --- names ----------------------------------------------------------------------------------
def name(ts: Tokens, i: int, ctx: Context) -> tuple[str | None, str, int]:
    """The table (or path) named at ``ts[i]``: (target, detail, index after the name)."""
    if is_word(ts, i, "IDENTIFIER") and is_symbol(ts, i + 1, "("):
        end = after_group(ts, i + 1)
        values = constant_text(ts[i + 2 : end - 1], ctx)
        target = name_in_text(values[0]) if values and len(values) == 1 else None
        return target, "" if target else "target unknown", end
    parts: list[Token] = []
    while i < len(ts) and ts[i].kind in (WORD, QUOTED, STRING):
        parts.append(ts[i])
        i += 1
        if not (is_symbol(ts, i, ".") and i + 1 < len(ts) and ts[i + 1].kind != SYMBOL):
            break
        i += 1
    if not parts:
        raise Unreadable
    return target_of(parts), "", i


def target_of(parts: Sequence[Token]) -> str | None:
    """``main.silver.sales``; the path of ``delta.`/path``` or ``'/path'``; None for a hole."""
    names = [_part(p) for p in parts]
    if any(HOLE_MARK in n for n in names):
        return None
    if len(parts) == 2 and parts[0].value in FILE_FORMATS and parts[1].kind == QUOTED:
        return names[1]
    return ".".join(names)


def _part(token: Token) -> str:
    if token.kind == QUOTED:
        return token.value
    return string_value(token.text) if token.kind == STRING else token.text


def name_in_text(text: str) -> str | None:
    """The name an ``IDENTIFIER('main.s.t')`` string holds, or None."""
    try:
        ts = tokenize(text)
    except LexError:
        return None
    parts = ts[::2]
    dotted = all(is_symbol(ts, k, ".") for k in range(1, len(ts), 2))
    if not ts or not dotted or len(ts) % 2 == 0 or any(t.kind not in (WORD, QUOTED) for t in parts):
        return None
    return target_of(parts)


def constant_text(ts: Tokens, ctx: Context) -> list[str] | None:
    """The texts a constant string expression may hold, or None when it is not one.

    Literals side by side or joined by ``||``, bound parameter markers, brackets. Each literal
    is read under every escape rule Spark may apply (see ``sql_values.string_value``).
    """
    pieces: list[Token | str] = []
    i = 0
    while i < len(ts):
        token = ts[i]
        if token.kind == STRING:
            pieces.append(token)
        elif token.kind == SYMBOL and token.value in ("?", ":"):
            value = ctx.param(ts, i)
            if not isinstance(value, str):
                return None
            pieces.append(value)
            i += token.value == ":"
        elif token.kind != SYMBOL or token.value not in ("||", "(", ")"):
            return None
        i += 1
    if not pieces:
        return None
    readings = {
        "".join(p if isinstance(p, str) else string_value(p.text, escapes, doubled) for p in pieces)
        for escapes in (True, False)
        for doubled in (True, False)
    }
    return sorted(readings)

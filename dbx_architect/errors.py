"""The one exception family of dbx_architect.

Every user mistake is a :class:`DbxArchitectError` whose message is a single line
naming the key, the value and what is allowed. The magics turn it into an IPython
``UsageError`` so the notebook shows that line and no traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator

MAX_MESSAGE = 1_000  # characters: a message quotes short prefixes, never a whole value


class DbxArchitectError(Exception):
    """Root of every error dbx_architect raises on purpose; its text is always one line."""

    def __str__(self) -> str:
        return one_line(super().__str__(), MAX_MESSAGE)


class SpecError(DbxArchitectError):
    """A spec (YAML body, magic line or configuration value) is not valid."""


class RuntimeSetupError(DbxArchitectError):
    """The local runtime (Java, Spark, Delta jars) is missing or cannot start."""


class InternalError(DbxArchitectError):
    """dbx_architect produced something it should not have (a bug: please report it)."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    text = word if isinstance(word, str) else str(word) if isinstance(word, int | float) else ""
    if not text or len(text) > 100:  # no key is that long; difflib would only spend time on it
        return ""
    close = difflib.get_close_matches(text, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def one_line(text: str, limit: int = 200) -> str:
    """*text* on one line (line breaks become spaces), cut to *limit* characters with "…"."""
    flat = " ".join(text[: limit * 2].split("\n")).replace("\r", " ")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def short(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to *limit* characters with "…", for quoting what a user typed.

    Only the quoted prefix is ever built, so a huge string, a long list or a structure that
    YAML aliases made exponentially large costs no more than a short one.
    """
    text = ""
    for chunk in _repr_chunks(value, limit + 1, set()):
        text += chunk
        if len(text) > limit:
            return text[: limit - 1] + "…"
    return text


def _repr_chunks(value: object, budget: int, open_ids: set[int]) -> Iterator[str]:
    """The pieces of ``repr(value)`` in order; the caller stops after *budget* characters."""
    if isinstance(value, (list, tuple, dict)):
        if id(value) in open_ids:  # a structure that contains itself
            yield "[...]" if isinstance(value, list) else "{...}"
            return
        open_ids.add(id(value))
        yield from _collection_chunks(value, budget, open_ids)
        open_ids.discard(id(value))
        return
    yield _atom_repr(value, budget)


def _collection_chunks(
    value: list[object] | tuple[object, ...] | dict[object, object],
    budget: int,
    open_ids: set[int],
) -> Iterator[str]:
    brackets: dict[type, tuple[str, str]] = {list: ("[", "]"), tuple: ("(", ")"), dict: ("{", "}")}
    opening, closing = brackets[_base(value)]
    yield opening
    for index, entry in enumerate(_entries(value)):
        if index:
            yield ", "
        for position, part in enumerate(entry):
            if position:
                yield ": "
            yield from _repr_chunks(part, budget, open_ids)
    if isinstance(value, tuple) and len(value) == 1:
        yield ","
    yield closing


def _entries(
    value: list[object] | tuple[object, ...] | dict[object, object],
) -> Iterable[tuple[object, ...]]:
    """A dict's (key, value) pairs; a list's or tuple's items, each alone."""
    if isinstance(value, dict):
        return value.items()
    return ((item,) for item in value)


def _base(value: object) -> type:
    return next(kind for kind in (list, tuple, dict) if isinstance(value, kind))


def _atom_repr(value: object, budget: int) -> str:
    if isinstance(value, str) and len(value) > budget:
        return repr(value[:budget])[:-1]  # no closing quote: the text goes on
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return repr(value)
        except ValueError:  # more digits than Python converts to text
            return f"<a number of about {int(value.bit_length() * 0.30103):,} digits>"
    if isinstance(value, (bytes, bytearray)) and len(value) > budget:
        return repr(bytes(value[:budget]))[:-1]
    if isinstance(value, (set, frozenset)) and len(value) > budget:
        return f"<a set of {len(value):,} items>"
    return repr(value)

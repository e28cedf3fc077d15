"""Each statement's destructive operations, read from its tokens (see ``sql.py`` for the rules).

Every reader works on one statement's token list. A reader that meets a shape it cannot read
raises :class:`_Unreadable`; :func:`_statement` then fails closed (see ``sql.py``).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from .sql import HOLE_MARK, SqlOperation, SqlParseError, could_be_destructive
from .sql_lexer import QUOTED, STRING, SYMBOL, WORD, LexError, Token, tokenize
from .sql_values import (
    conf_references,
    retention_problem,
    string_value,
    without_conf_references,
)

Tokens = Sequence[Token]
MAX_INNER = 64  # EXECUTE IMMEDIATE texts read per classify call (nesting, escape variants)
# First keywords whose statement is destructive whenever it runs: unreadable means blocked.
DESTRUCTIVE_HEADS = {
    "DROP": "drop",
    "TRUNCATE": "truncate",
    "DELETE": "delete",
    "VACUUM": "vacuum",
    "RESTORE": "restore",
    "REPLACE": "replace",
    "UPDATE": "update",
}
# Words that make any statement that cannot be read suspect.
DESTRUCTIVE_WORDS = {*DESTRUCTIVE_HEADS, "OVERWRITE", "TBLPROPERTIES"}
DROP_PREFIXES = {"TEMPORARY", "TEMP", "GLOBAL", "MATERIALIZED", "STREAMING", "EXTERNAL"}
DROP_PREFIXES |= {"STORAGE", "SERVICE", "BLOOMFILTER", "FOREIGN"}
DROP_OBJECTS = {"TABLE", "VIEW", "SCHEMA", "DATABASE", "NAMESPACE", "CATALOG", "VOLUME"}
DROP_OBJECTS |= {"FUNCTION", "VARIABLE", "CONNECTION", "SHARE", "RECIPIENT", "PROVIDER"}
DROP_OBJECTS |= {"PROCEDURE", "CREDENTIAL", "INDEX", "ROLE", "MACRO", "LOCATION"}
FILE_FORMATS = {"DELTA", "PARQUET", "CSV", "JSON", "ORC", "TEXT", "AVRO", "BINARYFILE"}
QUERY_STARTS = {"SELECT", "WITH", "VALUES", "FROM", "TABLE", "MAP", "REDUCE"}
NOT_COLUMNS = {"TRUE", "FALSE", "NULL", "AND", "OR", "NOT", "IS", "IN", "LIKE", "ILIKE"}
NOT_COLUMNS |= {"RLIKE", "REGEXP", "BETWEEN", "CASE", "WHEN", "THEN", "ELSE", "END"}
NOT_COLUMNS |= {"DISTINCT", "FROM", "ESCAPE", "INTERVAL", "UNKNOWN"}
SCRIPT_ENDS = {"IF", "WHILE", "LOOP", "REPEAT", "FOR", "CASE"}


class _Unreadable(Exception):
    """This statement has a shape the reader does not know."""


class Context:
    """What every reader needs: the source, the parameters, and a budget for nesting."""

    def __init__(self, text: str, tokens: Tokens, params: Any, depth: int, budget: list[int]):
        self.text, self.tokens, self.params = text, tokens, params
        self.depth, self.budget = depth, budget
        self._marks: list[int] | None = None

    def source(self, ts: Tokens, start: int = 0, end: int | None = None) -> str:
        end = len(ts) if end is None else end
        return self.text[ts[start].start : ts[end - 1].end] if start < end else ""

    def param(self, ts: Tokens, i: int) -> Any:
        """The value bound to the marker at ``ts[i]`` (``?`` or ``:`` name), or None."""
        params = self.params
        if ts[i].value == "?":
            if self._marks is None:
                self._marks = [t.start for t in self.tokens if t.kind == SYMBOL and t.value == "?"]
            index = bisect.bisect_left(self._marks, ts[i].start)
            ok = isinstance(params, Sequence) and not isinstance(params, str)
            return params[index] if ok and index < len(params) else None
        name = ts[i + 1].text if i + 1 < len(ts) and ts[i + 1].kind == WORD else None
        return params.get(name) if isinstance(params, Mapping) and name else None


# --- the whole text -----------------------------------------------------------------------
def classify_text(text: str, params: Any, depth: int = 0, budget: list[int] | None = None):
    """The destructive operations of every statement in *text* (see ``sql.classify``)."""
    budget = [MAX_INNER] if budget is None else budget
    references = conf_references(text)
    ops = [
        SqlOperation("sql", None, f"{name} is substituted from the Spark conf at run time")
        for name in references[:1]
    ]
    if references:
        text = without_conf_references(text)
    try:
        tokens = tokenize(text)
    except LexError as err:
        quoted = quote(text[err.position :])
        raise SqlParseError(f"cannot read this SQL ({err.reason}): {quoted}") from err
    ctx = Context(text, tokens, params, depth, budget)
    for statement in split(tokens):
        ops += _statement(statement, ctx)
    return unique(ops)


def split(tokens: Tokens) -> Iterator[Tokens]:
    start = 0
    for i, token in enumerate(tokens):
        if token.kind == SYMBOL and token.value == ";":
            if i > start:
                yield tokens[start:i]
            start = i + 1
    if start < len(tokens):
        yield tokens[start:]


def unique(ops: list[SqlOperation]) -> list[SqlOperation]:
    return list(dict.fromkeys(ops))


def quote(text: str, limit: int = 60) -> str:
    """*text* on one line, at most *limit* characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _statement(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    try:
        start = _peel(ts, 0)
        while is_word(ts, start, "WITH"):
            start = _after_ctes(ts, start + 1)
    except _Unreadable:
        return _unreadable(ts, ctx)
    ts = ts[start:]
    if not ts:
        return []
    if ts[0].kind == WORD and HOLE_MARK in ts[0].text:
        return [SqlOperation("sql", None, "statement built at run time")]
    reader = READERS.get(ts[0].value) if ts[0].kind == WORD else None
    if reader is None:
        return []
    try:
        return reader(ts, ctx)
    except _Unreadable:
        return _unreadable(ts, ctx)


def _unreadable(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    """Fail closed: a statement that could destroy data and cannot be read is an error."""
    head = ts[0].value
    words = {t.value for t in ts if t.kind == WORD}
    if head not in DESTRUCTIVE_HEADS and not words & DESTRUCTIVE_WORDS:
        return []
    if any(HOLE_MARK in t.text for t in ts):
        return [SqlOperation(DESTRUCTIVE_HEADS.get(head, "sql"), None, "target unknown")]
    raise SqlParseError(f"cannot read this {head} statement: {quote(ctx.source(ts))}")


# --- token helpers --------------------------------------------------------------------------
def is_word(ts: Tokens, i: int, *values: str) -> bool:
    """``ts[i:]`` starts with these keywords."""
    if i + len(values) > len(ts):
        return False
    return all(ts[i + k].kind == WORD and ts[i + k].value == v for k, v in enumerate(values))


def is_symbol(ts: Tokens, i: int, value: str) -> bool:
    return i < len(ts) and ts[i].kind == SYMBOL and ts[i].value == value


def word_at(ts: Tokens, i: int) -> str:
    return ts[i].value if i < len(ts) and ts[i].kind == WORD else ""


def after_group(ts: Tokens, i: int) -> int:
    """The index after the bracket group that opens at ``ts[i]``."""
    depth = 0
    for j in range(i, len(ts)):
        if ts[j].kind == SYMBOL and ts[j].value in "([":
            depth += 1
        elif ts[j].kind == SYMBOL and ts[j].value in ")]":
            depth -= 1
            if depth == 0:
                return j + 1
    raise _Unreadable


def top_level(ts: Tokens, start: int = 0) -> Iterator[int]:
    """Indices of the tokens outside brackets and CASE ... END, from *start*."""
    depth = cases = 0
    for j in range(start, len(ts)):
        token = ts[j]
        if token.kind == SYMBOL and token.value in "([":
            depth += 1
        elif token.kind == SYMBOL and token.value in ")]":
            depth = max(depth - 1, 0)
        elif depth == 0 and token.kind == WORD and token.value == "CASE":
            cases += 1
        elif depth == 0 and cases and token.kind == WORD and token.value == "END":
            cases -= 1
        elif depth == 0 and cases == 0:
            yield j


def find_word(ts: Tokens, start: int, *values: str) -> int:
    """The first top-level keyword among *values* from *start*, or -1."""
    for j in top_level(ts, start):
        if ts[j].kind == WORD and ts[j].value in values:
            return j
    return -1


def join(*parts: str) -> str:
    return ", ".join(part for part in parts if part)


# --- SQL scripting and CTEs ---------------------------------------------------------------
def _peel(ts: Tokens, i: int) -> int:
    """Skip the scripting around a statement: labels, BEGIN, IF ... THEN, WHILE ... DO, END."""
    while i < len(ts):
        head = word_at(ts, i)
        if ts[i].kind in (WORD, QUOTED) and is_symbol(ts, i + 1, ":"):
            i += 2
        elif head in ("BEGIN", "ELSE", "LOOP", "REPEAT"):
            i += 1
        elif head in ("IF", "ELSEIF", "WHEN", "CASE"):
            i = _after(ts, i + 1, "THEN")
        elif head in ("WHILE", "FOR"):
            i = _after(ts, i + 1, "DO")
        elif head == "UNTIL":
            i = _after_end(ts, _after(ts, i + 1, "END") - 1)
        elif head == "END":
            i = _after_end(ts, i)
        elif head == "DECLARE" and is_word(ts, i + 2, "HANDLER", "FOR"):
            i = _after_conditions(ts, i + 4)
        else:
            return i
    return i


def _after(ts: Tokens, start: int, word: str) -> int:
    found = find_word(ts, start, word)
    if found < 0:
        raise _Unreadable
    return found + 1


def _after_end(ts: Tokens, i: int) -> int:
    """Past ``END [IF|WHILE|...] [label]`` at ``ts[i]``."""
    i += 1
    if word_at(ts, i) in SCRIPT_ENDS:
        i += 1
    return i + 1 if len(ts) == i + 1 and ts[i].kind in (WORD, QUOTED) else i


def _after_conditions(ts: Tokens, i: int) -> int:
    """Past a handler's condition list: SQLEXCEPTION, NOT FOUND, SQLSTATE [VALUE] '...'."""
    while i < len(ts):
        if is_word(ts, i, "NOT", "FOUND"):
            i += 2
        elif is_word(ts, i, "SQLSTATE"):
            i += 3 if is_word(ts, i + 1, "VALUE") else 2
        else:
            i += 1
            while is_symbol(ts, i, ".") and i + 1 < len(ts):
                i += 2
        if not is_symbol(ts, i, ","):
            return i
        i += 1
    raise _Unreadable


def _after_ctes(ts: Tokens, i: int) -> int:
    """Past ``[RECURSIVE] name [(columns)] [AS] (query) [, ...]``: the statement they serve."""
    if is_word(ts, i, "RECURSIVE"):
        i += 1
    while True:
        if i >= len(ts) or ts[i].kind not in (WORD, QUOTED):
            raise _Unreadable
        i += 1
        if is_symbol(ts, i, "("):
            group = after_group(ts, i)
            i = group if is_word(ts, group, "AS") or is_symbol(ts, group, "(") else i
        if is_word(ts, i, "AS"):
            i += 1
        if not is_symbol(ts, i, "("):
            raise _Unreadable
        i = after_group(ts, i)
        if not is_symbol(ts, i, ","):
            return i
        i += 1


# --- names ----------------------------------------------------------------------------------
def name(ts: Tokens, i: int, ctx: Context) -> tuple[str | None, str, int]:
    """The table (or path) named at ``ts[i]``: (target, detail, index after the name)."""
    if is_word(ts, i, "IDENTIFIER") and is_symbol(ts, i + 1, "("):
        end = after_group(ts, i + 1)
        values = constant_text(ts[i + 2 : end - 1], ctx)
        target = name_in_text(values[0]) if values and len(values) == 1 else None
        return target, "" if target else "target unknown", end
    if i < len(ts) and ts[i].kind == STRING:
        value = string_value(ts[i].text)
        return (None if HOLE_MARK in value else value), "", i + 1
    parts: list[Token] = []
    while i < len(ts) and ts[i].kind in (WORD, QUOTED):
        parts.append(ts[i])
        i += 1
        if not (is_symbol(ts, i, ".") and i + 1 < len(ts) and ts[i + 1].kind in (WORD, QUOTED)):
            break
        i += 1
    if not parts:
        raise _Unreadable
    return target_of(parts), "", i


def target_of(parts: list[Token]) -> str | None:
    names = [p.value if p.kind == QUOTED else p.text for p in parts]
    if any(HOLE_MARK in n for n in names):
        return None
    if len(parts) == 2 and parts[0].value in FILE_FORMATS and parts[1].kind == QUOTED:
        return names[1]  # delta.`/path`: the path
    return ".".join(names)


def name_in_text(text: str) -> str | None:
    """The name an ``IDENTIFIER('main.s.t')`` string holds, or None."""
    try:
        ts = tokenize(text)
    except LexError:
        return None
    words = ts[::2]
    dots_only = all(is_symbol(ts, k, ".") for k in range(1, len(ts), 2))
    if not ts or not dots_only or any(t.kind not in (WORD, QUOTED) for t in words):
        return None
    return target_of(list(words))


def constant_text(ts: Tokens, ctx: Context) -> list[str] | None:
    """The texts a constant string expression may hold: literals joined by ``||`` or side by
    side, bound parameter markers, brackets. None when anything else is in it."""
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
    texts = {
        "".join(p if isinstance(p, str) else string_value(p.text, escapes, doubled) for p in pieces)
        for escapes in (True, False)
        for doubled in (True, False)
    }
    return sorted(texts)


# --- one reader per first keyword -----------------------------------------------------------
def _drop(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    i = 1
    while word_at(ts, i) in DROP_PREFIXES:
        i += 1
    if word_at(ts, i) not in DROP_OBJECTS:
        raise _Unreadable
    i += 3 if is_word(ts, i + 1, "IF", "EXISTS") else 1
    if is_word(ts, i, "ON"):  # DROP BLOOMFILTER INDEX ON [TABLE] t
        i += 2 if is_word(ts, i + 1, "TABLE") else 1
    target, detail, _ = name(ts, i, ctx)
    return [SqlOperation("drop", target, detail)]


def _truncate(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    target, detail, _ = name(ts, 2 if is_word(ts, 1, "TABLE") else 1, ctx)
    return [SqlOperation("truncate", target, detail)]


def _restore(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    target, detail, _ = name(ts, 2 if is_word(ts, 1, "TABLE") else 1, ctx)
    return [SqlOperation("restore", target, detail)]


def _replace(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    if not is_word(ts, 1, "TABLE"):
        raise _Unreadable
    target, detail, _ = name(ts, 2, ctx)
    return [SqlOperation("replace", target, detail)]


def _create(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    """Only ``CREATE OR REPLACE [TEMPORARY|STREAMING|...] TABLE`` replaces data."""
    if not is_word(ts, 1, "OR", "REPLACE"):
        return []
    i = 3
    while word_at(ts, i) in ("TEMPORARY", "TEMP", "GLOBAL", "EXTERNAL", "STREAMING"):
        i += 1
    if not is_word(ts, i, "TABLE"):
        return []
    target, detail, _ = name(ts, i + 3 if is_word(ts, i + 1, "IF", "NOT") else i + 1, ctx)
    return [SqlOperation("replace", target, detail)]


def _delete(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    if not is_word(ts, 1, "FROM"):
        raise _Unreadable
    target, detail, i = name(ts, 2, ctx)
    return [SqlOperation("delete", target, join(detail, "all rows" if all_rows(ts, i) else ""))]


def _update(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    """Destructive only without a WHERE that names a column (``WHERE true`` names none)."""
    target, detail, i = name(ts, 1, ctx)
    if not all_rows(ts, i):
        return []
    return [SqlOperation("update", target, join(detail, "all rows"))]


def all_rows(ts: Tokens, start: int) -> bool:
    where = find_word(ts, start, "WHERE")
    return where < 0 or not names_a_column(ts, where + 1)


def names_a_column(ts: Tokens, start: int) -> bool:
    for i in range(start, len(ts)):
        token = ts[i]
        if token.kind == QUOTED:
            return True
        if token.kind != WORD or token.value in NOT_COLUMNS or token.value[0].isdigit():
            continue
        if not is_symbol(ts, i + 1, "(") and not is_symbol(ts, i - 1, ":"):
            return True
    return False


def _merge(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    """``WHEN NOT MATCHED BY SOURCE ... THEN DELETE`` deletes every row the source lacks."""
    i = 4 if is_word(ts, 1, "WITH", "SCHEMA", "EVOLUTION") else 1
    if not is_word(ts, i, "INTO"):
        raise _Unreadable
    target, detail, i = name(ts, i + 1, ctx)
    for when in [j for j in top_level(ts, i) if is_word(ts, j, "WHEN")]:
        then = _after(ts, when + 1, "THEN")
        by_source = is_word(ts, when + 1, "NOT", "MATCHED", "BY", "SOURCE")
        if by_source and is_word(ts, then, "DELETE"):
            clause = "WHEN NOT MATCHED BY SOURCE THEN DELETE"
            return [SqlOperation("merge delete", target, join(detail, clause))]
    return []


def _inserts(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    """``INSERT ...``, and Hive's ``FROM src INSERT ... INSERT ...``: every insert clause."""
    ops: list[SqlOperation] = []
    for i in [j for j in top_level(ts) if is_word(ts, j, "INSERT")]:
        i += 4 if is_word(ts, i + 1, "WITH", "SCHEMA", "EVOLUTION") else 1
        if is_word(ts, i, "OVERWRITE"):
            ops += _overwrite(ts, i + 1, ctx)
        elif is_word(ts, i, "INTO"):
            ops += _insert_into(ts, i + 1, ctx)
    return ops


def _overwrite(ts: Tokens, i: int, ctx: Context) -> list[SqlOperation]:
    i += is_word(ts, i, "LOCAL")
    if is_word(ts, i, "DIRECTORY"):
        path = _directory(ts, i + 1)
        return [SqlOperation("overwrite", path, "directory" if path else "target unknown")]
    target, detail, _ = name(ts, i + 1 if is_word(ts, i, "TABLE") else i, ctx)
    return [SqlOperation("overwrite", target, detail)]


def _directory(ts: Tokens, i: int) -> str | None:
    """``DIRECTORY 'path'``, or the path in ``OPTIONS (path '...')``."""
    if i < len(ts) and ts[i].kind == STRING:
        return string_value(ts[i].text)
    options = find_word(ts, i, "OPTIONS")
    if options < 0 or not is_symbol(ts, options + 1, "("):
        return None
    for k in range(options + 2, after_group(ts, options + 1) - 1):
        key = ts[k].value if ts[k].kind == WORD else string_value(ts[k].text)
        if ts[k].kind in (WORD, STRING) and key.lower() == "path":
            value = k + 1 + is_symbol(ts, k + 1, "=")
            if value < len(ts) and ts[value].kind == STRING:
                return string_value(ts[value].text)
    return None


def _insert_into(ts: Tokens, i: int, ctx: Context) -> list[SqlOperation]:
    """``INSERT INTO t REPLACE WHERE|USING|ON ...`` (Delta, Databricks) replaces rows."""
    target, detail, i = name(ts, i + 1 if is_word(ts, i, "TABLE") else i, ctx)
    while True:
        if is_word(ts, i, "PARTITION") and is_symbol(ts, i + 1, "("):
            i = after_group(ts, i + 1)
        elif is_word(ts, i, "IF", "NOT", "EXISTS"):
            i += 3
        elif is_word(ts, i, "BY", "NAME"):
            i += 2
        elif is_symbol(ts, i, "(") and word_at(ts, i + 1) not in QUERY_STARTS:
            i = after_group(ts, i)
        else:
            break
    if not is_word(ts, i, "REPLACE"):
        return []
    return [SqlOperation("backfill", target, join(detail, f"REPLACE {word_at(ts, i + 1)}".strip()))]


def _alter(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    if not is_word(ts, 1, "TABLE"):
        return []
    target, detail, i = name(ts, 2, ctx)
    if is_word(ts, i, "PARTITION") and is_symbol(ts, i + 1, "("):
        i = after_group(ts, i + 1)
    drops = [j for j in top_level(ts, i) if is_word(ts, j, "DROP")]
    if drops and (drops[0] == i or any(is_symbol(ts, j - 1, ",") for j in drops)):
        what = word_at(ts, drops[0] + 1)
        return [SqlOperation("alter drop", target, join(detail, f"DROP {what}".strip()))]
    if is_word(ts, i, "REPLACE", "COLUMNS"):
        return [SqlOperation("replace columns", target, detail)]
    if is_word(ts, i, "SET", "TBLPROPERTIES") and is_symbol(ts, i + 2, "("):
        return [
            SqlOperation("retention", target, join(detail, problem))
            for problem in _retention(ts, i + 2)
        ]
    return []


def _retention(ts: Tokens, i: int) -> list[str]:
    """The retention properties in the list at ``ts[i]`` set too low to be safe."""
    problems, end = [], after_group(ts, i) - 1
    for k in range(i + 1, end):
        first = k == i + 1 or is_symbol(ts, k - 1, ",")
        if not first or ts[k].kind == SYMBOL:
            continue
        key_end = k + 1
        while is_symbol(ts, key_end, ".") and key_end + 1 < end:
            key_end += 2
        key = "".join(string_value(t.text) if t.kind == STRING else t.text for t in ts[k:key_end])
        value = key_end + is_symbol(ts, key_end, "=")
        raw = ts[value].text if value < end else ""
        literal = string_value(raw) if value < end and ts[value].kind == STRING else raw
        problems += [p for p in [retention_problem(key, literal)] if p]
    return problems


def _set(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    """``SET key = value`` (Spark reads the raw text): the retention check and defaults."""
    if word_at(ts, 1) in ("VAR", "VARIABLE") or len(ts) < 2:
        return []
    equals = next((j for j, t in enumerate(ts) if t.kind == SYMBOL and t.value == "="), -1)
    if equals < 2:
        return []
    key = ctx.source(ts, 1, equals).strip("`")
    value = ctx.text[ts[equals].end : ts[-1].end].strip().strip("`")
    problem = retention_problem(key, value, conf=True)
    return [SqlOperation("retention", key, problem)] if problem else []


def _vacuum(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    """``DRY RUN`` counts only as the statement's own last two words."""
    target, detail, i = name(ts, 2 if is_word(ts, 1, "TABLE") else 1, ctx)
    if len(ts) - i >= 2 and is_word(ts, len(ts) - 2, "DRY", "RUN"):
        return []
    retain = find_word(ts, i, "RETAIN")
    hours = find_word(ts, retain + 1, "HOURS", "HOUR") if retain >= 0 else -1
    if hours > retain + 1:
        detail = join(detail, f"retain {ctx.source(ts, retain + 1, hours)} hours")
    return [SqlOperation("vacuum", target, detail)]


def _load(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    """``LOAD DATA INPATH '...' OVERWRITE INTO TABLE t``."""
    into = find_word(ts, 1, "INTO")
    if find_word(ts, 1, "OVERWRITE") < 0 or into < 0:
        return []
    target, detail, _ = name(ts, into + 2 if is_word(ts, into + 1, "TABLE") else into + 1, ctx)
    return [SqlOperation("overwrite", target, join(detail, "LOAD DATA"))]


def _call(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    """A procedure can do anything; what it does is only known when it runs."""
    what = quote(ctx.source(ts, 1), 40)
    return [SqlOperation("sql", None, f"CALL {what}: a procedure decides at run time")]


def _execute(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    """``EXECUTE IMMEDIATE 'text' [INTO ...] [USING ...]``: the text's own operations."""
    if not is_word(ts, 1, "IMMEDIATE"):
        return []
    end = find_word(ts, 2, "INTO", "USING")
    end = len(ts) if end < 0 else end
    texts = constant_text(ts[2:end], ctx)
    if texts is None:
        return [SqlOperation("sql", None, "EXECUTE IMMEDIATE of a statement built at run time")]
    params = _using(ts, find_word(ts, end, "USING"), ctx)
    ops = []
    for text in texts:
        ctx.budget[0] -= 1
        if ctx.budget[0] < 0 or ctx.depth >= 8:
            raise SqlParseError("cannot read this EXECUTE IMMEDIATE: nested too deep")
        if could_be_destructive(text):
            inner = classify_text(text, params, ctx.depth + 1, ctx.budget)
            ops += [
                SqlOperation(o.kind, o.target, join("EXECUTE IMMEDIATE", o.detail)) for o in inner
            ]
    return unique(ops)


def _using(ts: Tokens, i: int, ctx: Context) -> Any:
    """The parameters ``USING 'a' AS x, 'b' AS y`` (named) or ``USING (1, 2)`` (positional)."""
    if i < 0:
        return None
    end = len(ts)
    if is_symbol(ts, i + 1, "(") and after_group(ts, i + 1) == end:
        i, end = i + 1, end - 1
    commas = [k for k in top_level(ts[:end], i + 1) if is_symbol(ts, k, ",")]
    named: dict[str, Any] = {}
    positional: list[Any] = []
    for start, stop in zip([i, *commas], [*commas, end], strict=True):
        arg = ts[start + 1 : stop]
        as_ = find_word(arg, 0, "AS")
        values = constant_text(arg[: as_ if as_ >= 0 else len(arg)], ctx)
        value = values[0] if values and len(values) == 1 else None
        if 0 <= as_ < len(arg) - 1:
            named[arg[as_ + 1].text] = value
        positional.append(value)
    return named or positional


READERS: dict[str, Callable[[Tokens, Context], list[SqlOperation]]] = {
    "DROP": _drop,
    "TRUNCATE": _truncate,
    "DELETE": _delete,
    "UPDATE": _update,
    "MERGE": _merge,
    "INSERT": _inserts,
    "FROM": _inserts,
    "REPLACE": _replace,
    "CREATE": _create,
    "ALTER": _alter,
    "VACUUM": _vacuum,
    "RESTORE": _restore,
    "LOAD": _load,
    "SET": _set,
    "EXECUTE": _execute,
    "CALL": _call,
}

"""Each statement's destructive operations, read from its tokens (``sql.py`` has the rules).

Statements are split on semicolons that are code (``sql_lexer.statements``); only those whose
code holds a suspect word are tokenized and read. A statement of a SQL script still carries
the scripting around it (``IF ... THEN``, ``WHILE ... DO``, ``END IF``...). Its body starts
after one of BEGIN, THEN, DO, ELSE, LOOP, REPEAT, a label or a handler's conditions; since
keywords can be column names (``IF CASE WHEN end THEN ...``), every such start is read, not
only the one an exact reading of the scripting finds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .sql import SqlOperation, SqlParseError, could_be_destructive
from .sql_lexer import QUOTED, STRING, SYMBOL, WORD, LexError, statements, tokenize
from .sql_reading import (
    Context,
    Tokens,
    Unreadable,
    after_group,
    constant_text,
    find_word,
    has_hole,
    is_symbol,
    is_word,
    join,
    name,
    quote,
    top_level,
    word_at,
)
from .sql_values import conf_references, retention_problem, string_value, without_conf_references

MAX_INNER = 64  # EXECUTE IMMEDIATE texts read per classify call (nesting, escape readings)
MAX_BODIES = 32  # statement starts read in one piece of a SQL script
# First keywords whose statement destroys data whenever it runs: unreadable means blocked.
DESTRUCTIVE_HEADS = {
    "DROP": "drop",
    "TRUNCATE": "truncate",
    "DELETE": "delete",
    "VACUUM": "vacuum",
    "RESTORE": "restore",
    "REPLACE": "replace",
    "UPDATE": "update",
}
DESTRUCTIVE_WORDS = {*DESTRUCTIVE_HEADS, "OVERWRITE", "TBLPROPERTIES"}
SCRIPT_HEADS = {"BEGIN", "IF", "ELSEIF", "ELSE", "WHILE", "FOR", "LOOP", "REPEAT", "UNTIL"}
SCRIPT_HEADS |= {"CASE", "WHEN", "END", "DECLARE"}
BODY_STARTS = {"BEGIN", "THEN", "DO", "ELSE", "LOOP", "REPEAT"}
SCRIPT_ENDS = {"IF", "WHILE", "LOOP", "REPEAT", "FOR", "CASE"}
DROP_PREFIXES = {"TEMPORARY", "TEMP", "GLOBAL", "MATERIALIZED", "STREAMING", "EXTERNAL"}
DROP_PREFIXES |= {"STORAGE", "SERVICE", "BLOOMFILTER", "FOREIGN"}
DROP_OBJECTS = {"TABLE", "VIEW", "SCHEMA", "DATABASE", "NAMESPACE", "CATALOG", "VOLUME"}
DROP_OBJECTS |= {"FUNCTION", "VARIABLE", "CONNECTION", "SHARE", "RECIPIENT", "PROVIDER"}
DROP_OBJECTS |= {"PROCEDURE", "CREDENTIAL", "INDEX", "ROLE", "MACRO", "LOCATION"}
QUERY_STARTS = {"SELECT", "WITH", "VALUES", "FROM", "TABLE", "MAP", "REDUCE"}
NOT_COLUMNS = {"TRUE", "FALSE", "NULL", "AND", "OR", "NOT", "IS", "IN", "LIKE", "ILIKE"}
NOT_COLUMNS |= {"RLIKE", "REGEXP", "BETWEEN", "CASE", "WHEN", "THEN", "ELSE", "END"}
NOT_COLUMNS |= {"DISTINCT", "FROM", "ESCAPE", "INTERVAL", "UNKNOWN"}
# After these a keyword is an operand (a column named ``where``), never the keyword.
OPERAND_BEFORE = {"SET", "AND", "OR", "NOT", "IS", "IN", "LIKE", "ILIKE", "RLIKE", "REGEXP"}
OPERAND_BEFORE |= {"BETWEEN", "CASE", "WHEN", "THEN", "ELSE", "DIV", "AS"}


# --- the whole text -----------------------------------------------------------------------
def classify_text(
    text: str, params: Any, depth: int = 0, budget: list[int] | None = None
) -> list[SqlOperation]:
    """The destructive operations of every statement in *text* (see ``sql.classify``)."""
    ops: list[SqlOperation] = []
    references = conf_references(text)
    if references:
        detail = f"{references[0]} is substituted from the Spark conf at run time"
        ops.append(SqlOperation("sql", None, detail))
        text = without_conf_references(text)
    try:
        spans = statements(text)
    except LexError as err:
        quoted = quote(text[err.position :])
        raise SqlParseError(f"cannot read this SQL ({err.reason}): {quoted}") from err
    ctx = Context(text, params, depth, [MAX_INNER] if budget is None else budget)
    for start, end, code in spans:
        if could_be_destructive(code):
            ops += _statement(tokenize(text, start, end), ctx)
    return unique(ops)


def unique(ops: list[SqlOperation]) -> list[SqlOperation]:
    return list(dict.fromkeys(ops))


def _statement(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    if not ts:
        return []
    scripted = word_at(ts, 0) in SCRIPT_HEADS or is_symbol(ts, 1, ":")
    if not scripted:
        return _read(ts, 0, ctx, strict=True)
    try:
        primary = _peel(ts, 0)
        ops = _read(ts, primary, ctx, strict=True)
    except Unreadable:
        primary, ops = -1, _unreadable(ts, ctx)
    starts = [start for start in _body_starts(ts) if start != primary]
    if len(starts) > MAX_BODIES:
        raise SqlParseError(f"cannot read this SQL script: {quote(ctx.source(ts))}")
    for start in starts:
        ops += _read(ts, start, ctx, strict=False)
    return unique(ops)


def _read(ts: Tokens, start: int, ctx: Context, strict: bool) -> list[SqlOperation]:
    """The statement at ``ts[start:]``. *strict*: fail closed if it cannot be read."""
    try:
        while is_word(ts, start, "WITH"):
            start = _after_ctes(ts, start + 1)
        ts = ts[start:]
        if not ts:
            return []
        if ts[0].kind == WORD and has_hole(ts[0]):
            return [SqlOperation("sql", None, "statement built at run time")]
        reader = READERS.get(ts[0].value) if ts[0].kind == WORD else None
        return reader(ts, ctx) if reader else []
    except Unreadable:
        return _unreadable(ts, ctx) if strict else []


def _unreadable(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    """Fail closed: a statement that could destroy data and cannot be read is an error."""
    head = word_at(ts, 0)
    words = {t.value for t in ts if t.kind == WORD}
    if head not in DESTRUCTIVE_HEADS and not words & DESTRUCTIVE_WORDS:
        return []
    if any(has_hole(t) for t in ts):
        return [SqlOperation(DESTRUCTIVE_HEADS.get(head, "sql"), None, "target unknown")]
    raise SqlParseError(f"cannot read this {head or 'SQL'} statement: {quote(ctx.source(ts))}")


# --- SQL scripting and CTEs ---------------------------------------------------------------
def _peel(ts: Tokens, i: int) -> int:
    """Skip the scripting around a statement, reading it exactly: labels, BEGIN,
    IF|ELSEIF|WHEN|CASE ... THEN, WHILE|FOR ... DO, END [IF|...], handlers."""
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


def _body_starts(ts: Tokens) -> list[int]:
    """Every place a statement of the script could start in this piece."""
    top = top_level(ts)
    starts = [j + 1 for j in top if ts[j].value in BODY_STARTS and ts[j].kind == WORD]
    starts += [j + 1 for j in top if ts[j].value == ":" and ts[j].kind == SYMBOL]
    handler = find_word(ts, 0, "HANDLER") if word_at(ts, 0) == "DECLARE" else -1
    if handler >= 0:
        starts += range(handler + 2, min(handler + 12, len(ts)))
    return sorted(s for s in set(starts) if word_at(ts, s) in STARTS or _hole_at(ts, s))


def _hole_at(ts: Tokens, i: int) -> bool:
    return i < len(ts) and ts[i].kind == WORD and has_hole(ts[i])


def _after(ts: Tokens, start: int, word: str) -> int:
    found = find_word(ts, start, word, cases=True)
    if found < 0:
        raise Unreadable
    return found + 1


def _after_end(ts: Tokens, i: int) -> int:
    """Past ``END [IF|WHILE|...] [label]`` at ``ts[i]``."""
    i += 1
    if word_at(ts, i) in SCRIPT_ENDS:
        i += 1
    return i + 1 if len(ts) == i + 1 and ts[i].kind in (WORD, QUOTED) else i


def _after_conditions(ts: Tokens, i: int) -> int:
    """Past a handler's conditions: SQLEXCEPTION, NOT FOUND, SQLSTATE [VALUE] '...', names."""
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
    raise Unreadable


def _after_ctes(ts: Tokens, i: int) -> int:
    """Past ``[RECURSIVE] name [(columns)] [AS] (query) [, ...]``: the statement they serve."""
    i += is_word(ts, i, "RECURSIVE")
    while True:
        if i >= len(ts) or ts[i].kind not in (WORD, QUOTED):
            raise Unreadable
        i += 1
        if is_symbol(ts, i, "("):
            group = after_group(ts, i)
            i = group if is_word(ts, group, "AS") or is_symbol(ts, group, "(") else i
        i += is_word(ts, i, "AS")
        if not is_symbol(ts, i, "("):
            raise Unreadable
        i = after_group(ts, i)
        if not is_symbol(ts, i, ","):
            return i
        i += 1


# --- one reader per first keyword -----------------------------------------------------------
def _drop(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    i = 1
    while word_at(ts, i) in DROP_PREFIXES:
        i += 1
    if word_at(ts, i) not in DROP_OBJECTS:
        raise Unreadable
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
        raise Unreadable
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
    target, detail, _ = name(ts, i + 4 if is_word(ts, i + 1, "IF", "NOT", "EXISTS") else i + 1, ctx)
    return [SqlOperation("replace", target, detail)]


def _delete(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    if not is_word(ts, 1, "FROM"):
        raise Unreadable
    target, detail, i = name(ts, 2, ctx)
    return [SqlOperation("delete", target, join(detail, "all rows" if all_rows(ts, i) else ""))]


def _update(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    """Destructive without a WHERE that names a column (``WHERE true`` names none)."""
    if is_word(ts, 1, "SET") and not is_word(ts, 2, "SET"):
        raise Unreadable  # MERGE's ``THEN UPDATE SET ...``, not a statement
    target, detail, i = name(ts, 1, ctx)
    assignments = find_word(ts, i, "SET")  # an alias may come first, even one named ``where``
    if not all_rows(ts, assignments + 1 if assignments >= 0 else i):
        return []
    return [SqlOperation("update", target, join(detail, "all rows"))]


def all_rows(ts: Tokens, start: int) -> bool:
    """No WHERE clause from *start*, or one that names no column."""
    for j in top_level(ts, start):
        if ts[j].value == "WHERE" and ts[j].kind == WORD and _is_clause(ts, j):
            return not names_a_column(ts, j + 1)
    return True


def _is_clause(ts: Tokens, j: int) -> bool:
    """``ts[j]`` is a keyword, not a column of that name (``SET a = where - x``)."""
    before = ts[j - 1]
    if j == 0:
        return True
    if before.kind == SYMBOL:
        return before.value in (")", "]")
    return not (before.kind == WORD and before.value in OPERAND_BEFORE) and not is_symbol(
        ts, j + 1, "."
    )


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
    """``WHEN NOT MATCHED BY SOURCE [AND ...] THEN DELETE`` deletes the rows the source lacks.

    Spark orders the clauses: matched, not matched, not matched by source. So any
    ``THEN DELETE`` after the first BY SOURCE clause is one of its own."""
    i = 4 if is_word(ts, 1, "WITH", "SCHEMA", "EVOLUTION") else 1
    if not is_word(ts, i, "INTO"):
        raise Unreadable
    target, detail, i = name(ts, i + 1, ctx)
    by_source = False
    for j in top_level(ts, i):
        if ts[j].kind != WORD:
            continue
        if ts[j].value == "WHEN" and not by_source:
            by_source = _by_source(ts, j)
        elif ts[j].value == "THEN" and by_source and is_word(ts, j + 1, "DELETE"):
            clause = "WHEN NOT MATCHED BY SOURCE THEN DELETE"
            return [SqlOperation("merge delete", target, join(detail, clause))]
    return []


def _by_source(ts: Tokens, j: int) -> bool:
    """``WHEN NOT MATCHED BY SOURCE`` (or ``WHEN ! MATCHED ...``) at ``ts[j]``."""
    negated = is_word(ts, j + 1, "NOT") or is_symbol(ts, j + 1, "!")
    return is_word(ts, j, "WHEN") and negated and is_word(ts, j + 2, "MATCHED", "BY", "SOURCE")


def _inserts(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    """``INSERT ...``, and Hive's ``FROM src INSERT ... INSERT ...``: every insert clause."""
    ops: list[SqlOperation] = []
    for i in [j for j in top_level(ts) if ts[j].value == "INSERT" and ts[j].kind == WORD]:
        i += 4 if is_word(ts, i + 1, "WITH", "SCHEMA", "EVOLUTION") else 1
        if is_word(ts, i, "OVERWRITE"):
            ops += _overwrite(ts, i + 1, ctx)
        elif is_word(ts, i, "INTO"):
            ops += _insert_into(ts, i + 1, ctx)
        elif _hole_at(ts, i):
            ops.append(SqlOperation("sql", None, "statement built at run time"))
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
    how = f"REPLACE {word_at(ts, i + 1)}".strip()
    return [SqlOperation("backfill", target, join(detail, how))]


def _alter(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    if not is_word(ts, 1, "TABLE"):
        return []
    target, detail, i = name(ts, 4 if is_word(ts, 2, "IF", "EXISTS") else 2, ctx)
    if is_word(ts, i, "PARTITION") and is_symbol(ts, i + 1, "("):
        i = after_group(ts, i + 1)
    drops = [j for j in top_level(ts, i) if ts[j].value == "DROP" and ts[j].kind == WORD]
    if drops and (drops[0] == i or any(is_symbol(ts, j - 1, ",") for j in drops)):
        what = f"DROP {word_at(ts, drops[0] + 1)}".strip()
        return [SqlOperation("alter drop", target, join(detail, what))]
    if is_word(ts, i, "REPLACE", "COLUMNS"):
        return [SqlOperation("replace columns", target, detail)]
    if is_word(ts, i, "SET", "TBLPROPERTIES") and is_symbol(ts, i + 2, "("):
        problems = _retention(ts, i + 2)
        return [SqlOperation("retention", target, join(detail, p)) for p in problems]
    return []


def _retention(ts: Tokens, i: int) -> list[str]:
    """The retention properties in the list at ``ts[i]`` set too low to be safe."""
    problems, end = [], after_group(ts, i) - 1
    for k in range(i + 1, end):
        if ts[k].kind == SYMBOL or not (k == i + 1 or is_symbol(ts, k - 1, ",")):
            continue
        key_end = k + 1
        while is_symbol(ts, key_end, ".") and key_end + 1 < end:
            key_end += 2
        key = "".join(string_value(t.text) if t.kind == STRING else t.text for t in ts[k:key_end])
        value = key_end + is_symbol(ts, key_end, "=")
        raw = ts[value].text if value < end else ""
        literal = string_value(raw) if value < end and ts[value].kind == STRING else raw
        problems += [problem for problem in [retention_problem(key, literal)] if problem]
    return problems


def _set(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    """``SET key = value``, read from the raw text as Spark does: the retention settings."""
    if word_at(ts, 1) in ("VAR", "VARIABLE"):
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
    """``LOAD DATA [LOCAL] INPATH '...' OVERWRITE INTO TABLE t``."""
    into = find_word(ts, 1, "INTO")
    if find_word(ts, 1, "OVERWRITE") < 0 or into < 0:
        return []
    target, detail, _ = name(ts, into + 2 if is_word(ts, into + 1, "TABLE") else into + 1, ctx)
    return [SqlOperation("overwrite", target, join(detail, "LOAD DATA"))]


def _call(ts: Tokens, ctx: Context) -> list[SqlOperation]:
    """A procedure may do anything; what it does is only known when it runs."""
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
    ops: list[SqlOperation] = []
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
STARTS = {*READERS, "WITH"}  # first keywords worth reading a statement from

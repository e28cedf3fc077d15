"""Values inside SQL that decide whether it destroys data: string literals as Spark reads
them, Spark conf references (``${name}``), and Delta retention settings."""

from __future__ import annotations

# Java's whitespace for Spark's ``${...}`` pattern (``\S``); Python's isspace() is wider.
_JAVA_SPACE = frozenset(" \t\n\x0b\f\r")
_HEX = frozenset("0123456789abcdefABCDEF")
_ESCAPED = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}
_ESCAPED |= {"%": "\\%", "_": "\\_"}
SAFE_RETENTION_HOURS = 7 * 24  # Delta's default deletedFileRetentionDuration, which VACUUM keeps
_HOURS = {"microsecond": 1 / 3.6e9, "millisecond": 1 / 3.6e6, "second": 1 / 3600}
_HOURS |= {"minute": 1 / 60, "hour": 1, "day": 24, "week": 168, "month": 720, "year": 8760}
CHECK_KEY = "spark.databricks.delta.retentionDurationCheck.enabled"
TABLE_KEYS = ("delta.logRetentionDuration", "delta.deletedFileRetentionDuration")
CONF_KEYS = tuple(f"spark.databricks.delta.properties.defaults.{k[6:]}" for k in TABLE_KEYS)


def string_value(literal: str, escapes: bool = True, doubled: bool = True) -> str:
    """The value of a string literal token as Spark reads it.

    *escapes*: backslash escapes apply (off when ``spark.sql.parser.escapedStringLiterals``);
    *doubled*: ``''`` stands for one quote (Spark 4.2) rather than ending one literal and
    starting the next (older Spark, where side-by-side literals are concatenated).
    """
    if literal[0] == "$":
        tag = literal.index("$", 1) + 1
        return literal[tag:-tag]
    if literal[0] in "rR":
        return literal[2:-1]
    quote, body, out, i = literal[0], literal[1:-1], [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            step, text = _escape(body, i) if escapes else (2, body[i : i + 2])
        elif c == quote:  # the lexer only lets a quote in as half of a doubled quote
            step, text = 2, quote if doubled else ""
        else:
            step, text = 1, c
        out.append(text)
        i += step
    return "".join(out)


def _escape(body: str, i: int) -> tuple[int, str]:
    """Spark's ``unescapeSQLString`` for the backslash at ``body[i]``: (length, text)."""
    kind = body[i + 1]
    if kind == "u" and _is_hex(body[i + 2 : i + 6], 4):
        return 6, chr(int(body[i + 2 : i + 6], 16))
    if kind == "U" and _is_hex(body[i + 2 : i + 10], 8):
        code = int(body[i + 2 : i + 10], 16)
        return 10, chr(code) if code <= 0x10FFFF else "\ufffd"
    octal = body[i + 1 : i + 4]
    if len(octal) == 3 and octal[0] in "01" and all(c in "01234567" for c in octal[1:]):
        return 4, chr(int(octal, 8))
    return 2, _ESCAPED.get(kind, kind)


def _is_hex(text: str, size: int) -> bool:
    return len(text) == size and all(c in _HEX for c in text)


def conf_references(text: str) -> list[str]:
    """The ``${name}`` references Spark's variable substitution replaces before parsing."""
    found, i = [], text.find("${")
    while i >= 0:
        j = i + 2
        while j < len(text) and text[j] != "}" and text[j] not in _JAVA_SPACE:
            j += 1
        if j < len(text) and text[j] == "}" and j > i + 2:
            found.append(text[i : j + 1])
        i = text.find("${", i + 2)
    return found


def without_conf_references(text: str) -> str:
    """*text* with each ``${name}`` replaced by a placeholder name (a value known at run time)."""
    for reference in dict.fromkeys(conf_references(text)):
        text = text.replace(reference, " __dbx_hole_conf__ ")
    return text


def interval_hours(value: str) -> float | None:
    """``'interval 2 days 4 hours'`` → 52.0; None when it is not such an interval."""
    words = value.strip().strip("'\"").lower().split()
    words = words[1:] if words[:1] == ["interval"] else words
    if not words or len(words) % 2:
        return None
    total = 0.0
    for number, unit in zip(words[::2], words[1::2], strict=True):
        hours = _HOURS.get(unit[:-1] if unit.endswith("s") else unit)
        try:
            total += float(number.strip("'")) * hours  # type: ignore[operator]
        except (TypeError, ValueError):
            return None
    return total


def retention_problem(key: str, value: str, conf: bool = False) -> str:
    """Why setting *key* to *value* weakens Delta's retention, or "" when it does not.

    Delta's VACUUM check refuses to delete files younger than the table's
    ``delta.deletedFileRetentionDuration`` (7 days by default); below 7 days VACUUM may delete
    files a reader or a time travel still needs. ``delta.logRetentionDuration`` below 7 days
    drops the history RESTORE (and the guard's receipts) rely on. Values the guard cannot read
    count as too low.
    """
    key, lowered = key.strip(), key.strip().lower()
    if conf and lowered == CHECK_KEY.lower():
        return "" if value.strip().lower() == "true" else f"{key} = {value.strip()}"
    keys = CONF_KEYS if conf else TABLE_KEYS
    if lowered not in (k.lower() for k in keys):
        return ""
    hours = interval_hours(value)
    if hours is None:
        return f"{key} = {value.strip()} (not an interval the guard can read)"
    return f"{key} = {value.strip()} (under 7 days)" if hours < SAFE_RETENTION_HOURS else ""

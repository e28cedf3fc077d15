"""Render templates into code: one strict Jinja environment, values as safe literals only."""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

from .errors import InternalError
from .names import sql_ident
from .sql import sql_string

TEMPLATES = Path(__file__).parent / "templates"

_LITERAL_TYPES = (str, int, float, bool, type(None))


def py_literal(value: Any) -> str:
    """A Python literal for *value*: only plain data, so nothing executable can get through."""
    if isinstance(value, str):
        text = repr(value)
        # Prefer double quotes, like the rest of the generated code; repr already chose single
        # quotes only when the text has no single quote, so swapping is safe without a ".
        return f'"{text[1:-1]}"' if text[0] == "'" and '"' not in value else text
    if isinstance(value, float) and not math.isfinite(value):
        return f'float("{value}")'  # never a bare nan / inf name
    if isinstance(value, _LITERAL_TYPES):
        return repr(value)
    if isinstance(value, list | tuple):
        items = ", ".join(py_literal(v) for v in value)
        return f"[{items}]"
    if isinstance(value, dict):
        items = ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items())
        return "{" + items + "}"
    raise InternalError(f"cannot write a {type(value).__name__} as a Python literal")


def py_text_block(text: str) -> str:
    """A multi-line string as a readable triple-quoted literal (``repr`` when that is unsafe)."""
    readable = all(ch == "\n" or ch.isprintable() for ch in text)  # no NUL, \r, U+2028...
    if not readable or '"""' in text or "\\" in text or text.endswith('"'):
        return repr(text)
    return '"""\n' + text + '\n"""'


@functools.lru_cache(maxsize=1)
def environment() -> Any:
    """The one Jinja environment: StrictUndefined, no autoescape, whitespace under control."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["py"] = py_literal
    env.filters["py_block"] = py_text_block
    env.filters["sql_str"] = sql_string
    env.filters["sql_ident"] = sql_ident
    env.globals["zip"] = zip
    env.globals["dict"] = dict
    return env


def render(template: str, context: dict[str, Any]) -> str:
    """Render *template* (a file under ``templates/``) with *context* and nothing else."""
    import jinja2

    try:
        return tidy(environment().get_template(template).render(**context))
    except jinja2.TemplateError as err:
        raise InternalError(f"template {template} failed: {err}") from err


def _line_roles(lines: list[str]) -> tuple[set[int], set[int]]:
    """Which lines start a statement (or are a lone comment), and which lie inside a string."""
    import io
    import tokenize

    starts: set[int] = set()
    in_string: set[int] = set()
    new_statement = True
    skip = (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
    source = io.StringIO("\n".join(lines) + "\n").readline
    for token in tokenize.generate_tokens(source):
        if token.type == tokenize.NEWLINE:
            new_statement = True
        if token.type in skip:
            continue
        if new_statement:
            starts.add(token.start[0] - 1)
            new_statement = token.type == tokenize.COMMENT
        if token.start[0] != token.end[0]:  # a string (or f-string part) over several lines
            in_string.update(range(token.start[0], token.end[0]))
    return starts, in_string


def tidy(code: str) -> str:
    """One blank line between blocks, two around top-level functions (PEP 8), no trailing spaces.

    Templates stay readable with conditionals everywhere; this keeps their output tidy. Blank
    lines inside brackets go, blank lines inside strings (SQL) stay.
    """
    lines = [line.rstrip() for line in code.strip("\n").split("\n")]
    try:
        starts, in_string = _line_roles(lines)
    except (SyntaxError, tokenize_error()):
        return "\n".join(lines) + "\n"
    out: list[str] = []
    in_def = after_decorator = False
    for index, line in enumerate(lines):
        if index in in_string:
            out.append(line)
            continue
        if not line:
            following = next((i for i in range(index + 1, len(lines)) if lines[i]), None)
            if out and out[-1] != "" and (following is None or following in starts):
                out.append("")
            continue
        if index in starts and not line[0].isspace():
            starts_def = line.startswith(("def ", "class ", "@"))
            if (starts_def and not after_decorator) or (in_def and not starts_def):
                _two_blank_lines_before(out, keep_comments=starts_def)
            in_def = starts_def
            after_decorator = line.startswith("@")
        out.append(line)
    return "\n".join(out).strip("\n") + "\n"


def tokenize_error() -> type[Exception]:
    import tokenize

    return tokenize.TokenError


def _two_blank_lines_before(out: list[str], keep_comments: bool) -> None:
    """Put two blank lines at the end of *out*, above any comment lines that lead a def."""
    attached: list[str] = []
    while keep_comments and out and out[-1].startswith("#"):
        attached.insert(0, out.pop())
    while out and out[-1] == "":
        out.pop()
    if out:
        out += ["", ""]
    out += attached


def check_compiles(code: str, filename: str) -> None:
    """Raise :class:`InternalError` when generated code is not valid Python."""
    try:
        compile(code, filename, "exec")
    except SyntaxError as err:
        raise InternalError(
            f"{filename}: generated code does not compile (line {err.lineno}: {err.msg}); "
            "this is a dbx_architect bug"
        ) from err

"""Render templates into code: one strict Jinja environment, values as safe literals only."""

from __future__ import annotations

import functools
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
    if '"""' in text or "\\" in text or text.endswith('"'):
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
    return env


def render(template: str, context: dict[str, Any]) -> str:
    """Render *template* (a file under ``templates/``) with *context* and nothing else."""
    import jinja2

    try:
        return tidy(environment().get_template(template).render(**context))
    except jinja2.TemplateError as err:
        raise InternalError(f"template {template} failed: {err}") from err


def tidy(code: str) -> str:
    """One blank line between blocks, two around top-level functions (PEP 8), no trailing spaces.

    Templates stay readable with conditionals everywhere; this keeps their output tidy.
    Blank lines inside multi-line strings (SQL) are left alone.
    """
    out: list[str] = []
    in_def = False
    in_string = False
    for line in code.rstrip("\n").split("\n"):
        line = line.rstrip()
        if in_string:
            out.append(line)
        elif not line:
            if out and out[-1] != "":
                out.append("")
            continue
        else:
            top_level = not line[0].isspace()
            starts_def = line.startswith(("def ", "class ", "@"))
            if top_level and (starts_def or in_def) and out and not out[-1].startswith("@"):
                while out and out[-1] == "":
                    out.pop()
                out += ["", ""]
                in_def = starts_def
            out.append(line)
        if line.count('"""') % 2 == 1:
            in_string = not in_string
    return "\n".join(out).lstrip("\n") + "\n"


def check_compiles(code: str, filename: str) -> None:
    """Raise :class:`InternalError` when generated code is not valid Python."""
    try:
        compile(code, filename, "exec")
    except SyntaxError as err:
        raise InternalError(
            f"{filename}: generated code does not compile (line {err.lineno}: {err.msg}); "
            "this is a dbx_architect bug"
        ) from err

"""The core every face shares: spec text → validated spec → code → compile check → format.

Magics, widget forms, snippets and outlines all call :func:`expand`; none of them renders
on its own. What each magic is (spec, planner, templates) comes from :mod:`.descriptors`.
Heavy libraries (pydantic, jinja2, sqlglot, yaml) are imported here lazily, on the first
expansion, never when the extension loads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .descriptors import GENERATORS, Generator
from .errors import SpecError
from .names import parse_table_name
from .runtime.catalog import ColumnLookup, no_lookup
from .settings import Settings

__all__ = ["GENERATORS", "Expansion", "Generator", "build_spec", "expand", "render_spec"]


@dataclass(frozen=True)
class Expansion:
    """The result of expanding one cell: a provenance header, then plain generated code."""

    magic: str
    header: str
    code: str

    @property
    def cell(self) -> str:
        """The text that replaces the cell."""
        return self.header + self.code


def provenance(magic: str, line: str, body: str) -> str:
    """``# %%NAME <line>`` then the spec as comment lines, so the cell says where it came from."""
    lines = [f"# %%{magic} {line.strip()}".rstrip()]
    lines += [f"# {text}".rstrip() for text in body.strip("\n").splitlines()]
    return "\n".join(lines) + "\n\n"


def build_spec(magic: str, data: dict[str, Any]) -> Any:
    """Validate *data* (a parsed YAML body or a form's values) as *magic*'s spec."""
    from .spec.base import validate_spec

    generator = GENERATORS[magic]
    return validate_spec(generator.load(generator.spec), data)


def render_spec(
    magic: str,
    name: str,
    spec: Any,
    settings: Settings,
    lookup: ColumnLookup = no_lookup,
    variant: str | None = None,
) -> str:
    """Render a validated *spec* for table or model *name*; the result always compiles.

    *lookup* tells the columns of a table when a live session can see it, so column typos
    are caught at expansion time.
    """
    from .formatting import ruff_format
    from .imports import add_imports
    from .render import check_compiles, render

    generator = GENERATORS[magic]
    schema = getattr(settings, generator.schema_setting)
    table = parse_table_name(name, generator.name_label, settings.catalog, schema)
    template = generator.template_for(spec, variant)
    generator.check_variant(variant, settings)
    context = generator.load(generator.plan)(spec, table, settings, lookup)
    generator.check_variant(variant, settings, spec)
    serverless = settings.compute == "serverless"  # no DataFrame cache there
    variables = context.for_template()
    code = render(template, {**variables, "variant": variant, "serverless": serverless})
    check_compiles(code, f"<%%{magic} {name}>")
    code = ruff_format(add_imports(code, context.importable()))
    return code


def expand(
    magic: str,
    name: str | None,
    line: str,
    body: str,
    settings: Settings,
    lookup: ColumnLookup = no_lookup,
    variant: str | None = None,
) -> Expansion:
    """Expand one magic cell; every user mistake is one ``%%magic: ...`` :class:`SpecError`."""
    from .spec.yaml_body import load_body

    try:
        if not name:
            if GENERATORS[magic].name_label == "NAME":
                raise SpecError(f"name the model on the magic line, e.g. %%{magic} demand")
            raise SpecError(f"name the table on the magic line, e.g. %%{magic} sales")
        spec = build_spec(magic, load_body(body))
        code = render_spec(magic, name, spec, settings, lookup, variant)
    except SpecError as err:
        raise SpecError(f"%%{magic}: {err}") from err
    return Expansion(magic, provenance(magic, line, body), code)

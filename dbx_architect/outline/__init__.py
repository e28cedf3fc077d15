"""``%%outline``: from a short requirements spec to a whole notebook (see docs/outline.md)."""

from __future__ import annotations

from ..errors import SpecError
from ..runtime.catalog import ColumnLookup, no_lookup
from ..settings import Settings
from .plan import Plan, plan


def plan_from_text(body: str, settings: Settings, lookup: ColumnLookup = no_lookup) -> Plan:
    """Requirements YAML → a checked plan; every mistake is one ``outline: ...`` message.
    *lookup* (a live session's) reads the columns of files given without schema."""
    from ..spec.base import validate_spec
    from ..spec.requirements import Requirements
    from ..spec.yaml_body import load_body

    try:
        requirements = validate_spec(Requirements, load_body(body))
        return plan(requirements, settings, lookup)
    except SpecError as err:
        raise SpecError(f"outline: {err}") from err

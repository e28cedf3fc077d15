"""``%%silver``: shape, clean, check, deduplicate and add features, for the template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..names import TableName, parse_table_name, sql_ident
from ..runtime.catalog import ColumnLookup
from ..settings import Settings
from ..spec.silver import SilverSpec
from ..sql import parse_type
from .columns import Columns
from .common import TableContext, governance, layout, table_properties
from .features import FeaturePlan, plan_features
from .quality import Check, plan_checks

VERSION_PROPERTY = "silver.source_version"


@dataclass(frozen=True)
class SilverContext(TableContext):
    spec: SilverSpec
    table_name: str
    layout_columns: dict[str, list[str]]
    source_table: str
    quarantine_table: str
    incremental: bool
    version_property: str
    select: list[str]
    rename: dict[str, str]
    casts: list[tuple[str, str]]  # (column, Spark type)
    trim: list[str] | bool | None
    lower: list[str]
    fill: dict[str, Any]
    checks: list[Check]
    actions: set[str]
    keys: list[str]
    merge_on: str
    newer: str
    order_by: list[str]
    features: FeaturePlan
    history_by: list[str] | None
    quarantine_view: str


def _check_clean(spec: SilverSpec, columns: Columns) -> list[str] | bool | None:
    """The columns ``clean`` names are there; returns what ``trim`` asks for."""
    clean = spec.clean
    if clean is None:
        return None
    if isinstance(clean.trim, list):
        columns.require("clean.trim", clean.trim)
    columns.require("clean.lower", clean.lower)
    columns.require("clean.fill", list(clean.fill))
    return clean.trim


def plan_silver(
    spec: SilverSpec, table: TableName, settings: Settings, lookup: ColumnLookup
) -> SilverContext:
    """The template context for one ``%%silver`` cell."""
    source = parse_table_name(spec.from_, "from", settings.catalog, settings.bronze_schema)
    columns = Columns(lookup(source.dotted))
    columns.select("select", spec.select)
    columns.rename("rename", spec.rename)
    casts = [(col, parse_type(kind, f"casts.{col}")) for col, kind in spec.casts.items()]
    columns.require("casts", [c for c, _ in casts])
    clean = spec.clean
    trim = _check_clean(spec, columns)
    checks = plan_checks(spec.expect, columns, clean.drop_nulls if clean else [])
    order_by = spec.order_by or ["_ingested_at"]
    columns.require("keys", spec.keys)
    columns.require("order_by" if spec.order_by else "order_by (default _ingested_at)", order_by)
    features = plan_features(spec.features, columns)
    columns.require("partition_by", spec.partition_by)
    columns.require("cluster_by", spec.cluster_by)
    columns.require("column_tags", list(spec.column_tags))
    actions = {c.action for c in checks}
    order_sql = [sql_ident(c) for c in order_by]
    return SilverContext(
        spec=spec,
        databricks=settings.target == "databricks",
        table=table.dotted,
        table_name=table.table,
        layout_columns={
            "cluster_by": list(spec.cluster_by),
            "partition_by": list(spec.partition_by),
        },
        schema_name=table.schema_dotted,
        source_table=source.dotted,
        quarantine_table=TableName(table.catalog, table.schema, f"{table.table}_quarantine").dotted,
        incremental=spec.load == "incremental",
        version_property=VERSION_PROPERTY,
        select=list(spec.select),
        rename=dict(spec.rename),
        casts=casts,
        trim=trim,
        lower=list(clean.lower) if clean else [],
        fill=dict(clean.fill) if clean else {},
        checks=checks,
        actions=actions,
        keys=list(spec.keys),
        merge_on=merge_condition(spec.keys),
        newer=newer_condition(order_sql),
        order_by=order_by,
        features=features,
        history_by=features.history_by,
        layout=layout(spec.partition_by, spec.cluster_by),
        comment=spec.comment or f"Cleaned, checked and deduplicated records of {source.dotted}.",
        properties=table_properties(dict(spec.properties)),
        view=f"_silver_{table.table}_batch",
        quarantine_view=f"_silver_{table.table}_quarantine_batch",
        **governance(settings, spec.owner, dict(spec.tags), dict(spec.column_tags)),
    )


def pipeline_problem(settings: Settings, spec: SilverSpec | None) -> str | None:
    """Why the Lakeflow variant cannot be written (*spec* None: before the spec is planned)."""
    if spec is None:
        if settings.target != "databricks":
            return (
                "--pipeline: Lakeflow expectations (@dp.expect) exist only on Databricks; "
                "add --target databricks"
            )
        return None
    for index, rule in enumerate(spec.expect):
        if rule.kind == "unique":
            return (
                f"expect[{index}]: --pipeline: a unique check compares rows with "
                "each other, but Lakeflow expectations look at one row at a time (the keys are "
                "unique after dedupe anyway); remove it or drop --pipeline"
            )
    return None


def merge_condition(keys: list[str]) -> str:
    """Null-safe equality on every key (a NULL key matches itself, so it is not duplicated)."""
    return " AND ".join(f"t.{sql_ident(k)} <=> s.{sql_ident(k)}" for k in keys)


def newer_condition(order_sql: list[str]) -> str:
    """The source row is at least as new as the target row, by the order columns."""
    if len(order_sql) == 1:
        col = order_sql[0]
        return f"(s.{col} >= t.{col} OR t.{col} IS NULL)"
    source = ", ".join(f"s.{c}" for c in order_sql)
    target = ", ".join(f"t.{c}" for c in order_sql)
    return f"struct({source}) >= struct({target})"

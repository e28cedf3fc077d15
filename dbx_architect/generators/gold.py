"""``%%gold``: joins, a time grain, aggregates and features over Silver, for the template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import SpecError, short
from ..names import TableName, parse_table_name
from ..runtime.catalog import ColumnLookup
from ..settings import Settings
from ..spec.gold import GoldSpec
from ..sql import aggregate_sql, referenced_columns
from .columns import Columns
from .common import TableContext, governance, layout, table_properties
from .features import FeaturePlan, plan_features
from .silver import merge_condition

# Kinds whose columns are fixed: the tables the model zoo, scoring and monitoring write.
FIXED_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "predictions": [
        ("prediction", "DOUBLE"),
        ("model_name", "STRING"),
        ("model_version", "STRING"),
        ("model_alias", "STRING"),
        ("scored_at", "TIMESTAMP"),
    ],
    "evaluation": [
        ("run_id", "STRING"),
        ("model_name", "STRING"),
        ("candidate", "STRING"),
        ("metric", "STRING"),
        ("split", "STRING"),
        ("value", "DOUBLE"),
        ("evaluated_at", "TIMESTAMP"),
    ],
    "monitoring": [
        ("model_name", "STRING"),
        ("model_version", "STRING"),
        ("window_start", "TIMESTAMP"),
        ("window_end", "TIMESTAMP"),
        ("feature", "STRING"),
        ("statistic", "STRING"),
        ("value", "DOUBLE"),
        ("threshold", "DOUBLE"),
        ("breached", "BOOLEAN"),
        ("computed_at", "TIMESTAMP"),
    ],
}
FIXED_KEYS = {
    "predictions": ["model_name", "model_version"],
    "evaluation": ["run_id", "candidate", "metric", "split"],
    "monitoring": ["model_name", "model_version", "window_start", "feature", "statistic"],
}


def _source_columns(sources: list[TableName], on: list[str], lookup: ColumnLookup) -> Columns:
    found = [lookup(s.dotted) for s in sources]
    if any(f is None for f in found):
        return Columns(None)
    names: list[str] = []
    for index, (source, cols) in enumerate(zip(sources, found, strict=True)):
        missing = [c for c in on if c not in (cols or [])]
        if missing:
            raise SpecError(f"join.on: column {short(missing[0])} is not in {source.dotted}")
        names += [c for c in cols or [] if index == 0 or c not in names]
    return Columns(names)


def _variables(sources: list[TableName]) -> list[str]:
    names: list[str] = []
    for source in sources:
        name = f"{source.table}_df"
        while name in names:
            name = f"{source.schema}_{name}"
        names.append(name)
    return names


def _keys(spec: GoldSpec, group: list[str]) -> list[str]:
    if spec.kind == "features" and not spec.keys:
        raise SpecError("keys: a features table needs its primary key columns")
    if spec.kind == "predictions" and not spec.keys:
        raise SpecError("keys: a predictions table needs the id columns of the scored rows")
    if spec.kind == "predictions":
        return [*spec.keys, *FIXED_KEYS["predictions"]]
    if spec.kind in FIXED_KEYS:
        return spec.keys or FIXED_KEYS[spec.kind]
    keys = spec.keys or group
    if not keys:
        raise SpecError("keys: give the columns that identify a row (the MERGE key)")
    return keys


@dataclass(frozen=True)
class GoldContext(TableContext):
    spec: GoldSpec
    kind: str
    table_name: str
    sources: list[str]
    variables: list[str]  # the DataFrame variable of each source
    join: dict[str, Any] | None
    grain: str | None
    time_col: str | None
    group: list[str]
    aggregates: dict[str, str]  # output column -> SQL, written from its parsed tree
    features: FeaturePlan
    keys: list[str]
    merge_on: str
    fixed: list[tuple[str, str]]
    declared: list[tuple[str, str]]


def plan_gold(
    spec: GoldSpec, table: TableName, settings: Settings, lookup: ColumnLookup
) -> GoldContext:
    """The template context for one ``%%gold`` cell."""
    sources = [
        parse_table_name(name, "from", settings.catalog, settings.silver_schema)
        for name in spec.from_
    ]
    on = list(spec.join.on) if spec.join else []
    columns = _source_columns(sources, on, lookup)
    if spec.time_col:
        columns.require("time_col", [spec.time_col])
    columns.require("group_by", spec.group_by)
    group = [*spec.group_by, *([spec.time_col] if spec.grain and spec.time_col else [])]
    aggregates = {
        out: aggregate_sql(sql, f"aggregates.{out}") for out, sql in spec.aggregates.items()
    }
    for out, sql in spec.aggregates.items():
        columns.require(f"aggregates.{out}", referenced_columns(sql, f"aggregates.{out}"))
    if spec.aggregates:
        columns = Columns(None if columns.names is None else [*group, *spec.aggregates])
    features = plan_features(spec.features, columns)
    keys = _keys(spec, group)
    fixed = FIXED_COLUMNS.get(spec.kind, [])
    declared = [(k, "STRING") for k in spec.keys] + fixed if spec.kind == "predictions" else fixed
    if sources:
        columns.require("keys", [k for k in keys if k not in dict(fixed)])
    else:  # a table of fixed columns only
        columns = Columns([name for name, _ in declared])
        columns.require("keys", keys)
    for key in ("partition_by", "cluster_by", "column_tags"):
        columns.require(key, list(getattr(spec, key)))
    return GoldContext(
        spec=spec,
        kind=spec.kind,
        databricks=settings.target == "databricks",
        table=table.dotted,
        table_name=table.table,
        schema_name=table.schema_dotted,
        sources=[s.dotted for s in sources],
        variables=_variables(sources),
        join={"on": on, "how": spec.join.how} if spec.join else None,
        grain=spec.grain,
        time_col=spec.time_col,
        group=group,
        aggregates=aggregates,
        features=features,
        keys=keys,
        merge_on=merge_condition(keys),
        fixed=fixed,
        declared=declared,
        layout=layout(spec.partition_by, spec.cluster_by),
        comment=spec.comment or _default_comment(spec, sources),
        properties=table_properties(dict(spec.properties)),
        view=f"_gold_{table.table}_batch",
        **governance(settings, spec.owner, dict(spec.tags), dict(spec.column_tags)),
    )


def _default_comment(spec: GoldSpec, sources: list[TableName]) -> str:
    read = ", ".join(s.dotted for s in sources) or "the pipeline"
    if spec.kind == "aggregate":
        grain = f" per {spec.grain}" if spec.grain else ""
        by = ", ".join(spec.group_by)
        return f"Aggregates of {read} by {by}{grain}." if by else f"Aggregates of {read}{grain}."
    return f"{spec.kind.capitalize()} table built from {read}."

"""``%%gold``: joins, a time grain, aggregates and features over Silver, for the template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import SpecError, short
from ..names import TableName, parse_table_name
from ..runtime.catalog import ColumnLookup
from ..settings import Settings
from ..spec.gold import EventSource, GoldSpec, Labels, Lookup
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
    entity: EntityPlan | None  # kind: entity


def plan_gold(
    spec: GoldSpec, table: TableName, settings: Settings, lookup: ColumnLookup
) -> GoldContext:
    """The template context for one ``%%gold`` cell."""
    if spec.kind == "entity":
        return _entity_context(spec, table, settings, lookup)
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
        entity=None,
        **_table_fields(spec, table, settings, _default_comment(spec, sources)),
    )


def _table_fields(
    spec: GoldSpec, table: TableName, settings: Settings, comment: str
) -> dict[str, Any]:
    """The fields of :class:`TableContext` every kind decides the same way."""
    return dict(
        databricks=settings.target == "databricks",
        table=table.dotted,
        table_name=table.table,
        schema_name=table.schema_dotted,
        layout=layout(spec.partition_by, spec.cluster_by),
        comment=spec.comment or comment,
        properties=table_properties(dict(spec.properties)),
        view=f"_gold_{table.table}_batch",
        **governance(settings, spec.owner, dict(spec.tags), dict(spec.column_tags)),
    )


def _entity_context(
    spec: GoldSpec, table: TableName, settings: Settings, lookup: ColumnLookup
) -> GoldContext:
    plan = plan_entity(spec, table, settings, lookup)
    sources = [plan.table, *(e.table for e in plan.events)]
    sources += [plan.labels.table] if plan.labels else []
    keys = [plan.key, CUTOFF]
    written = Columns([*keys, *([plan.labels.target] if plan.labels else [])])
    written.add(f.feature for f in plan.features)
    for key in ("partition_by", "cluster_by", "column_tags"):
        written.require(key, list(getattr(spec, key)))
    cut = "each label date" if plan.labels else (plan.as_of or "today")
    return GoldContext(
        spec=spec,
        kind="entity",
        sources=sources,
        variables=[],
        join=None,
        grain=None,
        time_col=CUTOFF,  # the TIMESERIES key of the feature table
        group=keys,
        aggregates={},
        features=plan_features([], Columns(None)),
        keys=keys,
        merge_on=merge_condition(keys),
        fixed=[],
        declared=[],
        entity=plan,
        **_table_fields(
            spec, table, settings, f"Features of {plan.table} per {plan.key} as of {cut}."
        ),
    )


def _default_comment(spec: GoldSpec, sources: list[TableName]) -> str:
    read = ", ".join(s.dotted for s in sources) or "the pipeline"
    if spec.kind == "aggregate":
        grain = f" per {spec.grain}" if spec.grain else ""
        by = ", ".join(spec.group_by)
        return f"Aggregates of {read} by {by}{grain}." if by else f"Aggregates of {read}{grain}."
    return f"{spec.kind.capitalize()} table built from {read}."


# kind: entity ----------------------------------------------------------------------------------

CUTOFF = "cutoff_date"
EVENT_TIME = "_event_time"  # each event source's time column, renamed so the windows are shared
NULL_POLICY = {
    "count": "0 when no event in the window",
    "distinct": "0 when no event in the window",
    "sum": "null when no event in the window",
    "mean": "null when no event in the window",
    "recency": "null when no event before the cut-off",
    "attribute": "null when the entity table has no row for the key",
    "lookup": "null when the lookup table has no row for the entity's value",
    "tenure": "null when the date is null",
}


@dataclass(frozen=True)
class EntityFeature:
    """One feature column: how it is computed, and its row of the feature specification."""

    feature: str
    source: str
    window_days: int | None
    aggregate: str  # count, sum, mean, distinct, recency, attribute, lookup or tenure
    column: str | None = None  # the aggregated column

    @property
    def spec_row(self) -> list[Any]:
        """Its row of the feature specification, without the null policy (by aggregate)."""
        return [self.feature, self.source, self.window_days, self.aggregate]


@dataclass(frozen=True)
class EventPlan:
    name: str  # the prefix of its feature columns
    table: str
    variable: str
    key: str
    time_col: str
    values: list[str]  # the columns aggregated, each once
    features: list[EntityFeature]


@dataclass(frozen=True)
class LookupPlan:
    """A lookup table joined on an entity column; its columns renamed to their features."""

    table: str
    variable: str
    on: str  # the entity's column
    key: str  # the lookup's key column
    columns: dict[str, str]  # lookup column -> feature
    features: list[EntityFeature]


@dataclass(frozen=True)
class LabelsPlan:
    table: str
    variable: str
    key: str
    time_col: str
    target: str


@dataclass(frozen=True)
class EntityPlan:
    """What ``kind: entity`` computes: cut-offs, entity columns, and per-source aggregates."""

    key: str
    table: str
    variable: str
    attributes: list[str]
    lookups: list[LookupPlan]
    tenure_from: str | None
    labels: LabelsPlan | None
    as_of: str | None  # ISO date; None: today (current_date()) when there are no labels
    windows: list[int]
    events: list[EventPlan]
    features: list[EntityFeature]  # every feature, entity columns first
    counts: list[str]  # the count columns, 0 when no event
    spec_table: str  # <table>_feature_spec

    @property
    def entity_columns(self) -> list[str]:
        """The entity's columns read besides its key: attributes and the lookups' join columns."""
        ons = [lookup.on for lookup in self.lookups]
        return [c for c in dict.fromkeys([*self.attributes, *ons]) if c != self.key]

    @property
    def join_only(self) -> list[str]:
        """The lookups' join columns that are no attribute: dropped after the joins."""
        return [c for c in self.entity_columns if c not in self.attributes]

    @property
    def null_policy(self) -> dict[str, str]:
        """What each aggregate used here holds when there is nothing to aggregate."""
        used = {f.aggregate for f in self.features}
        return {name: text for name, text in NULL_POLICY.items() if name in used}


def _event_features(
    name: str, source: str, spec: EventSource, windows: list[int]
) -> list[EntityFeature]:
    features: list[EntityFeature] = []
    for days in windows:
        features.append(EntityFeature(f"{name}_count_{days}d", source, days, "count"))
        for column in spec.numeric:
            for aggregate in ("sum", "mean"):
                feature = f"{name}_{column}_{aggregate}_{days}d"
                features.append(EntityFeature(feature, source, days, aggregate, column))
        for column in spec.categorical:
            feature = f"{name}_{column}_distinct_{days}d"
            features.append(EntityFeature(feature, source, days, "distinct", column))
    features.append(EntityFeature(f"{name}_recency_days", source, None, "recency"))
    return features


def _event_plan(
    index: int,
    spec: EventSource,
    table: TableName,
    variable: str,
    key: str,
    windows: list[int],
    lookup: ColumnLookup,
) -> EventPlan:
    where = f"events[{index}]"
    source_key = spec.key or key
    columns = Columns(lookup(table.dotted))
    columns.require(f"{where}.key", [source_key])
    columns.require(f"{where}.time_col", [spec.time_col])
    columns.require(f"{where}.numeric", spec.numeric)
    columns.require(f"{where}.categorical", spec.categorical)
    values = list(dict.fromkeys([*spec.numeric, *spec.categorical]))
    reserved = {CUTOFF, EVENT_TIME} | ({key} if source_key != key else set())
    clash = next((c for c in values if c in reserved), None)
    if clash is not None:
        raise SpecError(
            f"{where}: column {short(clash)} cannot be aggregated here: the feature table "
            f"uses that name for {'the cut-off' if clash == CUTOFF else 'the entity key'}"
        )
    name = spec.name or table.table
    features = _event_features(name, table.dotted, spec, windows)
    return EventPlan(name, table.dotted, variable, source_key, spec.time_col, values, features)


def _labels_plan(
    spec: Labels, table: TableName, variable: str, key: str, lookup: ColumnLookup
) -> LabelsPlan:
    label_key = spec.key or key
    columns = Columns(lookup(table.dotted))
    columns.require("labels.key", [label_key])
    columns.require("labels.time_col", [spec.time_col])
    columns.require("labels.target", [spec.target])
    return LabelsPlan(table.dotted, variable, label_key, spec.time_col, spec.target)


def _lookup_plan(
    index: int, spec: Lookup, table: TableName, variable: str, lookup: ColumnLookup
) -> LookupPlan:
    where, key = f"lookups[{index}]", spec.key or spec.on
    found = lookup(table.dotted)
    columns = Columns(found)
    columns.require(f"{where}.key", [key])
    columns.require(f"{where}.columns", spec.columns)
    if key in spec.columns:
        raise SpecError(f"{where}.columns: {short(key)} is the lookup's key, the join column")
    twice = next((c for i, c in enumerate(spec.columns) if c in spec.columns[:i]), None)
    if twice is not None:
        raise SpecError(f"{where}.columns: {short(twice)} is given twice")
    carried = list(spec.columns) or [c for c in found or [] if c.lower() != key.lower()]
    if not carried and found:
        raise SpecError(f"{where}.columns: {table.dotted} has no column but its key {key}")
    if not carried:
        raise SpecError(
            f"{where}.columns: the columns of {table.dotted} are not known here (no session "
            "sees the table); list the columns to carry"
        )
    prefix = spec.prefix or table.table
    renamed = {c: f"{prefix}_{c}" for c in carried}
    features = [EntityFeature(f, table.dotted, None, "lookup", c) for c, f in renamed.items()]
    return LookupPlan(table.dotted, variable, spec.on, key, renamed, features)


def _entity_columns(
    spec: GoldSpec, table: TableName, lookups: list[LookupPlan]
) -> list[EntityFeature]:
    """The attributes, the lookups' columns and tenure_days, in the table's order."""
    features = [EntityFeature(a, table.dotted, None, "attribute", a) for a in spec.attributes]
    features += [f for plan in lookups for f in plan.features]
    if spec.tenure_from:
        features.append(
            EntityFeature("tenure_days", table.dotted, None, "tenure", spec.tenure_from)
        )
    return features


def _no_column_twice(
    spec: GoldSpec, key: str, features: list[EntityFeature], joined_on: list[str]
) -> None:
    """Every written column once; a lookup's join column is read under its name, so no feature
    may take it either."""
    seen = [key, CUTOFF, *([spec.labels.target] if spec.labels else []), *joined_on]
    where = {"attribute": "attributes", "tenure": "tenure_from", "lookup": "lookups"}
    hints = {"lookup": "; give the lookup its own prefix", "attribute": "", "tenure": ""}
    for feature in features:
        if feature.feature in seen:
            hint = hints.get(feature.aggregate, "; give a source its own prefix with name")
            raise SpecError(
                f"{where.get(feature.aggregate, 'events')}: the column "
                f"{short(feature.feature)} would be written twice{hint}"
            )
        seen.append(feature.feature)


def _lookups(
    spec: GoldSpec, tables: list[TableName], variables: list[str], lookup: ColumnLookup
) -> list[LookupPlan]:
    return [
        _lookup_plan(i, one, t, v, lookup)
        for i, (one, t, v) in enumerate(zip(spec.lookups, tables, variables, strict=True))
    ]


def plan_entity(
    spec: GoldSpec, table: TableName, settings: Settings, lookup: ColumnLookup
) -> EntityPlan:
    """Cut-offs, entity columns and the aggregates of every event source, for the template."""
    silver = settings.silver_schema
    entity = parse_table_name(spec.entity, "entity", settings.catalog, silver)
    events = [
        parse_table_name(e.table, f"events[{i}].table", settings.catalog, silver)
        for i, e in enumerate(spec.events)
    ]
    labels = [
        parse_table_name(name, "labels.table", settings.catalog, silver)
        for name in ([spec.labels.table] if spec.labels else [])
    ]
    tables = [
        parse_table_name(one.table, f"lookups[{i}].table", settings.catalog, silver)
        for i, one in enumerate(spec.lookups)
    ]
    variables = _variables([entity, *events, *labels, *tables])
    key, windows = spec.keys[0], spec.window_days
    columns = Columns(lookup(entity.dotted))
    columns.require("keys", [key])
    columns.require("attributes", spec.attributes)
    for index, one in enumerate(spec.lookups):
        columns.require(f"lookups[{index}].on", [one.on])
    columns.require("tenure_from", [spec.tenure_from] if spec.tenure_from else [])
    plans = [
        _event_plan(i, e, t, v, key, windows, lookup)
        for i, (e, t, v) in enumerate(zip(spec.events, events, variables[1:], strict=False))
    ]
    lookups = _lookups(spec, tables, variables[len(variables) - len(tables) :], lookup)
    features = _entity_columns(spec, entity, lookups) + [f for p in plans for f in p.features]
    join_only = [one.on for one in spec.lookups if one.on not in spec.attributes]
    _no_column_twice(spec, key, features, join_only)
    return EntityPlan(
        key=key,
        table=entity.dotted,
        variable=variables[0],
        attributes=list(spec.attributes),
        lookups=lookups,
        tenure_from=spec.tenure_from,
        labels=_labels_plan(spec.labels, labels[0], variables[1 + len(events)], key, lookup)
        if spec.labels and labels
        else None,
        as_of=spec.as_of.isoformat() if spec.as_of else None,
        windows=windows,
        events=plans,
        features=features,
        counts=[f.feature for f in features if f.aggregate in ("count", "distinct")],
        spec_table=TableName(table.catalog, table.schema, f"{table.table}_feature_spec").dotted,
    )

"""Related sources → an entity-grain task: which source is the entity, which hold its events and
its labels, and the ``%%gold ... kind: entity`` spec that aggregates the events per entity and
cut-off.

A classification or regression whose sources relate by foreign keys (``relates:``, declared or
read from the known columns), or that names ``entity:``, ``labels:`` or a ``role:``, is an
entity-grain task. Anything else (sources that share key names, forecasts) plans as before.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ..errors import SpecError, short
from ..runtime.catalog import ColumnLookup, no_lookup
from ..spec.requirements import Requirements, Source
from ..sql import Column

CUTOFF = "cutoff_date"  # the column %%gold kind: entity names each label's cut-off
NUMERIC = {"TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT", "LONG", "FLOAT", "DOUBLE"}
NUMERIC_PREFIXES = ("DECIMAL", "NUMERIC", "DEC")
TEXT = {"STRING", "VARCHAR", "CHAR"}
DATES = {"DATE", "TIMESTAMP", "TIMESTAMP_NTZ", "TIMESTAMP_LTZ"}
TENURE_WORDS = ("signup", "signed_up", "created", "opened", "joined", "since")

Schemas = dict[str, tuple[Column, ...] | None]


@dataclass(frozen=True)
class EntityGrain:
    """Who is who among the sources of an entity-grain task."""

    entity: Source
    roles: dict[str, str]  # source name -> entity, events, labels or lookup
    relates: dict[str, dict[str, str]]  # source name -> {column: source}, declared and inferred
    labels: Source | None
    others: tuple[Source, ...]  # every source but the entity
    known: Schemas  # the columns of each source, where known

    @property
    def key(self) -> str:
        return self.entity.keys[0]

    @property
    def events(self) -> list[Source]:
        return [s for s in self.sources if self.roles[s.name] == "events"]

    @property
    def sources(self) -> list[Source]:
        return [self.entity, *self.others]

    def event_key(self, source: Source) -> str:
        """The column of *source* holding the entity's key."""
        ref = self.relates[source.name]
        return next((c for c, other in ref.items() if other == self.entity.name), self.key)


def schemas(req: Requirements, lookup: ColumnLookup = no_lookup) -> Schemas:
    """The columns of every source: declared, or read from its files through a live session
    (None where neither tells)."""
    from ..sql import parse_schema

    known: Schemas = {}
    for source in req.sources:
        key = f"sources: {source.name}: schema"
        ddl = source.schema_ddl or _file_schema(source, lookup)
        known[source.name] = parse_schema(ddl, key) if ddl else None
    return known


def _file_schema(source: Source, lookup: ColumnLookup) -> str | None:
    """``name TYPE, ...`` of the files of *source* as the session reads them, if it can."""
    file_schema = getattr(lookup, "file_schema", None)
    if file_schema is None or not source.path:
        return None
    from ..generators.bronze import _infer_format, is_relative

    fmt = source.format or _infer_format(source.path)
    path = os.path.abspath(source.path) if is_relative(source.path) else source.path
    ddl = file_schema(fmt, path, {"header": "true"} if fmt == "csv" else {})
    return str(ddl) if ddl else None


def names(columns: tuple[Column, ...] | None) -> list[str]:
    return [c.name for c in columns or ()]


def relations(req: Requirements, known: Schemas) -> dict[str, dict[str, str]]:
    """Declared foreign keys, and inferred ones: a known non-key column of a source that is the
    single key of another source."""
    single = {s.keys[0]: s.name for s in req.sources if len(s.keys) == 1}
    result: dict[str, dict[str, str]] = {}
    for source in req.sources:
        found = dict(source.relates)
        for column in names(known[source.name]):
            other = single.get(column)
            if other and other != source.name and column not in source.keys:
                found.setdefault(column, other)
        result[source.name] = found
    return result


def is_entity_task(req: Requirements, relates: dict[str, dict[str, str]]) -> bool:
    if req.task == "forecast":
        return False
    declared = req.entity or req.labels or any(s.role for s in req.sources)
    return bool(declared or any(relates.values()))


def resolve(
    req: Requirements, lookup: ColumnLookup = no_lookup
) -> tuple[Requirements, EntityGrain | None]:
    """The requirements (with a labels table as one more source) and their entity grain, if the
    task has one; every inconsistency is one line, before anything is written."""
    known = schemas(req, lookup)
    relates = relations(req, known)
    if not is_entity_task(req, relates):
        return req, None
    entity = _entity(req, relates)
    if len(entity.keys) != 1:
        raise SpecError(
            f"sources: {entity.name}: an entity needs exactly one key column (it has "
            f"{', '.join(entity.keys)}); features are computed per key and cut-off"
        )
    req, relates = _with_labels_table(req, relates, entity)
    known = {s.name: known.get(s.name) for s in req.sources}
    roles = _roles(req, relates, known, entity)
    labels = next((s for s in req.sources if roles[s.name] == "labels"), None)
    others = tuple(s for s in req.sources if s.name != entity.name)
    grain = EntityGrain(entity, roles, relates, labels, others, known)
    _check_grain(req, grain, known)
    return req, grain


def _entity(req: Requirements, relates: dict[str, dict[str, str]]) -> Source:
    by_name = {s.name: s for s in req.sources}
    declared = [s for s in req.sources if s.role == "entity"]
    if req.entity:
        return by_name[req.entity]
    if len(declared) == 1:
        return declared[0]
    free = [s.name for s in req.sources if s.role in (None, "entity")]
    referrers = {
        other: {name for name, ref in relates.items() if other in ref.values()} for other in free
    }
    candidates = [name for name, by in referrers.items() if by]
    if len(candidates) > 1:  # a source only the other candidates refer to is their lookup
        candidates = [c for c in candidates if not referrers[c] <= set(candidates)]
    if not candidates and len(free) == 1:
        candidates = free
    if len(candidates) == 1:
        return by_name[candidates[0]]
    if not candidates:
        raise SpecError(
            "entity: no source is related to by another; add relates: {<column>: <source>} to "
            "the event sources (the column holding the entity's key), or entity: <source>"
        )
    raise SpecError(
        f"entity: {' and '.join(candidates)} are both related to; name the model's grain with "
        "entity: <source> (or role: lookup on the other)"
    )


def _with_labels_table(
    req: Requirements, relates: dict[str, dict[str, str]], entity: Source
) -> tuple[Requirements, dict[str, dict[str, str]]]:
    """labels: schema.table becomes a source of its own, keyed by the entity key and its date."""
    table = req.labels_table
    if not table or not req.time_col:
        return req, relates
    name = table.rsplit(".", 1)[-1]
    if name in relates:
        raise SpecError(f"labels: {short(table)} would land as {name}, already a source")
    key = entity.keys[0]
    source = Source.model_validate(
        {
            "name": name,
            "table": table,
            "keys": [key, req.time_col],
            "role": "labels",
            "time_col": req.time_col,
            "relates": {key: entity.name},
            "comment": f"The labels: {req.target} per {key} and {req.time_col}",
        }
    )
    req = req.model_copy(update={"sources": [*req.sources, source], "labels": name})
    return req, {**relates, name: {key: entity.name}}


def _roles(
    req: Requirements, relates: dict[str, dict[str, str]], known: Schemas, entity: Source
) -> dict[str, str]:
    key = entity.keys[0]
    referred = {other for ref in relates.values() for other in ref.values()}
    roles = {entity.name: "entity"}
    for source in req.sources:
        if source.name == entity.name:
            continue
        columns = set(names(known.get(source.name))) | set(source.keys)
        to_entity = entity.name in relates[source.name].values()
        if source.role:
            roles[source.name] = source.role
        elif req.labels == source.name or (req.target in columns and key in columns):
            roles[source.name] = "labels"
        elif to_entity:
            roles[source.name] = "events"
        elif source.name in referred:
            roles[source.name] = "lookup"
        else:
            raise SpecError(
                f"sources: {source.name} relates to no other source; add relates: "
                f"{{<its column holding {key}>: {entity.name}}} (or role: lookup)"
            )
    return roles


def _check_grain(req: Requirements, grain: EntityGrain, known: Schemas) -> None:
    labels = [s.name for s in grain.sources if grain.roles[s.name] == "labels"]
    if len(labels) > 1:
        raise SpecError(f"labels: {' and '.join(labels)} both hold labels; name one with labels:")
    for source in grain.others:
        role = grain.roles[source.name]
        if role in ("events", "labels") and not _joins(grain, source, known):
            raise SpecError(
                f"sources: {source.name} ({role}) does not relate to the entity "
                f"{grain.entity.name}; add relates: {{<its column holding {grain.key}>: "
                f"{grain.entity.name}}}"
            )
        if role == "events" and not source.time_col:
            raise SpecError(
                f"sources: {source.name}: an events source needs time_col (when each event "
                "happened; windows count back from each cut-off)"
            )
    _check_labels(req, grain, known)


def _joins(grain: EntityGrain, source: Source, known: Schemas) -> bool:
    """*source* relates to the entity, or holds a column named as the entity's key."""
    if grain.entity.name in grain.relates[source.name].values():
        return True
    return grain.key in set(names(known.get(source.name))) | set(source.keys)


def _check_labels(req: Requirements, grain: EntityGrain, known: Schemas) -> None:
    source = grain.labels
    if source is None:
        columns = known[grain.entity.name]
        if columns is not None and req.target not in names(columns):
            raise SpecError(
                f"target: {short(req.target)} is in no labels source nor in "
                f"{grain.entity.name}; add labels: (the source or table holding "
                f"{req.target} and {grain.key})"
            )
        return
    if not source.time_col:
        raise SpecError(
            f"sources: {source.name}: labels need time_col, the date each label is known "
            "(features use only events before it)"
        )
    columns = known.get(source.name)
    if columns is not None and req.target not in names(columns):
        raise SpecError(
            f"sources: {source.name}: the labels hold no column {req.target} (the target); "
            f"its columns: {', '.join(names(columns))}"
        )
    if grain.event_key(source) != grain.key:
        raise SpecError(
            f"sources: {source.name}: labels join on {grain.key}, the entity's key; name that "
            "column so in the labels"
        )


def _kind(column: Column) -> str:
    """numeric, text, date or other, from the declared Spark type."""
    base = column.type.split("(")[0].upper()
    if base in NUMERIC or base.startswith(NUMERIC_PREFIXES):
        return "numeric"
    if base in TEXT:
        return "text"
    return "date" if base in DATES else "other"


def _plain(grain: EntityGrain, source: Source, skip: set[str]) -> list[Column]:
    """The known columns of *source* that can be features: no key, foreign key or *skip*."""
    foreign = set(grain.relates.get(source.name, {}))
    return [
        c
        for c in grain.known.get(source.name) or ()
        if c.name not in {*source.keys, *foreign, *skip}
    ]


def _dated(column: Column) -> bool:
    """A date, or text named like one (JSON files read without schema give dates as text)."""
    named = column.name.lower().endswith(("_date", "_at", "_time", "_ts"))
    return _kind(column) == "date" or (_kind(column) == "text" and named)


def tenure_from(grain: EntityGrain) -> str | None:
    """A date column of the entity named like a start: signup_date, created_at, opened."""
    for column in grain.known.get(grain.entity.name) or ():
        if _dated(column) and any(w in column.name.lower() for w in TENURE_WORDS):
            return column.name
    return None


def attributes(req: Requirements, grain: EntityGrain) -> list[str]:
    """Entity columns carried as features: numbers and text, not keys, foreign keys, PII, dates
    or a target that arrives as labels."""
    skip = {*req.compliance.pii, *([req.target] if grain.labels else [])}
    columns = _plain(grain, grain.entity, skip)
    return [c.name for c in columns if _kind(c) != "date" and not _dated(c)]


def joined_lookups(grain: EntityGrain) -> list[tuple[str, Source]]:
    """The lookups the entity refers to, each with the entity column holding its single key."""
    by_name = {s.name: s for s in grain.others}
    found: list[tuple[str, Source]] = []
    for column, other in grain.relates.get(grain.entity.name, {}).items():
        source = by_name.get(other)
        if source and grain.roles[other] == "lookup" and len(source.keys) == 1:
            found.append((column, source))
    return found


def lookup_specs(req: Requirements, grain: EntityGrain, taken: set[str]) -> list[dict[str, Any]]:
    """One entry of lookups per lookup the entity refers to: its numbers and text, as with the
    attributes (no key, PII or date), named ``<lookup>_<column>`` unless *taken*."""
    specs: list[dict[str, Any]] = []
    for on, source in joined_lookups(grain):
        columns = [
            c.name
            for c in _plain(grain, source, set(req.compliance.pii))
            if _kind(c) in ("numeric", "text") and not _dated(c)
        ]
        columns = [c for c in columns if f"{source.name}_{c}" not in taken]
        if not columns:
            continue
        spec: dict[str, Any] = {"table": source.name, "on": on, "columns": columns}
        if source.keys[0] != on:
            spec["key"] = source.keys[0]
        specs.append(spec)
        taken |= {f"{source.name}_{c}" for c in columns}
    return specs


def event_spec(req: Requirements, grain: EntityGrain, source: Source) -> dict[str, Any]:
    """One entry of events: numbers are summed and averaged, text is counted distinct."""
    skip = {*req.compliance.pii, source.time_col or "", grain.event_key(source)}
    columns = _plain(grain, source, skip)
    spec: dict[str, Any] = {"table": source.name, "time_col": source.time_col}
    numeric = [c.name for c in columns if _kind(c) == "numeric"]
    categorical = [c.name for c in columns if _kind(c) == "text"]
    if numeric:
        spec["numeric"] = numeric
    if categorical:
        spec["categorical"] = categorical
    if grain.event_key(source) != grain.key:
        spec["key"] = grain.event_key(source)
    return spec


def gold_spec(req: Requirements, grain: EntityGrain) -> dict[str, Any]:
    """The ``%%gold NAME`` body with ``kind: entity``."""
    gold: dict[str, Any] = {"kind": "entity", "entity": grain.entity.name, "keys": [grain.key]}
    carried = attributes(req, grain)
    if carried:
        gold["attributes"] = carried
    taken = {grain.key, CUTOFF, req.target, *carried}
    lookups = lookup_specs(req, grain, taken)
    if lookups:
        gold["lookups"] = lookups
    tenure = tenure_from(grain)
    if tenure:
        gold["tenure_from"] = tenure
    gold["events"] = [event_spec(req, grain, s) for s in grain.events]
    gold["windows"] = list(req.windows)
    if grain.labels:
        labels = grain.labels
        gold["labels"] = {"table": labels.name, "time_col": labels.time_col, "target": req.target}
    return gold


Definition = tuple[str, str, str, str, str]  # name, definition, source, window, nulls

COUNT_NULLS = "0 when no event in the window"
VALUE_NULLS = "NULL when no event in the window; imputed (mean) inside the model"


def feature_definitions(gold: dict[str, Any], grain: EntityGrain) -> list[Definition]:
    """The features of the entity Gold table, with their source, window and null policy."""
    entity, key = f"silver.{grain.entity.name}", grain.key
    attribute_nulls = "as delivered; imputed inside the model"
    out: list[Definition] = [
        (a, f"`{a}` of the {key}, as loaded", entity, "—", attribute_nulls)
        for a in gold.get("attributes", [])
    ]
    for lookup in gold.get("lookups", []):
        out += _lookup_definitions(lookup, key)
    if "tenure_from" in gold:
        out.append(
            (
                "tenure_days",
                f"days from `{gold['tenure_from']}` to the cut-off",
                entity,
                "—",
                "NULL when the date is missing",
            )  # fmt: skip
        )
    for event in gold["events"]:
        out += _event_definitions(event, gold["windows"])
    return out


def _lookup_definitions(lookup: dict[str, Any], key: str) -> list[Definition]:
    table, on = lookup["table"], lookup["on"]
    definition = f"of the {table} row for the {key}'s `{on}`, its current value"
    nulls = f"NULL when {table} has no row for the `{on}`; imputed inside the model"
    return [
        (f"{table}_{c}", f"`{c}` {definition}", f"silver.{table}", "—", nulls)
        for c in lookup["columns"]
    ]


def _event_definitions(event: dict[str, Any], windows: list[int]) -> list[Definition]:
    table, source = event["table"], f"silver.{event['table']}"
    out: list[Definition] = []
    for days in windows:
        window, span = f"{days} days", f"in the {days} days before the cut-off"
        out.append((f"{table}_count_{days}d", f"events {span}", source, window, COUNT_NULLS))
        for column in event.get("numeric", []):
            for agg, what in (("sum", "sum"), ("mean", "mean")):
                name = f"{table}_{column}_{agg}_{days}d"
                out.append((name, f"{what} of `{column}` {span}", source, window, VALUE_NULLS))
        for column in event.get("categorical", []):
            name = f"{table}_{column}_distinct_{days}d"
            out.append((name, f"distinct `{column}` {span}", source, window, COUNT_NULLS))
    recency = "NULL when no event before the cut-off; imputed inside the model"
    out.append(
        (
            f"{table}_recency_days",
            "days since the last event before the cut-off",
            source,
            "all before the cut-off",
            recency,
        )  # fmt: skip
    )
    return out

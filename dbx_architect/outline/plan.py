"""Requirements → plan: the Unity Catalog layout, the stage specs, the checklist, the features.

The plan holds plain data (the YAML body of every stage, the tables and their owners), so the
notebook writer only lays it out; every stage cell is later expanded by the same core as a
typed ``%%magic`` cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import SpecError, short
from ..runtime.catalog import ColumnLookup, no_lookup
from ..settings import Settings
from ..spec.requirements import Requirements, Source
from . import entity

NAMING = (
    "Bronze and Silver tables are named after their source (`<catalog>.<layer>.<source>`); the "
    "Gold training table and the registered model after the use case."
)


@dataclass(frozen=True)
class Stage:
    """One ``%%magic NAME`` cell: the magic, the name on its line, and its YAML body."""

    magic: str
    name: str
    spec: dict[str, Any]
    title: str
    why: str

    @property
    def body(self) -> str:
        from ..spec.yaml_body import dump_line

        return "\n".join(dump_line(k, v) for k, v in self.spec.items())

    @property
    def cell(self) -> str:
        return f"%%{self.magic} {self.name}\n{self.body}"


@dataclass(frozen=True)
class TablePlan:
    layer: str
    name: str  # catalog.schema.table
    owner: str | None
    layout: str
    pii: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feature:
    name: str
    definition: str
    source: str
    owner: str
    freshness: str
    nulls: str
    window: str = "—"


@dataclass
class Plan:
    requirements: Requirements
    settings: Settings
    schemas: dict[str, str]  # layer -> catalog.schema
    tables: list[TablePlan] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)
    features: list[Feature] = field(default_factory=list)
    # (privilege, securable such as 'SCHEMA main.gold', principal)
    grants: list[tuple[str, str, str]] = field(default_factory=list)
    checklist: list[tuple[str, bool, str]] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)  # catalog.schema.volume relative sources use
    grain: entity.EntityGrain | None = None  # who is who, for an entity-grain task
    lookup: ColumnLookup = no_lookup  # a live session's view of tables and files, or nothing


def _columns(source: Source) -> list[str] | None:
    if not source.schema_ddl:
        return None
    from ..sql import parse_schema

    return [c.name for c in parse_schema(source.schema_ddl, f"sources: {source.name}: schema")]


@dataclass(frozen=True)
class _Facts:
    """What the stage functions read: the requirements and the decisions shared between stages."""

    req: Requirements
    schemas: dict[str, str]
    columns: dict[str, list[str] | None]
    data_owner: str | None
    ml_owner: str | None
    tags: dict[str, str]
    gold: dict[str, Any]
    keys: list[str]  # the keys of the Gold table, of its predictions and of the monitor
    # On Databricks a relative source path has no folder to resolve against: it is read from a
    # Unity Catalog volume of the Bronze schema instead (./landing/sales/ -> the volume landing).
    landing: str | None = None  # catalog.schema holding those volumes
    grain: entity.EntityGrain | None = None  # who is who, when the model predicts per entity

    def source_path(self, path: str) -> str:
        from ..generators.bronze import is_relative

        if self.landing is None or not is_relative(path):
            return path
        catalog, schema = self.landing.split(".")
        return f"/Volumes/{catalog}/{schema}/{path.removeprefix('./')}"

    def pii(self, source: Source) -> tuple[str, ...]:
        columns = self.columns[source.name] or []
        return tuple(c for c in self.req.compliance.pii if c in columns)

    def cluster_by(self, source: Source) -> list[str]:
        """The keys; events by their entity and time, as Gold reads them per entity and window."""
        grain = self.grain
        if grain and grain.roles[source.name] == "events" and source.time_col:
            return [grain.event_key(source), source.time_col]
        return list(source.keys[:4])

    def source_tags(self, source: Source) -> dict[str, str]:
        return dict(self.tags)

    def pii_tags(self, source: Source) -> dict[str, dict[str, str]]:
        """PII is tagged on its columns, where Unity Catalog's column masks and search find it."""
        return {column: {"pii": "true"} for column in self.pii(source)}


StageOutput = list[tuple[Stage, TablePlan]]


def plan(req: Requirements, settings: Settings, lookup: ColumnLookup = no_lookup) -> Plan:
    """Every decision the outline writes down, checked against the requirements; *lookup* (a
    live session's) reads the columns of files given without schema."""
    settings = replace(settings, catalog=req.catalog or settings.catalog)
    req, grain = entity.resolve(req, lookup)
    result = Plan(req, settings, _layout(settings), grain=grain, lookup=lookup)
    facts = _facts(req, result.schemas, grain)
    if settings.target == "databricks":
        facts = replace(facts, landing=result.schemas["bronze"])
        result.volumes.extend(_volumes(facts))
    for _magic, stage in STAGES:
        for cell, table in stage(facts):
            result.stages.append(cell)
            result.tables.append(table)
    owner = facts.data_owner or "(owner to name)"
    if grain:
        result.features.extend(_entity_features(req, facts.gold, grain, owner))
    else:
        result.features.extend(_features(req, facts.gold, owner))
    result.checklist.extend(_checklist(req))
    _grants(result)
    return result


def _layout(settings: Settings) -> dict[str, str]:
    """Layer → ``catalog.schema``."""
    layers = {
        "bronze": settings.bronze_schema,
        "silver": settings.silver_schema,
        "gold": settings.gold_schema,
        "ml": settings.ml_schema,
    }
    return {layer: f"{settings.catalog}.{schema}" for layer, schema in layers.items()}


def _volumes(facts: _Facts) -> list[str]:
    """The volumes the relative source paths were mapped to (created by the layout cell)."""
    mapped = [facts.source_path(s.path) for s in facts.req.sources if s.path]
    found = [p.split("/")[4] for p in mapped if p.startswith("/Volumes/") and p.count("/") > 4]
    return [f"{facts.landing}.{name}" for name in dict.fromkeys(found)]


def _facts(req: Requirements, schemas: dict[str, str], grain: entity.EntityGrain | None) -> _Facts:
    columns = {s.name: _columns(s) for s in req.sources}
    _check_columns(req, columns)
    data_owner = req.owners.data
    tags = {"use_case": req.base_name}
    if grain:
        gold = _entity_gold(req, grain, data_owner, tags)
        keys = [grain.key, entity.CUTOFF]
    else:
        gold = _gold(req, columns, data_owner, tags)
        keys = (
            [*gold["group_by"], *([req.time_col] if gold.get("grain") and req.time_col else [])]
            if "group_by" in gold
            else list(gold["keys"])
        )
    ml_owner = req.owners.ml or data_owner
    return _Facts(req, schemas, columns, data_owner, ml_owner, tags, gold, keys, grain=grain)


def _bronze(facts: _Facts) -> StageOutput:
    out = []
    for source in facts.req.sources:
        how = (
            "only new files or commits are read"
            if source.load == "incremental"
            else "a full snapshot replaces the table (the guard asks first)"
        )
        why = "Land the source as delivered; " + how
        stage = Stage(
            "bronze", source.name, _bronze_spec(facts, source), f"Bronze: {source.name}", why
        )
        table = TablePlan(
            "bronze",
            f"{facts.schemas['bronze']}.{source.name}",
            facts.data_owner,
            f"liquid clustering on {', '.join(facts.cluster_by(source))} (MERGE on the keys)",
            facts.pii(source),
        )
        out.append((stage, table))
    return out


def _bronze_spec(facts: _Facts, source: Source) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "source": facts.source_path(source.path) if source.path else source.table
    }
    if source.format:
        spec["format"] = source.format
    if source.schema_ddl and source.path:  # a table brings its own columns
        spec["schema"] = source.schema_ddl
    if source.load != "incremental":
        spec["load"] = source.load
    spec["keys"] = list(source.keys)
    spec["cluster_by"] = facts.cluster_by(source)
    spec["comment"] = source.comment or f"{source.name} for {facts.req.base_name}, as delivered"
    if facts.data_owner:
        spec["owner"] = facts.data_owner
    spec["tags"] = facts.source_tags(source)
    if facts.pii(source):
        spec["column_tags"] = facts.pii_tags(source)
    days = facts.req.compliance.retention_days
    if days:
        spec["properties"] = {
            "delta.deletedFileRetentionDuration": f"interval {days} days",
            "delta.logRetentionDuration": f"interval {days} days",
        }
    return spec


def _silver(facts: _Facts) -> StageOutput:
    why = "Clean, check (rows without keys are quarantined, not lost), MERGE on the keys"
    out = []
    for source in facts.req.sources:
        stage = Stage(
            "silver", source.name, _silver_spec(facts, source), f"Silver: {source.name}", why
        )
        table = TablePlan(
            "silver",
            f"{facts.schemas['silver']}.{source.name}",
            facts.data_owner,
            f"liquid clustering on {', '.join(facts.cluster_by(source))}",
            facts.pii(source),
        )
        out.append((stage, table))
    return out


def _silver_spec(facts: _Facts, source: Source) -> dict[str, Any]:
    keys = list(source.keys)
    present = {"name": f"{source.name}_keys_present", "not_null": keys, "action": "quarantine"}
    spec: dict[str, Any] = {
        "from": source.name,
        "keys": list(source.keys),
        "clean": {"trim": True},
        "expect": [present],
        "cluster_by": facts.cluster_by(source),
        "comment": f"{source.name}: cleaned, checked, one row per key",
    }
    if facts.data_owner:
        spec["owner"] = facts.data_owner
    spec["tags"] = facts.source_tags(source)
    if facts.pii(source):
        spec["column_tags"] = facts.pii_tags(source)
    return spec


def _gold_stage(facts: _Facts) -> StageOutput:
    use_case = facts.req.base_name
    why = (
        "The table the model trains on: sources joined, aggregated to the grain, "
        "with the target's history as features"
    )
    layout = "liquid clustering on its keys" if facts.gold.get("group_by") else "by its keys"
    if facts.grain:
        why = _entity_why(facts.grain, facts.gold)
        layout = f"MERGE on {', '.join(facts.keys)}"
    table = TablePlan("gold", f"{facts.schemas['gold']}.{use_case}", facts.data_owner, layout)
    return [(Stage("gold", use_case, facts.gold, f"Gold: {use_case}", why), table)]


def _modelzoo(facts: _Facts) -> StageOutput:
    req = facts.req
    zoo: dict[str, Any] = {"table": req.base_name, "target": req.target, "task": req.task}
    if facts.grain:
        zoo["exclude"] = list(facts.keys)  # the entity key and the cut-off are no features
        if facts.grain.labels:  # train on the earlier cut-offs, test on the latest
            zoo["time_col"] = entity.CUTOFF
            zoo["split"] = {"method": "time"}
    elif req.time_col:
        zoo["time_col"] = req.time_col
        if req.task != "forecast":
            zoo["split"] = {"method": "time"}
    first = "logistic" if req.task == "classification" else "linear"
    zoo["models"] = [first, "random_forest", "hist_gbm"]
    zoo["register"] = req.base_name
    zoo["promote_if"] = {"min_improvement": 0.0}
    why = (
        "A baseline and candidates on one shared split, logged to MLflow, the winner "
        "registered as @challenger and promoted to @champion only when it is better"
    )
    zoo.update(_business(req))
    if req.chooser:
        zoo["promote_if"]["metric"] = req.chooser
        why += f" on {req.chooser}"
    name = f"{facts.schemas['gold']}.{req.base_name}_evaluation"
    table = TablePlan("gold", name, facts.ml_owner, "append-only leaderboard")
    return [(Stage("modelzoo", req.base_name, zoo, f"Model zoo: {req.base_name}", why), table)]


def _business(req: Requirements) -> dict[str, Any]:
    """The requirements' KPIs, costs and chooser, in the zoo's own keys."""
    keys: dict[str, Any] = {}
    if req.kpis:
        keys["kpis"] = _kpis(req)
    if req.costs:
        keys["costs"] = {k: plain_number(v) for k, v in req.costs.model_dump().items()}
    if req.chooser:
        keys["select_by"] = req.chooser
    return keys


def _kpis(req: Requirements) -> dict[str, Any]:
    """The KPIs as a user writes them: the SQL alone when more is better."""
    return {n: k.sql if k.goal == "max" else k.model_dump() for n, k in req.kpis.items()}


def plain_number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _deploy(facts: _Facts) -> StageOutput:
    use_case = facts.req.base_name
    spec = {"table": use_case, "keys": facts.keys}
    why = (
        "The latest Gold rows scored with @champion into the predictions table, which "
        "records the model version of every prediction"
    )
    name = f"{facts.schemas['gold']}.{use_case}_predictions"
    table = TablePlan("gold", name, facts.ml_owner, "MERGE on the keys and the model version")
    return [(Stage("deploy", use_case, spec, f"Batch scoring: {use_case}", why), table)]


def _monitor(facts: _Facts) -> StageOutput:
    req = facts.req
    grain = facts.gold.get("grain") or ""
    window = {"day": "week", "week": "month", "month": "month"}.get(grain, "day")
    spec: dict[str, Any] = {
        "time_col": req.time_col if req.time_col in facts.keys else "scored_at",
        "window": window,
        "label": req.target,
        "label_table": req.base_name,
        "keys": facts.keys,
        "trigger": {"k": 2, "n": 3},
    }
    if req.kpis:  # the business KPIs per window, once labels arrive
        spec["kpis"] = _kpis(req)
    why = (
        "Drift of every feature and of the predictions against the training data (PSI, "
        "KS) per window, performance once the true values arrive, and a retrain "
        "trigger when 2 of the last 3 windows drift and the latest does"
    )
    name = f"{facts.schemas['gold']}.{req.base_name}_monitoring"
    table = TablePlan("gold", name, facts.ml_owner, "MERGE per window, feature and statistic")
    return [(Stage("monitor", req.base_name, spec, f"Monitoring: {req.base_name}", why), table)]


STAGES: tuple[tuple[str, Callable[[_Facts], StageOutput]], ...] = (
    ("bronze", _bronze),
    ("silver", _silver),
    ("gold", _gold_stage),
    ("modelzoo", _modelzoo),
    ("deploy", _deploy),
    ("monitor", _monitor),
)
"""The ``%%magic`` cells of the plan, in workflow order: each function makes the cells of one
stage and the tables they write."""


def _check_columns(req: Requirements, columns: dict[str, list[str] | None]) -> None:
    known = [c for cols in columns.values() if cols for c in cols]
    all_declared = all(cols is not None for cols in columns.values())
    for column in req.compliance.pii:
        if all_declared and column not in known:
            raise SpecError(
                f"compliance.pii: {short(column)} is not a column of any source "
                f"({', '.join(sorted(set(known)))})"
            )
    if all_declared and req.target not in known:
        raise SpecError(f"target: {short(req.target)} is not a column of any source")
    if all_declared and req.time_col and req.time_col not in known:
        raise SpecError(f"time_col: {short(req.time_col)} is not a column of any source")


def _gold(
    req: Requirements, columns: dict[str, list[str] | None], owner: str | None, tags: dict
) -> dict[str, Any]:
    first = req.sources[0]
    gold: dict[str, Any] = {"from": [s.name for s in req.sources]}
    if len(req.sources) > 1:
        first_columns = set(columns[first.name] or first.keys)
        shared: list[str] = []
        for other in req.sources[1:]:
            on = [k for k in other.keys if k in first_columns]
            if not on:
                raise SpecError(
                    f"sources: {other.name} shares no key column with {first.name}; "
                    f"Gold joins them on shared keys"
                )
            shared += [k for k in on if k not in shared]
        gold["join"] = {"on": shared, "how": "left"}
    group_by = list(req.group_by) or [k for k in first.keys if k != req.time_col]
    aggregate = "max" if req.task == "classification" else "sum"
    if req.grain or req.group_by:
        gold["group_by"] = group_by
        if req.grain:
            gold["grain"] = req.grain
            gold["time_col"] = req.time_col
        gold["aggregates"] = {req.target: f"{aggregate}({req.target})", "source_rows": "count(*)"}
        if req.task == "forecast" and req.time_col:
            gold["features"] = [
                {"lag": {"column": req.target, "by": group_by, "order": req.time_col}},
            ]
    else:
        gold["keys"] = list(first.keys)
        gold["kind"] = "features"
    gold["comment"] = f"{req.base_name}: the training table"
    if owner:
        gold["owner"] = owner
    gold["tags"] = dict(tags)
    return gold


def _entity_gold(
    req: Requirements, grain: entity.EntityGrain, owner: str | None, tags: dict[str, str]
) -> dict[str, Any]:
    gold = entity.gold_spec(req, grain)
    gold["comment"] = f"{req.base_name}: one row per {grain.key} and cut-off, the training table"
    if owner:
        gold["owner"] = owner
    gold["tags"] = dict(tags)
    return gold


def _entity_why(grain: entity.EntityGrain, gold: dict[str, Any]) -> str:
    events = ", ".join(s.name for s in grain.events) or "no event source"
    why = (
        f"The table the model trains on: one row per {grain.key} and cut-off, with "
        f"{grain.entity.name}'s attributes and windowed aggregates of {events}"
    )
    if grain.labels:
        why += f"; the cut-offs are {grain.labels.name}'s dates (only events before them count)"
    joined = {lookup["table"]: lookup["on"] for lookup in gold.get("lookups", [])}
    if joined:
        on = ", ".join(f"{name} on {column}" for name, column in joined.items())
        why += f"; lookups joined as current values: {on}"
    apart = [n for n, role in grain.roles.items() if role == "lookup" and n not in joined]
    if apart:
        why += f"; {', '.join(apart)} (lookup, not referred to by the entity) stay in Silver"
    return why


def _entity_features(
    req: Requirements, gold: dict[str, Any], grain: entity.EntityGrain, owner: str
) -> list[Feature]:
    freshness = req.sla or "each batch run"
    return [
        Feature(name, definition, source, owner, freshness, nulls, window)
        for name, definition, source, window, nulls in entity.feature_definitions(gold, grain)
    ]


def _features(req: Requirements, gold: dict[str, Any], owner: str) -> list[Feature]:
    freshness = req.sla or ("continuous" if req.latency == "streaming" else "each batch run")
    sources = ", ".join(f"silver.{s.name}" for s in req.sources)
    at = f" and {gold['grain']}" if gold.get("grain") else ""
    nulls = "never NULL (an aggregate of present rows)"
    features = [
        Feature(
            name,
            f"`{expression}` per {', '.join(gold['group_by'])}{at}",
            sources,
            owner,
            freshness,
            nulls,
        )
        for name, expression in gold.get("aggregates", {}).items()
    ]
    lag_nulls = "NULL in each series' first period; imputed (mean) inside the model"
    for item in gold.get("features", []):
        lag = item["lag"]
        definition = (
            f"{lag['column']} one {gold.get('grain', 'row')} earlier, per {', '.join(lag['by'])}"
        )
        features.append(
            Feature(
                f"{lag['column']}_lag1",
                definition,
                f"gold.{req.base_name}",
                owner,
                freshness,
                lag_nulls,
            )
        )
    return features


def _grants(result: Plan) -> None:
    """Each principal gets the whole chain it needs: a privilege on a schema is of no use without
    USE CATALOG on its catalog and USE SCHEMA on the schema."""
    owners = result.requirements.owners
    gold, ml = f"SCHEMA {result.schemas['gold']}", f"SCHEMA {result.schemas['ml']}"
    catalog = f"CATALOG {result.schemas['gold'].split('.')[0]}"
    for reader in owners.readers:
        result.grants += [(p, on, reader) for p, on in _reader_chain(catalog, gold)]
    if owners.ml and owners.ml != owners.data:  # it creates and fills the model tables in Gold
        result.grants += [(p, on, owners.ml) for p, on in _ml_chain(catalog, gold, ml)]
    if result.grants:
        chains = {
            who: [f"{p} on {on}" for p, on, w in result.grants if w == who]
            for _, _, who in result.grants
        }
        detail = "; ".join(f"{who}: {', '.join(chain)}" for who, chain in chains.items())
        result.checklist.append(("Every grant is usable (catalog, schema, object)", True, detail))


def _reader_chain(catalog: str, gold: str) -> list[tuple[str, str]]:
    return [("USE CATALOG", catalog), ("USE SCHEMA", gold), ("SELECT", gold)]


def _ml_chain(catalog: str, gold: str, ml: str) -> list[tuple[str, str]]:
    on_gold = [(p, gold) for p in ("USE SCHEMA", "SELECT", "MODIFY", "CREATE TABLE")]
    return [("USE CATALOG", catalog), *on_gold, ("ALL PRIVILEGES", ml)]


def _checklist(req: Requirements) -> list[tuple[str, bool, str]]:
    data, pii, days = req.owners.data, req.compliance.pii, req.compliance.retention_days
    owner = f"owner {data}" if data else "gap: owners.data is not given"
    silver = "keys present (quarantine) on " + ", ".join(s.name for s in req.sources)
    no_pii = "gap: no PII declared; confirm the sources hold none"
    tagged = f"tagged pii: {', '.join(pii)}" if pii else no_pii
    logged = f"MLflow experiment per model, leaderboard in gold.{req.base_name}_evaluation"
    no_days = "gap: compliance.retention_days is not given"
    kept = f"{days} days of Delta history and deleted files" if days else no_days
    guarded = "full loads and backfills run under %%guard with a RESTORE line"
    return [
        ("Naming follows one convention", True, NAMING),
        ("Every table has an owner", bool(data), owner),
        ("Every table has a comment", True, "set by every stage cell"),
        ("Quality rules on every Silver table", True, silver),
        ("PII columns are tagged", bool(pii), tagged),
        ("Runs and models are logged", True, logged),
        ("Retention is set", bool(days), kept),
        ("Destructive operations are guarded", True, guarded),
    ]

"""Requirements → plan: the Unity Catalog layout, the stage specs, the checklist, the features.

The plan holds plain data (the YAML body of every stage, the tables and their owners), so the
notebook writer only lays it out; every stage cell is later expanded by the same core as a
typed ``%%magic`` cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import SpecError, short
from ..settings import Settings
from ..spec.requirements import Requirements, Source

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


@dataclass
class Plan:
    requirements: Requirements
    settings: Settings
    schemas: dict[str, str]  # layer -> catalog.schema
    tables: list[TablePlan] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)
    features: list[Feature] = field(default_factory=list)
    grants: list[tuple[str, str, str]] = field(default_factory=list)  # (privilege, on, principal)
    checklist: list[tuple[str, bool, str]] = field(default_factory=list)


def _columns(source: Source) -> list[str] | None:
    if not source.schema_ddl:
        return None
    from ..sql import parse_schema

    return [c.name for c in parse_schema(source.schema_ddl, f"sources: {source.name}: schema")]


def plan(req: Requirements, settings: Settings) -> Plan:
    """Every decision the outline writes down, checked against the requirements."""
    catalog = req.catalog or settings.catalog
    settings = Settings(**{**settings.__dict__, "catalog": catalog})
    layers = {
        "bronze": settings.bronze_schema,
        "silver": settings.silver_schema,
        "gold": settings.gold_schema,
        "ml": settings.ml_schema,
    }
    result = Plan(req, settings, {k: f"{catalog}.{v}" for k, v in layers.items()})
    columns = {s.name: _columns(s) for s in req.sources}
    _check_columns(req, columns)
    data_owner, ml_owner = req.owners.data, req.owners.ml or req.owners.data
    tags = {"use_case": req.use_case}

    for source in req.sources:
        pii = tuple(c for c in req.compliance.pii if c in (columns[source.name] or []))
        source_tags = {**tags, **({"pii": ",".join(pii)} if pii else {})}
        comment = source.comment or f"{source.name} for {req.use_case}, as delivered"
        bronze: dict[str, Any] = {"source": source.path or source.table}
        if source.format:
            bronze["format"] = source.format
        if source.schema_ddl:
            bronze["schema"] = source.schema_ddl
        if source.load != "incremental":
            bronze["load"] = source.load
        bronze["keys"] = list(source.keys)
        bronze["cluster_by"] = list(source.keys[:4])
        bronze["comment"] = comment
        if data_owner:
            bronze["owner"] = data_owner
        bronze["tags"] = source_tags
        if req.compliance.retention_days:
            days = req.compliance.retention_days
            bronze["properties"] = {
                "delta.deletedFileRetentionDuration": f"interval {days} days",
                "delta.logRetentionDuration": f"interval {days} days",
            }
        result.stages.append(
            Stage(
                "bronze",
                source.name,
                bronze,
                f"Bronze: {source.name}",
                "Land the source as delivered; "
                + (
                    "only new files or commits are read"
                    if source.load == "incremental"
                    else "a full snapshot replaces the table (the guard asks first)"
                ),
            )
        )
        result.tables.append(
            TablePlan("bronze", f"{result.schemas['bronze']}.{source.name}", data_owner,
                      f"liquid clustering on {', '.join(source.keys[:4])} (MERGE on the keys)", pii)
        )  # fmt: skip

    for source in req.sources:
        pii = tuple(c for c in req.compliance.pii if c in (columns[source.name] or []))
        silver: dict[str, Any] = {
            "from": source.name,
            "keys": list(source.keys),
            "clean": {"trim": True},
            "expect": [
                {"name": f"{source.name}_keys_present", "not_null": list(source.keys),
                 "action": "quarantine"},
            ],
            "cluster_by": list(source.keys[:4]),
            "comment": f"{source.name}: cleaned, checked, one row per key",
        }  # fmt: skip
        if data_owner:
            silver["owner"] = data_owner
        silver["tags"] = {**tags, **({"pii": ",".join(pii)} if pii else {})}
        result.stages.append(
            Stage("silver", source.name, silver, f"Silver: {source.name}",
                  "Clean, check (rows without keys are quarantined, not lost), MERGE on the keys")
        )  # fmt: skip
        result.tables.append(
            TablePlan("silver", f"{result.schemas['silver']}.{source.name}", data_owner,
                      f"liquid clustering on {', '.join(source.keys[:4])}", pii)
        )  # fmt: skip

    gold = _gold(req, columns, data_owner, tags)
    result.stages.append(
        Stage("gold", req.use_case, gold, f"Gold: {req.use_case}",
              "The table the model trains on: sources joined, aggregated to the grain, "
              "with the target's history as features")
    )  # fmt: skip
    result.tables.append(
        TablePlan("gold", f"{result.schemas['gold']}.{req.use_case}", data_owner,
                  "liquid clustering on its keys" if gold.get("group_by") else "by its keys")
    )  # fmt: skip
    zoo: dict[str, Any] = {"table": req.use_case, "target": req.target, "task": req.task}
    if req.time_col:
        zoo["time_col"] = req.time_col
        if req.task != "forecast":
            zoo["split"] = {"method": "time"}
    zoo["models"] = (
        ["linear", "random_forest", "hist_gbm"]
        if req.task != "classification"
        else ["logistic", "random_forest", "hist_gbm"]
    )
    zoo["register"] = req.use_case
    zoo["promote_if"] = {"min_improvement": 0.0}
    result.stages.append(
        Stage("modelzoo", req.use_case, zoo, f"Model zoo: {req.use_case}",
              "A baseline and candidates on one shared split, logged to MLflow, the winner "
              "registered as @challenger and promoted to @champion only when it is better")
    )  # fmt: skip
    result.tables.append(
        TablePlan("gold", f"{result.schemas['gold']}.{req.use_case}_evaluation", ml_owner,
                  "append-only leaderboard")
    )  # fmt: skip

    keys = (
        [*gold["group_by"], *([req.time_col] if gold.get("grain") else [])]
        if "group_by" in gold
        else list(gold["keys"])
    )
    result.stages.append(
        Stage("deploy", req.use_case, {"table": req.use_case, "keys": keys},
              f"Batch scoring: {req.use_case}",
              "The latest Gold rows scored with @champion into the predictions table, which "
              "records the model version of every prediction")
    )  # fmt: skip
    result.tables.append(
        TablePlan("gold", f"{result.schemas['gold']}.{req.use_case}_predictions", ml_owner,
                  "MERGE on the keys and the model version")
    )  # fmt: skip

    time_col = req.time_col if req.time_col in keys else "scored_at"
    grain = gold.get("grain")
    monitor: dict[str, Any] = {
        "time_col": time_col,
        "window": {"day": "week", "week": "month", "month": "month"}.get(grain, "day"),
        "label": req.target,
        "label_table": req.use_case,
        "keys": keys,
        "trigger": {"k": 2, "n": 3},
    }
    result.stages.append(
        Stage("monitor", req.use_case, monitor, f"Monitoring: {req.use_case}",
              "Drift of every feature and of the predictions against the training data (PSI, "
              "KS) per window, performance once the true values arrive, and a retrain "
              "trigger when 2 of the last 3 windows drift and the latest does")
    )  # fmt: skip
    result.tables.append(
        TablePlan("gold", f"{result.schemas['gold']}.{req.use_case}_monitoring", ml_owner,
                  "MERGE per window, feature and statistic")
    )  # fmt: skip

    _features(result, gold, data_owner or "(owner to name)")
    _grants(result)
    _checklist(result)
    return result


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
    gold["comment"] = f"{req.use_case}: the training table"
    if owner:
        gold["owner"] = owner
    gold["tags"] = dict(tags)
    return gold


def _features(result: Plan, gold: dict[str, Any], owner: str) -> None:
    req = result.requirements
    freshness = req.sla or ("continuous" if req.latency == "streaming" else "each batch run")
    sources = ", ".join(f"silver.{s.name}" for s in req.sources)
    for name, expression in gold.get("aggregates", {}).items():
        result.features.append(
            Feature(name, f"`{expression}` per {', '.join(gold['group_by'])}"
                    + (f" and {gold['grain']}" if gold.get("grain") else ""),
                    sources, owner, freshness, "never NULL (an aggregate of present rows)")
        )  # fmt: skip
    for item in gold.get("features", []):
        lag = item["lag"]
        result.features.append(
            Feature(f"{lag['column']}_lag1",
                    f"{lag['column']} one {gold.get('grain', 'row')} earlier, per "
                    f"{', '.join(lag['by'])}",
                    f"gold.{req.use_case}", owner, freshness,
                    "NULL in each series' first period; imputed (mean) inside the model")
        )  # fmt: skip


def _grants(result: Plan) -> None:
    owners = result.requirements.owners
    for reader in owners.readers:
        result.grants.append(("USE SCHEMA", result.schemas["gold"], reader))
        result.grants.append(("SELECT", result.schemas["gold"], reader))
    if owners.ml and owners.ml != owners.data:
        result.grants.append(("SELECT", result.schemas["gold"], owners.ml))
        result.grants.append(("ALL PRIVILEGES", result.schemas["ml"], owners.ml))


def _checklist(result: Plan) -> None:
    req = result.requirements
    check = result.checklist.append
    check(("Naming follows one convention", True, NAMING))
    owned = bool(req.owners.data)
    check(("Every table has an owner", owned,
           f"owner {req.owners.data}" if owned else "gap: owners.data is not given"))  # fmt: skip
    check(("Every table has a comment", True, "set by every stage cell"))
    check(("Quality rules on every Silver table", True,
           "keys present (quarantine) on " + ", ".join(s.name for s in req.sources)))  # fmt: skip
    pii = req.compliance.pii
    check(("PII columns are tagged", bool(pii),
           f"tagged pii: {', '.join(pii)}" if pii
           else "gap: no PII declared; confirm the sources hold none"))  # fmt: skip
    check(
        (
            "Runs and models are logged",
            True,
            f"MLflow experiment per model, leaderboard in gold.{req.use_case}_evaluation",
        )
    )
    days = req.compliance.retention_days
    check(("Retention is set", bool(days),
           f"{days} days of Delta history and deleted files" if days
           else "gap: compliance.retention_days is not given"))  # fmt: skip
    check(("Destructive operations are guarded", True,
           "full loads and backfills run under %%guard with a RESTORE line"))  # fmt: skip

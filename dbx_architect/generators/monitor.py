"""``%%monitor``: the model, tables, windows and thresholds the drift template needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import SpecError
from ..names import TableName, parse_table_name
from ..runtime.catalog import ColumnLookup
from ..settings import Settings
from ..spec.monitor import MonitorSpec
from .columns import Columns
from .common import ModelContext
from .deploy import resolve_model, spark_model_volume

# Fine quantile buckets of the baseline: KS is exact at each of their edges and off by at most
# 1 / FINE_BINS between them; PSI merges them into the spec's `bins`.
FINE_BINS = 1000
GRANULARITY = {"day": "1 day", "week": "1 week", "month": "1 month"}


@dataclass(frozen=True)
class MonitorContext(ModelContext):
    table: str  # the scored table
    time_col: str
    window: str
    granularity: str
    granularity_member: str  # the same, as databricks-sdk's AggregationGranularity member
    features: list[str]
    label: str | None
    label_table: str | None
    keys: list[str]
    kpis: list[dict[str, Any]]  # key (kpi_<name>), name, text, sql (Spark SQL), lower_is_better
    kpi_columns: list[str]  # the scored table's columns the KPIs read
    kpi_probability: bool  # a KPI reads probability (the scored table must have it)
    baseline: str | None
    psi_threshold: float
    ks_alpha: float
    bins: int
    fine_bins: int
    min_rows: int
    trigger: dict[str, int]
    monitoring_table: str
    schema_name: str
    table_plain: str
    schema_plain: str
    lakehouse_monitoring: bool
    name: str
    dfs_tmp: dict[str, str] | None


def _lines(text: str, width: int = 84) -> list[str]:
    """*text* cut at spaces into pieces that join back to it exactly (implicit concatenation)."""
    groups: list[list[str]] = [[]]
    for word in text.split(" "):
        if groups[-1] and len(" ".join([*groups[-1], word])) > width:
            groups.append([])
        groups[-1].append(word)
    return [" ".join(g) + " " for g in groups[:-1]] + [" ".join(groups[-1])]


def _kpis(spec: MonitorSpec, columns: Columns) -> dict[str, Any]:
    """The KPI fields: each KPI checked by %%modelzoo's parser, against the table if known."""
    from .kpis import parse_kpi

    kpis = []
    for name, kpi in spec.kpis.items():
        # the task is not known here: probability passes when the table has such a column
        parsed = parse_kpi(name, kpi.sql, kpi.goal, True, columns.names)
        lowered = ["probability"] if columns.names is None else [c.lower() for c in columns.names]
        if parsed.uses_probability and "probability" not in lowered:
            raise SpecError(
                f"kpis.{name}: the scored table has no probability column"
                " (%%deploy writes prediction only)"
            )
        kpis.append({**vars(parsed), "key": f"kpi_{name}", "sql_lines": _lines(parsed.sql)})
    return {
        "kpis": kpis,
        "kpi_columns": list(dict.fromkeys(c for k in kpis for c in k["columns"])),
        "kpi_probability": any(k["uses_probability"] for k in kpis),
    }


def plan_monitor(
    spec: MonitorSpec, name: TableName, settings: Settings, lookup: ColumnLookup
) -> MonitorContext:
    databricks = settings.target == "databricks"
    if spec.lakehouse_monitoring and not databricks:
        raise SpecError(
            "lakehouse_monitoring: Lakehouse Monitoring exists only on Databricks; "
            "add --target databricks"
        )
    model, version, alias = resolve_model(spec.model, name, settings)

    def table(value: str | None, key: str, default: str) -> TableName:
        return parse_table_name(value or default, key, settings.catalog, settings.gold_schema)

    scored = table(spec.table, "table", f"{name.table}_predictions")
    columns = Columns(lookup(scored.dotted))
    columns.require("time_col", [spec.time_col])
    columns.require("features", spec.features)
    columns.require("keys", spec.keys)
    labels = table(spec.label_table, "label_table", "-") if spec.label_table else None
    if labels and spec.label:  # the spec gives label whenever it gives label_table
        Columns(lookup(labels.dotted)).require("label", [spec.label, *spec.keys])
    elif spec.label:
        columns.require("label", [spec.label])
    kpis = _kpis(spec, columns)  # before the other tables: checks the scored table's columns
    monitoring = table(spec.monitoring_table, "monitoring_table", f"{name.table}_monitoring")
    baseline = table(spec.baseline, "baseline", "-") if spec.baseline else None
    return MonitorContext(
        databricks=databricks,
        model=model,
        alias=alias,
        version=version,
        table=scored.dotted,
        time_col=spec.time_col,
        window=spec.window,
        granularity=GRANULARITY[spec.window],
        granularity_member="AGGREGATION_GRANULARITY_"
        + GRANULARITY[spec.window].upper().replace(" ", "_"),
        features=list(spec.features),
        label=spec.label,
        label_table=labels.dotted if labels else None,
        keys=list(spec.keys),
        **kpis,
        baseline=baseline.dotted if baseline else None,
        psi_threshold=spec.psi_threshold,
        ks_alpha=spec.ks_alpha,
        bins=spec.bins,
        fine_bins=FINE_BINS,
        min_rows=spec.min_rows,
        trigger={"k": spec.trigger.k, "n": spec.trigger.n},
        monitoring_table=monitoring.dotted,
        schema_name=monitoring.schema_dotted,
        table_plain=f"{scored.catalog}.{scored.schema}.{scored.table}",
        schema_plain=f"{monitoring.catalog}.{monitoring.schema}",
        lakehouse_monitoring=spec.lakehouse_monitoring,
        name=name.table,
        dfs_tmp=spark_model_volume(settings),
    )

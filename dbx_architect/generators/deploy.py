"""``%%deploy``: the model, tables and gate the scoring template needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import SpecError
from ..metrics import METRICS
from ..names import TableName, check_identifier, parse_table_name, sql_ident
from ..runtime.catalog import ColumnLookup
from ..settings import Settings
from ..spec.deploy import MODEL_REF, DeploySpec
from .columns import Columns
from .common import ModelContext


def resolve_model(
    ref: str | None, name: TableName, settings: Settings
) -> tuple[str, str | None, str | None]:
    """``model:`` (NAME, NAME@alias, NAME/version; default the cell's NAME @champion) as
    (registered name, version, alias); on Unity Catalog a short name gets catalog and ml schema."""
    match = MODEL_REF.match(ref or "")
    assert match is not None  # the spec checked the form
    model = match.group("name") or name.table
    for part in model.split("."):
        check_identifier(part, "model")
    if settings.target == "databricks" and "." not in model:
        model = f"{settings.catalog}.{settings.ml_schema}.{model}"
    version = match.group("version")
    return model, version, None if version else (match.group("alias") or "champion")


def spark_model_volume(settings: Settings) -> dict[str, str] | None:
    """Where Spark ML models pass on their way to and from MLflow on Databricks (shared and
    serverless compute write them through a Unity Catalog volume, ``MLFLOW_DFS_TMP``); None
    locally, where MLflow's own temporary folder is used."""
    if settings.target != "databricks":
        return None
    parts = (settings.catalog, settings.ml_schema, "mlflow_tmp")
    return {
        "schema": ".".join(sql_ident(p) for p in parts[:2]),
        "volume": ".".join(sql_ident(p) for p in parts),
        "path": "/Volumes/" + "/".join(parts),
    }


@dataclass(frozen=True)
class DeployContext(ModelContext):
    source_table: str
    predictions_table: str
    schema_name: str
    keys: list[str]
    gate: dict[str, Any] | None
    promote: bool
    rollback: bool
    result_type: str
    log_features: bool
    prediction_type: str
    dfs_tmp: dict[str, str] | None


def plan_deploy(
    spec: DeploySpec, name: TableName, settings: Settings, lookup: ColumnLookup
) -> DeployContext:
    databricks = settings.target == "databricks"
    model, version, alias = resolve_model(spec.model, name, settings)
    if (spec.gate or spec.rollback) and version:
        raise SpecError("model: a gate or a rollback works on aliases, not a fixed version")
    source = parse_table_name(spec.table, "table", settings.catalog, settings.gold_schema)
    Columns(lookup(source.dotted)).require("keys", spec.keys)
    predictions = parse_table_name(
        spec.predictions_table or f"{name.table}_predictions",
        "predictions_table",
        settings.catalog,
        settings.gold_schema,
    )
    gate = None
    if spec.gate:
        data = parse_table_name(spec.gate.data, "gate.data", settings.catalog, settings.gold_schema)
        Columns(lookup(data.dotted)).require("gate.label", [spec.gate.label])
        gate = {
            "table": data.dotted,
            "label": spec.gate.label,
            "metric": spec.gate.metric,
            "min_improvement": spec.gate.min_improvement,
            "lower_is_better": METRICS[spec.gate.metric].lower_is_better,
            "evaluator": METRICS[spec.gate.metric].spark_evaluator,
            "evaluator_metric": METRICS[spec.gate.metric].spark_name,
        }
    return DeployContext(
        databricks=databricks,
        model=model,
        alias=alias,
        version=version,
        source_table=source.dotted,
        predictions_table=predictions.dotted,
        schema_name=predictions.schema_dotted,
        keys=list(spec.keys),
        gate=gate,
        promote=spec.promote,
        rollback=spec.rollback,
        result_type=spec.result_type,
        log_features=spec.log_features,
        prediction_type="DOUBLE" if spec.result_type == "double" else "STRING",
        dfs_tmp=spark_model_volume(settings),
    )

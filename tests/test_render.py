"""Golden files for every rendered magic cell, on both targets, and what every render promises."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from dbx_architect.errors import SpecError
from dbx_architect.expand import expand
from dbx_architect.settings import DbxArchitect, Settings

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("DBX_UPDATE_GOLDENS") == "1"

BRONZE = {
    "csv_append": """
source: /landing/sales/
format: csv
schema: id INT, store STRING, amount DOUBLE, sold_at TIMESTAMP
partition_by: [store]
""",
    "csv_merge_governed": """
source: /landing/orders/*.csv
schema: order_id BIGINT NOT NULL COMMENT 'order number', amount DECIMAL(10,2), updated TIMESTAMP
keys: [order_id]
cluster_by: [order_id]
options: {header: true, sep: ";"}
comment: Orders as the shop exports them
owner: data-eng@example.com
tags: {domain: sales}
column_tags: {amount: {sensitivity: confidential}, order_id: {pii: "false"}}
properties: {delta.appendOnly: false, quality: bronze}
""",
    "json_full": """
source: /landing/events.json
load: full
""",
    "parquet_incremental": """
source: /landing/stores/
format: parquet
schema: store STRING, region STRING, opened DATE
""",
    "delta_path": """
source: /mnt/raw/sensors
format: delta
""",
    "table_incremental": """
source: raw.orders_feed
""",
    "table_full_keys": """
source: samples.tpch.orders
format: table
load: full
keys: [o_orderkey]
""",
}


SILVER = {
    "minimal": """
from: sales
keys: [id]
""",
    "full_load_shaped": """
from: raw.orders
load: full
keys: [order_id]
order_by: [updated_at]
select: [order_id, customer, amount, updated_at]
rename: {customer: customer_id}
casts: {amount: "DECIMAL(10,2)", updated_at: timestamp}
clean: {trim: [customer_id], lower: [customer_id], fill: {amount: 0}, drop_nulls: [order_id]}
partition_by: [customer_id]
comment: One row per order, latest update wins
owner: data-eng
tags: {domain: sales}
""",
    "quality_all_actions": """
from: sales
keys: [store, item, day]
expect:
  - {name: units_in_range, range: {units: [0, 10000]}, action: quarantine}
  - {name: known_store, in: {store: [north, south, east]}, action: drop}
  - {name: positive_price, rule: price > 0}
  - {name: one_row_per_key, unique: [store, item, day], action: warn}
  - {name: has_day, not_null: [day], action: fail}
""",
    "features_incremental": """
from: sales
keys: [store, item, day]
order_by: [_ingested_at]
clean: {trim: true}
features:
  - date_parts: day
  - lag: {column: units, by: [store, item], order: day, periods: 7}
  - rolling: {column: units, by: [store, item], order: day, window: 7, agg: mean}
  - rolling: {column: units, by: store, order: [day, item], window: 3, agg: max, name: store_peak}
  - ratio: {name: revenue_per_unit, num: revenue, den: units}
  - expr: {revenue_k: revenue / 1000}
cluster_by: [store, day]
""",
}

GOLD = {
    "weekly_join": """
from: [sales, stores]
join: {on: [store], how: left}
group_by: [store, region]
grain: week
time_col: day
aggregates: {units: sum(units), revenue: sum(units * price)}
features:
  - lag: {column: units, by: store, order: day}
cluster_by: [store]
""",
    "monthly_one_table": """
from: main.silver.sales
group_by: [item]
grain: month
time_col: day
aggregates: {units: sum(units), stores: count(distinct store)}
keys: [item, day]
owner: demand-planning
tags: {tier: gold}
""",
    "feature_table": """
from: sales
kind: features
keys: [store, item, day]
time_col: day
features:
  - date_parts: day
""",
    "predictions_table": """
kind: predictions
keys: [store, day]
""",
    "evaluation_table": """
kind: evaluation
""",
    "monitoring_table": """
kind: monitoring
partition_by: [model_name]
""",
    "entity_labels": """
kind: entity
entity: accounts
keys: [account_id]
attributes: [plan, region]
tenure_from: signup_date
events:
  - table: usage_events
    time_col: event_time
    numeric: [minutes, sessions]
    categorical: [feature]
  - table: crm.tickets
    time_col: opened_at
    key: acct_id
windows: [7, 30, 90]
labels: {table: churn_labels, time_col: label_date, target: churned, key: acct}
owner: growth-team
""",
    "entity_as_of": """
kind: entity
entity: main.silver.customers
keys: customer_id
events:
  - {table: orders, time_col: ordered_at, numeric: [amount], name: order}
windows: [30]
as_of: 2026-06-30
cluster_by: [customer_id]
""",
    "entity_lookups": """
kind: entity
entity: accounts
keys: [account_id]
attributes: [plan]
lookups:
  - {table: plans, on: plan, columns: [price_per_seat, tier]}
  - {table: crm.regions, on: region_code, key: code, columns: [country], prefix: region}
events:
  - {table: usage_events, time_col: event_time, numeric: [minutes]}
windows: [30]
""",
}

MODELZOO = {
    "regression": """
table: weekly_demand
target: units
task: regression
exclude: [store]
cv: 5
models: [linear, random_forest, extra_trees, hist_gbm]
params: {random_forest: {n_estimators: 300, max_depth: 12}}
""",
    "classification_registered": """
table: main.gold.churn
target: churned
task: classification
split: {method: group, group_col: customer_id, test_size: 0.25, seed: 7}
cv: 3
metric: roc_auc
register: churn
alias: challenger
promote_if: {metric: roc_auc, min_improvement: 0.01}
leaderboard_table: ml_leaderboards
""",
    "forecast": """
table: weekly_demand
target: units
task: forecast
time_col: day
features: [units_lag1, price]
lags: [2, 4]
series: [store, item]
split: {gap: 1}
cv: 4
""",
    "spark_classification_registered": """
table: churn
target: churned
task: classification
engine: spark
models: [logistic, random_forest, hist_gbm]
params: {random_forest: {numTrees: 50, maxDepth: 8}}
register: churn
promote_if: {min_improvement: 0.005}
""",
    "spark_forecast": """
table: weekly_demand
target: units
task: forecast
engine: spark
time_col: day
exclude: [revenue]
split: {gap: 2, test_size: 0.25}
cv: 3
models: [linear, random_forest]
""",
    "kpis_costs": """
table: churn
target: churned
task: classification
exclude: [revenue]
models: [logistic, hist_gbm]
kpis:
  retained: sum(case when prediction = 1 and label = 1 then revenue end) - 15 * count(*)
  contacted: {sql: avg(probability), goal: min}
costs: {false_negative: 300, false_positive: 15}
select_by: retained
register: churn
promote_if: {metric: cost, min_improvement: 100}
""",
    "spark_kpis": """
table: weekly_demand
target: units
task: regression
engine: spark
exclude: [revenue]
models: [linear]
kpis:
  overstock: {sql: "sum(greatest(prediction - label, 0) * price)", goal: min}
  lost_sales: "sum(case when label > prediction then (label - prediction) * price else 0 end)"
select_by: overstock
""",
    "spark_costs": """
table: churn
target: churned
task: classification
engine: spark
exclude: [revenue]
models: [logistic, random_forest]
kpis:
  retained: sum(case when prediction = 1 and label = 1 then revenue end) - 15 * count(*)
costs: {false_negative: 300, false_positive: 15}
select_by: cost
register: churn
""",
}

DEPLOY = {
    "score": """
table: weekly_demand
keys: [store, item, day]
""",
    "gate_promote": """
model: demand@challenger
table: weekly_demand
keys: [store, item, day]
predictions_table: demand_scores
gate: {data: weekly_demand_labelled, label: units, metric: mae, min_improvement: 0.5}
promote: true
""",
    "rollback_version": """
model: demand
table: weekly_demand
keys: [store, day]
rollback: true
result_type: string
""",
}

MONITOR = {
    "predictions": """
time_col: day
window: week
label: units
label_table: weekly_demand_actuals
keys: [store, item, day]
trigger: {k: 2, n: 4}
""",
    "version_baseline": """
model: demand/3
table: weekly_demand_scored
features: [price, promo, store]
baseline: silver.sales_2025
psi_threshold: 0.1
bins: 5
monitoring_table: demand_drift
""",
    "kpis": """
time_col: day
label: churned
label_table: churn_labels
keys: [account_id, day]
kpis:
  retained: >-
    sum(case when prediction = 1 and label = 1 then revenue * 0.3 else 0 end)
    - 15 * sum(prediction)
  missed: {sql: "count(case when label = 1 and prediction = 0 then 1 end)", goal: min}
  confident: avg(probability)
""",
}

CASES = {
    "bronze": BRONZE,
    "silver": SILVER,
    "gold": GOLD,
    "modelzoo": MODELZOO,
    "deploy": DEPLOY,
    "monitor": MONITOR,
}
ALLOWED_IMPORTS = {
    "monitor": {
        "datetime",
        "math",
        "matplotlib",
        "mlflow",
        "numpy",
        "os",
        "pandas",
        "pyspark",
        "scipy",
    },
    "deploy": {"datetime", "mlflow", "os", "pyspark"},
    "modelzoo": {
        "cloudpickle",
        "concurrent",
        "joblib",
        "os",
        "datetime",
        "matplotlib",
        "mlflow",
        "numpy",
        "pandas",
        "pathlib",
        "pyspark",
        "sklearn",
        "time",
    },
}
ALL = [(magic, case) for magic, cases in CASES.items() for case in sorted(cases)]


def settings(target: str) -> Settings:
    return Settings.from_config(DbxArchitect(), target)


@pytest.mark.parametrize("target", ["local", "databricks"])
@pytest.mark.parametrize(("magic", "case"), ALL)
def test_golden(magic: str, case: str, target: str) -> None:
    expansion = expand(magic, case, case, CASES[magic][case], settings(target))
    path = GOLDEN / magic / f"{case}.{target}.py"
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(expansion.cell)
    assert expansion.cell == path.read_text(), (
        f"{path.name} changed: DBX_UPDATE_GOLDENS=1 to accept"
    )


@pytest.mark.parametrize("target", ["local", "databricks"])
@pytest.mark.parametrize(("magic", "case"), ALL)
def test_compiles_and_is_self_contained(magic: str, case: str, target: str) -> None:
    code = expand(magic, case, case, CASES[magic][case], settings(target)).code
    tree = ast.parse(code)
    compile(tree, case, "exec")
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in ([ast.alias(node.module)] if isinstance(node, ast.ImportFrom) else node.names)
    }
    # databricks-sdk ships with every Databricks runtime; the local target never imports it.
    on_databricks = {"databricks"} if target == "databricks" else set()
    assert imported <= ALLOWED_IMPORTS.get(magic, {"pyspark", "os"}) | on_databricks, imported
    assert not [line for line in code.splitlines() if line.lstrip().startswith("%")]


PIPELINE = """
from: sales
keys: [store, item, day]
casts: {units: int}
clean: {trim: true, fill: {units: 0}, drop_nulls: [store]}
expect:
  - {name: units_in_range, range: {units: [0, 10000]}, action: quarantine}
  - {name: known_store, in: {store: [north, south, east]}, action: drop}
  - {name: positive_price, rule: price > 0}
  - {name: has_day, not_null: [day], action: fail}
features:
  - lag: {column: units, by: [store, item], order: day}
cluster_by: [store, day]
"""


def test_silver_pipeline_variant_golden() -> None:
    """--pipeline: a Lakeflow source with @dp.expect rules, for Databricks only."""
    expansion = expand(
        "silver", "sales", "sales --pipeline", PIPELINE, settings("databricks"), variant="pipeline"
    )
    path = GOLDEN / "silver" / "pipeline.databricks.py"
    if UPDATE or not path.exists():
        path.write_text(expansion.cell)
    assert expansion.cell == path.read_text()
    tree = ast.parse(expansion.code)
    decorators = [
        ast.unparse(d.func)
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        for d in node.decorator_list
        if isinstance(d, ast.Call)
    ]
    assert decorators == [
        "dp.materialized_view",
        "dp.materialized_view",
        "dp.expect_or_drop",
        "dp.expect_or_drop",
        "dp.expect_or_drop",
        "dp.expect",
        "dp.expect_or_fail",
    ]


def test_lakehouse_monitoring_is_databricks_only_and_emitted_there() -> None:
    body = MONITOR["predictions"] + "lakehouse_monitoring: true\n"
    with pytest.raises(SpecError, match="exists only on Databricks; add --target databricks"):
        expand("monitor", "demand", "demand", body, settings("local"))
    code = expand("monitor", "demand", "demand", body, settings("databricks")).code
    tree = ast.parse(code)
    calls = {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert {"workspace.quality_monitors.get", "workspace.quality_monitors.create"} <= calls
    assert "timestamp_col=time_col" in code and 'granularities=["1 week"]' in code
    assert 'table_name="main.gold.demand_predictions"' in code


def test_pipeline_variant_is_databricks_only() -> None:
    with pytest.raises(SpecError, match="exist only on Databricks; add --target databricks"):
        expand("silver", "sales", "sales", PIPELINE, settings("local"), variant="pipeline")
    with_unique = PIPELINE.replace(
        "features:", "  - {name: u, unique: [store], action: warn}\nfeatures:"
    )
    with pytest.raises(SpecError, match="a unique check compares rows with each other"):
        expand("silver", "sales", "sales", with_unique, settings("databricks"), variant="pipeline")


def test_every_golden_file_has_a_case() -> None:
    expected = {f"{m}/{c}.{t}.py" for m, c in ALL for t in ("local", "databricks")}
    expected.add("silver/pipeline.databricks.py")
    found = {str(p.relative_to(GOLDEN)) for p in GOLDEN.rglob("*.py")}
    assert found == expected


def test_key_order_and_whitespace_do_not_change_the_code() -> None:
    body = BRONZE["csv_merge_governed"]
    lines = [line for line in body.strip().splitlines()]
    shuffled = "\n".join(reversed(lines)).replace(": ", ":   ") + "\n\n"
    a = expand("bronze", "orders", "orders", body, settings("local"))
    b = expand("bronze", "orders", "orders", shuffled, settings("local"))
    assert a.code == b.code
    assert a.header != b.header


def test_header_is_provenance() -> None:
    body = "source: /landing/a.csv\nschema: id INT\n"
    cell = expand("bronze", "a", "a --target local", body, settings("local")).cell
    assert cell.splitlines()[:4] == [
        "# %%bronze a --target local",
        "# source: /landing/a.csv",
        "# schema: id INT",
        "",
    ]


def test_targets_differ_where_they_should() -> None:
    body = BRONZE["csv_merge_governed"]
    local = expand("bronze", "orders", "orders", body, settings("local")).code
    remote = expand("bronze", "orders", "orders", body, settings("databricks")).code
    assert "cloudFiles" in remote and "cloudFiles" not in local.split("# seen")[0]
    assert "main.bronze.orders" in remote and "spark_catalog.bronze.orders" in local
    assert (
        'spark.sql("ALTER TABLE main.bronze.orders SET OWNER TO `data-eng@example.com`")' in remote
    )
    assert "#   ALTER TABLE spark_catalog.bronze.orders SET OWNER TO" in local
    for code in (local, remote):
        assert "trigger(availableNow=True)" in code
        assert "'delta.enableChangeDataFeed' = 'true'" in code


def test_reserved_word_names_are_backquoted() -> None:
    code = expand(
        "bronze",
        "order",
        "order",
        "source: /x/a.csv\nschema: id INT\nkeys: [id]\n",
        settings("local"),
    ).code
    assert 'target_table = "spark_catalog.bronze.`order`"' in code
    assert "MERGE INTO spark_catalog.bronze.`order` AS t" in code

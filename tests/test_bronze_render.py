"""Golden files for rendered %%bronze cells, on both targets, and what every render promises."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from dbx_architect.expand import expand
from dbx_architect.settings import DbxArchitect, Settings

GOLDEN = Path(__file__).parent / "golden" / "bronze"
UPDATE = os.environ.get("DBX_UPDATE_GOLDENS") == "1"

CASES = {
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
tags: {domain: sales, pii: false}
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


def settings(target: str) -> Settings:
    return Settings.from_config(DbxArchitect(), target)


@pytest.mark.parametrize("target", ["local", "databricks"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str, target: str) -> None:
    expansion = expand("bronze", case, case, CASES[case], settings(target))
    path = GOLDEN / f"{case}.{target}.py"
    if UPDATE or not path.exists():
        path.write_text(expansion.cell)
    assert expansion.cell == path.read_text(), (
        f"{path.name} changed: DBX_UPDATE_GOLDENS=1 to accept"
    )


@pytest.mark.parametrize("target", ["local", "databricks"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_compiles_and_is_self_contained(case: str, target: str) -> None:
    code = expand("bronze", case, case, CASES[case], settings(target)).code
    tree = ast.parse(code)
    compile(tree, case, "exec")
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in ([ast.alias(node.module)] if isinstance(node, ast.ImportFrom) else node.names)
    }
    assert imported <= {"pyspark", "os"}, imported
    assert not [line for line in code.splitlines() if line.lstrip().startswith("%")]


def test_key_order_and_whitespace_do_not_change_the_code() -> None:
    body = CASES["csv_merge_governed"]
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
    body = CASES["csv_merge_governed"]
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

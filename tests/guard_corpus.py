"""Notebook cells with the destructive operations the guard must find in them (see docs/guard.md).

Each destructive case lists every (kind, target) the static check must report; benign cases
must report nothing. Cells are written as a user types them (``%sql`` / ``%%sql`` included).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    id: str  # short unique slug, e.g. "saveastable-overwrite-kw"
    cell: str  # the cell text
    ops: frozenset[tuple[str, str]] = frozenset()  # expected (kind, target); empty = benign
    # user variables defined in EARLIER cells
    namespace: dict[str, Any] = field(default_factory=dict)


def ops(*pairs: tuple[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset(pairs)


DESTRUCTIVE: list[Case] = [
    # ------------------------------------------------------------------ SQL through spark.sql
    Case(
        "sql-drop-table",
        'spark.sql("DROP TABLE main.silver.sales")\n',
        ops(("drop", "main.silver.sales")),
    ),
    Case(
        "sql-drop-table-if-exists",
        'spark.sql("DROP TABLE IF EXISTS main.bronze.sales_raw")\n',
        ops(("drop", "main.bronze.sales_raw")),
    ),
    Case(
        "sql-drop-view",
        'spark.sql("DROP VIEW IF EXISTS main.gold.v_daily_sales")\n',
        ops(("drop", "main.gold.v_daily_sales")),
    ),
    Case(
        "sql-drop-schema-cascade",
        'spark.sql("DROP SCHEMA IF EXISTS main.scratch CASCADE")\n',
        ops(("drop", "main.scratch")),
    ),
    Case(
        "sql-drop-database",
        'spark.sql("DROP DATABASE tmp_db CASCADE")\n',
        ops(("drop", "tmp_db")),
    ),
    Case(
        "sql-drop-two-part-name",
        'spark.sql("DROP TABLE silver.sales")\n',
        ops(("drop", "silver.sales")),
    ),
    Case(
        "sql-truncate",
        'spark.sql("TRUNCATE TABLE main.bronze.events")\n',
        ops(("truncate", "main.bronze.events")),
    ),
    Case(
        "sql-delete-where",
        "spark.sql(\"DELETE FROM main.silver.sales WHERE day < '2025-01-01'\")\n",
        ops(("delete", "main.silver.sales")),
    ),
    Case(
        "sql-delete-all",
        'spark.sql("DELETE FROM sales")\n',
        ops(("delete", "sales")),
    ),
    Case(
        "sql-insert-overwrite-table",
        'spark.sql("INSERT OVERWRITE TABLE main.gold.kpis SELECT * FROM main.silver.kpis_v")\n',
        ops(("overwrite", "main.gold.kpis")),
    ),
    Case(
        "sql-insert-overwrite-no-table-keyword",
        'spark.sql("INSERT OVERWRITE main.gold.kpis SELECT * FROM main.silver.kpis_v")\n',
        ops(("overwrite", "main.gold.kpis")),
    ),
    Case(
        "sql-insert-overwrite-partition",
        '''\
spark.sql("""
INSERT OVERWRITE TABLE main.silver.sales PARTITION (day = '2026-01-01')
SELECT order_id, amount FROM main.bronze.sales WHERE day = '2026-01-01'
""")
''',
        ops(("overwrite", "main.silver.sales")),
    ),
    Case(
        "sql-create-or-replace-ctas",
        'spark.sql("CREATE OR REPLACE TABLE main.gold.kpis AS SELECT * FROM main.silver.kpis_v")\n',
        ops(("replace", "main.gold.kpis")),
    ),
    Case(
        "sql-create-or-replace-columns",
        '''\
spark.sql("""
CREATE OR REPLACE TABLE main.gold.dim_customer (
  customer_id BIGINT,
  name STRING,
  country STRING
) USING DELTA
""")
''',
        ops(("replace", "main.gold.dim_customer")),
    ),
    Case(
        "sql-replace-table-as",
        'spark.sql("REPLACE TABLE main.gold.kpis AS SELECT * FROM main.silver.kpis_v")\n',
        ops(("replace", "main.gold.kpis")),
    ),
    Case(
        "sql-create-or-replace-clone",
        'spark.sql("CREATE OR REPLACE TABLE main.dev.sales SHALLOW CLONE main.prod.sales")\n',
        ops(("replace", "main.dev.sales")),
    ),
    Case(
        "sql-insert-replace-where",
        '''\
spark.sql("""
INSERT INTO main.silver.sales
REPLACE WHERE day >= '2026-01-01'
SELECT * FROM main.bronze.sales WHERE day >= '2026-01-01'
""")
''',
        ops(("backfill", "main.silver.sales")),
    ),
    Case(
        "sql-vacuum",
        'spark.sql("VACUUM main.silver.sales")\n',
        ops(("vacuum", "main.silver.sales")),
    ),
    Case(
        "sql-vacuum-retain",
        'spark.sql("VACUUM main.silver.sales RETAIN 0 HOURS")\n',
        ops(("vacuum", "main.silver.sales")),
    ),
    Case(
        "sql-restore-version",
        'spark.sql("RESTORE TABLE main.silver.sales TO VERSION AS OF 3")\n',
        ops(("restore", "main.silver.sales")),
    ),
    Case(
        "sql-restore-timestamp-no-table-keyword",
        "spark.sql(\"RESTORE main.silver.sales TO TIMESTAMP AS OF '2026-01-01 00:00:00'\")\n",
        ops(("restore", "main.silver.sales")),
    ),
    Case(
        "sql-alter-drop-column",
        'spark.sql("ALTER TABLE main.silver.sales DROP COLUMN discount")\n',
        ops(("alter drop", "main.silver.sales")),
    ),
    Case(
        "sql-alter-drop-columns",
        'spark.sql("ALTER TABLE main.silver.sales DROP COLUMNS (discount, coupon_code)")\n',
        ops(("alter drop", "main.silver.sales")),
    ),
    Case(
        "sql-alter-drop-partition",
        "spark.sql(\"ALTER TABLE main.bronze.logs DROP PARTITION (day = '2025-12-31')\")\n",
        ops(("alter drop", "main.bronze.logs")),
    ),
    Case(
        "sql-alter-drop-if-exists-partition",
        "spark.sql(\"ALTER TABLE logs DROP IF EXISTS PARTITION (day = '2025-12-31')\")\n",
        ops(("alter drop", "logs")),
    ),
    Case(
        "sql-backticks-drop",
        'spark.sql("DROP TABLE `main`.`silver`.`sales`")\n',
        ops(("drop", "main.silver.sales")),
    ),
    Case(
        "sql-backticks-hyphen-catalog",
        'spark.sql("TRUNCATE TABLE `dev-catalog`.bronze.events")\n',
        ops(("truncate", "dev-catalog.bronze.events")),
    ),
    Case(
        "sql-backticks-alter-drop-column",
        'spark.sql("ALTER TABLE `main`.`silver`.`sales` DROP COLUMN `discount`")\n',
        ops(("alter drop", "main.silver.sales")),
    ),
    Case(
        "sql-lowercase-drop",
        'spark.sql("drop table if exists main.silver.sales_tmp")\n',
        ops(("drop", "main.silver.sales_tmp")),
    ),
    Case(
        "sql-mixedcase-truncate",
        'spark.sql("Truncate Table main.bronze.events")\n',
        ops(("truncate", "main.bronze.events")),
    ),
    Case(
        "sql-lowercase-delete",
        'spark.sql("delete from main.silver.customers where is_test = true")\n',
        ops(("delete", "main.silver.customers")),
    ),
    Case(
        "sql-lowercase-vacuum-retain",
        'spark.sql("vacuum main.silver.sales retain 0 hours")\n',
        ops(("vacuum", "main.silver.sales")),
    ),
    Case(
        "sql-lowercase-insert-overwrite",
        'spark.sql("insert overwrite table main.gold.kpis select * from main.silver.kpis_v")\n',
        ops(("overwrite", "main.gold.kpis")),
    ),
    Case(
        "sql-triple-quoted-line-comments",
        '''\
spark.sql("""
-- rebuild the daily KPI table from silver
-- owner: data-eng
INSERT OVERWRITE TABLE main.gold.daily_kpis
SELECT day, sum(amount) AS revenue
FROM main.silver.sales
GROUP BY day
""")
''',
        ops(("overwrite", "main.gold.daily_kpis")),
    ),
    Case(
        "sql-triple-quoted-block-comment",
        '''\
spark.sql("""
/* full rebuild: the schema changed in release 42 */
CREATE OR REPLACE TABLE main.gold.customer_360
AS SELECT c.*, s.lifetime_value
FROM main.silver.customers c
JOIN main.silver.customer_stats s USING (customer_id)
""")
''',
        ops(("replace", "main.gold.customer_360")),
    ),
    Case(
        "sql-triple-quoted-delete-multiline",
        '''\
spark.sql("""
DELETE FROM main.silver.events
WHERE event_date < date_sub(current_date(), 365)
  AND source = 'legacy'
""")
''',
        ops(("delete", "main.silver.events")),
    ),
    Case(
        "sql-fstring-namespace-catalog",
        'spark.sql(f"DROP TABLE {catalog}.silver.sales")\n',
        ops(("drop", "main.silver.sales")),
        {"catalog": "main"},
    ),
    Case(
        "sql-fstring-same-cell-schema",
        """\
schema = "silver"
spark.sql(f"TRUNCATE TABLE main.{schema}.sales")
""",
        ops(("truncate", "main.silver.sales")),
    ),
    Case(
        "sql-fstring-mixed-holes",
        """\
schema = "gold"
table = "kpis"
spark.sql(f"DROP TABLE IF EXISTS {catalog}.{schema}.{table}")
""",
        ops(("drop", "dev.gold.kpis")),
        {"catalog": "dev"},
    ),
    Case(
        "sql-fstring-triple-quoted-namespace",
        '''\
spark.sql(f"""
INSERT OVERWRITE TABLE {target}
SELECT * FROM {source}
""")
''',
        ops(("overwrite", "main.gold.kpis")),
        {"target": "main.gold.kpis", "source": "main.silver.kpis_v"},
    ),
    Case(
        "sql-fstring-delete-with-where",
        """\
cutoff = "2025-01-01"
tbl = "main.silver.sales"
spark.sql(f"DELETE FROM {tbl} WHERE day < '{cutoff}'")
""",
        ops(("delete", "main.silver.sales")),
    ),
    Case(
        "sql-fstring-restore-namespace",
        'spark.sql(f"RESTORE TABLE {catalog}.silver.sales TO VERSION AS OF {version}")\n',
        ops(("restore", "main.silver.sales")),
        {"catalog": "main", "version": 3},
    ),
    Case(
        "sql-variable-same-cell",
        """\
stmt = "DELETE FROM main.silver.sales WHERE is_test = true"
spark.sql(stmt)
""",
        ops(("delete", "main.silver.sales")),
    ),
    Case(
        "sql-variable-namespace",
        "spark.sql(cleanup_sql)\n",
        ops(("drop", "main.tmp.scratch_orders")),
        {"cleanup_sql": "DROP TABLE main.tmp.scratch_orders"},
    ),
    Case(
        "sql-variable-triple-quoted-same-cell",
        '''\
rebuild = """
CREATE OR REPLACE TABLE main.gold.weekly_sales AS
SELECT date_trunc('week', day) AS week, sum(amount) AS revenue
FROM main.silver.sales
GROUP BY 1
"""
spark.sql(rebuild)
''',
        ops(("replace", "main.gold.weekly_sales")),
    ),
    Case(
        "sql-string-plus-concat",
        """\
table = "main.silver.sales"
spark.sql("VACUUM " + table + " RETAIN 0 HOURS")
""",
        ops(("vacuum", "main.silver.sales")),
    ),
    Case(
        "sql-implicit-concat",
        """\
spark.sql(
    "DELETE FROM main.silver.sales "
    "WHERE day < '2025-01-01'"
)
""",
        ops(("delete", "main.silver.sales")),
    ),
    Case(
        "sql-keyword-argument",
        'spark.sql(sqlQuery="TRUNCATE TABLE main.bronze.clicks")\n',
        ops(("truncate", "main.bronze.clicks")),
    ),
    Case(
        "sql-alias-s",
        """\
s = spark
s.sql("DROP TABLE main.silver.returns")
""",
        ops(("drop", "main.silver.returns")),
    ),
    Case(
        "sql-sqlcontext",
        'sqlContext.sql("TRUNCATE TABLE main.bronze.events")\n',
        ops(("truncate", "main.bronze.events")),
    ),
    Case(
        "sql-session-builder",
        """\
from pyspark.sql import SparkSession

session = SparkSession.builder.getOrCreate()
session.sql("DROP VIEW main.gold.v_customers")
""",
        ops(("drop", "main.gold.v_customers")),
    ),
    Case(
        "sql-result-shown",
        "spark.sql(\"DELETE FROM main.silver.orders WHERE status = 'cancelled'\").show()\n",
        ops(("delete", "main.silver.orders")),
    ),
    Case(
        "sql-inside-display",
        'display(spark.sql("RESTORE TABLE main.gold.kpis TO VERSION AS OF 12"))\n',
        ops(("restore", "main.gold.kpis")),
    ),
    Case(
        "sql-try-except",
        """\
from pyspark.sql.utils import AnalysisException

try:
    spark.sql("DROP TABLE main.tmp.sales_stage")
except AnalysisException:
    print("stage table already gone")
""",
        ops(("drop", "main.tmp.sales_stage")),
    ),
    # ------------------------------------------------------------------ %sql / %%sql magics
    Case(
        "magic-line-drop",
        "%sql DROP TABLE IF EXISTS main.tmp.scratch\n",
        ops(("drop", "main.tmp.scratch")),
    ),
    Case(
        "magic-line-vacuum",
        "%sql VACUUM main.silver.sales RETAIN 24 HOURS\n",
        ops(("vacuum", "main.silver.sales")),
    ),
    Case(
        "magic-line-truncate-then-python",
        """\
%sql TRUNCATE TABLE main.bronze.sales_raw
df = spark.read.json("/Volumes/main/raw/landing/sales")
df.write.mode("append").saveAsTable("main.bronze.sales_raw")
""",
        ops(("truncate", "main.bronze.sales_raw")),
    ),
    Case(
        "magic-line-lowercase-delete",
        "%sql delete from main.silver.sessions where duration_s < 1\n",
        ops(("delete", "main.silver.sessions")),
    ),
    Case(
        "magic-cell-drop",
        """\
%%sql
DROP TABLE main.silver.sales
""",
        ops(("drop", "main.silver.sales")),
    ),
    Case(
        "magic-cell-multi-statement",
        """\
%%sql
CREATE OR REPLACE TABLE main.gold.kpis AS
SELECT day, sum(amount) AS revenue FROM main.silver.sales GROUP BY day;

INSERT OVERWRITE TABLE main.gold.kpis_history
SELECT * FROM main.gold.kpis;
""",
        ops(("replace", "main.gold.kpis"), ("overwrite", "main.gold.kpis_history")),
    ),
    Case(
        "magic-cell-comments-delete",
        """\
%%sql
-- remove the GDPR erasure requests processed today
-- ticket DATA-1234
DELETE FROM main.silver.customers
WHERE customer_id IN (SELECT customer_id FROM main.ops.erasure_requests);
""",
        ops(("delete", "main.silver.customers")),
    ),
    Case(
        "magic-cell-vacuum-restore",
        """\
%%sql
RESTORE TABLE main.silver.sales TO VERSION AS OF 41;
VACUUM main.silver.sales RETAIN 168 HOURS
""",
        ops(("restore", "main.silver.sales"), ("vacuum", "main.silver.sales")),
    ),
    Case(
        "magic-cell-lowercase-drops",
        """\
%%sql
drop view if exists main.gold.v_top_customers;
drop schema main.scratch cascade;
""",
        ops(("drop", "main.gold.v_top_customers"), ("drop", "main.scratch")),
    ),
    Case(
        "magic-cell-select-then-truncate",
        """\
%%sql
SELECT count(*) FROM main.bronze.events;
TRUNCATE TABLE main.bronze.events;
""",
        ops(("truncate", "main.bronze.events")),
    ),
    Case(
        "magic-cell-replace-where",
        """\
%%sql
INSERT INTO main.silver.sales
REPLACE WHERE day BETWEEN '2026-01-01' AND '2026-01-31'
SELECT * FROM main.bronze.sales_fixed
""",
        ops(("backfill", "main.silver.sales")),
    ),
    Case(
        "magic-cell-alter-drop-partition",
        """\
%%sql
ALTER TABLE main.bronze.logs DROP IF EXISTS PARTITION (day = '2025-01-01');
ALTER TABLE main.bronze.logs DROP IF EXISTS PARTITION (day = '2025-01-02');
""",
        ops(("alter drop", "main.bronze.logs")),
    ),
    Case(
        "magic-cell-create-then-drop",
        """\
%%sql
CREATE TABLE IF NOT EXISTS main.silver.sales_v2 AS SELECT * FROM main.silver.sales;
DROP TABLE main.silver.sales;
""",
        ops(("drop", "main.silver.sales")),
    ),
    Case(
        "magic-cell-backticks-replace-table",
        """\
%%sql
REPLACE TABLE `main`.`gold`.`dim_product`
USING DELTA
AS SELECT * FROM `main`.`silver`.`products`
""",
        ops(("replace", "main.gold.dim_product")),
    ),
    Case(
        "magic-cell-alter-drop-columns-mixedcase",
        """\
%%sql
Alter Table main.silver.sales Drop Columns (legacy_flag, old_region)
""",
        ops(("alter drop", "main.silver.sales")),
    ),
    # ------------------------------------------------------------------ DataFrameWriter (v1)
    Case(
        "saveastable-overwrite",
        'df.write.mode("overwrite").saveAsTable("main.silver.sales")\n',
        ops(("overwrite", "main.silver.sales")),
    ),
    Case(
        "saveastable-overwrite-format-delta",
        'df.write.format("delta").mode("overwrite").saveAsTable("main.gold.kpis")\n',
        ops(("overwrite", "main.gold.kpis")),
    ),
    Case(
        "saveastable-overwrite-kw",
        'df.write.saveAsTable("main.silver.sales", mode="overwrite")\n',
        ops(("overwrite", "main.silver.sales")),
    ),
    Case(
        "saveastable-overwrite-kw-format-partition",
        """\
df.write.saveAsTable(
    "main.silver.events", format="delta", mode="overwrite", partitionBy="event_date"
)
""",
        ops(("overwrite", "main.silver.events")),
    ),
    Case(
        "saveastable-two-part-name",
        'sales_df.write.mode("overwrite").saveAsTable("silver.sales")\n',
        ops(("overwrite", "silver.sales")),
    ),
    Case(
        "saveastable-one-part-name",
        'result.write.mode("overwrite").saveAsTable("sales")\n',
        ops(("overwrite", "sales")),
    ),
    Case(
        "saveastable-backticks",
        'df.write.mode("overwrite").saveAsTable("`main`.`silver`.`sales`")\n',
        ops(("overwrite", "main.silver.sales")),
    ),
    Case(
        "save-path-volumes",
        'df.write.format("delta").mode("overwrite").save("/Volumes/main/raw/landing/sales")\n',
        ops(("overwrite", "/Volumes/main/raw/landing/sales")),
    ),
    Case(
        "save-kw-mode-format",
        'df.write.save("/mnt/lake/silver/sales", format="delta", mode="overwrite")\n',
        ops(("overwrite", "/mnt/lake/silver/sales")),
    ),
    Case(
        "parquet-kw-mode",
        'df.write.parquet("/mnt/x", mode="overwrite")\n',
        ops(("overwrite", "/mnt/x")),
    ),
    Case(
        "csv-kw-mode",
        'df.write.csv("dbfs:/exports/sales_csv", mode="overwrite", header=True)\n',
        ops(("overwrite", "dbfs:/exports/sales_csv")),
    ),
    Case(
        "json-kw-mode",
        'events.write.json("s3://acme-lake/exports/events", mode="overwrite")\n',
        ops(("overwrite", "s3://acme-lake/exports/events")),
    ),
    Case(
        "orc-kw-mode",
        'df.write.orc("abfss://lake@acme.dfs.core.windows.net/orc/sales", mode="overwrite")\n',
        ops(("overwrite", "abfss://lake@acme.dfs.core.windows.net/orc/sales")),
    ),
    Case(
        "text-kw-mode",
        'lines.write.text("/Volumes/main/raw/exports/lines", mode="overwrite")\n',
        ops(("overwrite", "/Volumes/main/raw/exports/lines")),
    ),
    Case(
        "parquet-mode-chain",
        'df.write.mode("overwrite").partitionBy("day").parquet("gs://acme-lake/silver/sales")\n',
        ops(("overwrite", "gs://acme-lake/silver/sales")),
    ),
    Case(
        "chain-parenthesised-multiline",
        """\
(
    df.write.format("delta")
    .mode("overwrite")
    .partitionBy("day")
    .option("overwriteSchema", "true")
    .saveAsTable("main.silver.sales")
)
""",
        ops(("overwrite", "main.silver.sales")),
    ),
    Case(
        "chain-backslash-continuation",
        r"""df.write \
    .format("delta") \
    .mode("overwrite") \
    .saveAsTable("main.gold.kpis")
""",
        ops(("overwrite", "main.gold.kpis")),
    ),
    Case(
        "chain-mode-before-format",
        'df.write.mode("overwrite").format("delta").partitionBy("day").saveAsTable("main.gold.x")\n',
        ops(("overwrite", "main.gold.x")),
    ),
    Case(
        "writer-variable-saveastable",
        """\
w = df.write.format("delta").mode("overwrite")
w.saveAsTable("main.gold.customer_kpis")
""",
        ops(("overwrite", "main.gold.customer_kpis")),
    ),
    Case(
        "writer-variable-more-options-save",
        """\
writer = df.write.mode("overwrite")
writer.option("overwriteSchema", "true").format("delta").save("/Volumes/main/gold/files/kpis")
""",
        ops(("overwrite", "/Volumes/main/gold/files/kpis")),
    ),
    Case(
        "mode-variable-same-cell",
        """\
m = "overwrite"
df.write.format("delta").mode(m).saveAsTable("main.silver.sales")
""",
        ops(("overwrite", "main.silver.sales")),
    ),
    Case(
        "mode-variable-namespace",
        'df.write.mode(write_mode).saveAsTable("main.silver.orders")\n',
        ops(("overwrite", "main.silver.orders")),
        {"write_mode": "overwrite"},
    ),
    Case(
        "mode-variable-kw-namespace",
        'df.write.parquet("/mnt/lake/bronze/orders", mode=write_mode)\n',
        ops(("overwrite", "/mnt/lake/bronze/orders")),
        {"write_mode": "overwrite"},
    ),
    Case(
        "mode-uppercase",
        'df.write.mode("OVERWRITE").saveAsTable("main.silver.products")\n',
        ops(("overwrite", "main.silver.products")),
    ),
    Case(
        "option-path-saveastable",
        """\
(df.write.format("delta")
    .option("path", "/Volumes/main/ext/tables/sales")
    .mode("overwrite")
    .saveAsTable("main.ext.sales"))
""",
        ops(("overwrite", "main.ext.sales")),
    ),
    Case(
        "saveastable-fstring-namespace",
        'kpis.write.mode("overwrite").saveAsTable(f"{catalog}.gold.kpis")\n',
        ops(("overwrite", "prod.gold.kpis")),
        {"catalog": "prod"},
    ),
    Case(
        "save-path-variable-same-cell",
        """\
target_path = "/Volumes/main/silver/files/orders"
df.write.format("delta").mode("overwrite").save(target_path)
""",
        ops(("overwrite", "/Volumes/main/silver/files/orders")),
    ),
    Case(
        "save-path-fstring-namespace",
        'df.write.mode("overwrite").parquet(f"{base_path}/silver/sales")\n',
        ops(("overwrite", "dbfs:/mnt/lake/silver/sales")),
        {"base_path": "dbfs:/mnt/lake"},
    ),
    Case(
        "insertinto-overwrite-kw",
        'df.write.insertInto("main.silver.sales", overwrite=True)\n',
        ops(("overwrite", "main.silver.sales")),
    ),
    Case(
        "insertinto-overwrite-positional",
        'df.write.insertInto("main.silver.sales", True)\n',
        ops(("overwrite", "main.silver.sales")),
    ),
    Case(
        "insertinto-mode-overwrite",
        'df.write.mode("overwrite").insertInto("main.bronze.clicks")\n',
        ops(("overwrite", "main.bronze.clicks")),
    ),
    Case(
        "replacewhere-backfill-saveastable",
        """\
(df.write.format("delta")
    .mode("overwrite")
    .option("replaceWhere", "day >= '2026-01-01' AND day < '2026-02-01'")
    .saveAsTable("main.silver.sales"))
""",
        ops(("backfill", "main.silver.sales")),
    ),
    Case(
        "replacewhere-backfill-path-option-first",
        """\
(fixed.write
    .option("replaceWhere", "event_date = '2026-01-15'")
    .format("delta")
    .mode("overwrite")
    .save("/Volumes/main/silver/files/events"))
""",
        ops(("backfill", "/Volumes/main/silver/files/events")),
    ),
    Case(
        "replacewhere-backfill-mode-variable",
        """\
m = "overwrite"
predicate = "day >= '2026-01-01'"
df.write.mode(m).option("replaceWhere", predicate).saveAsTable("main.gold.daily_kpis")
""",
        ops(("backfill", "main.gold.daily_kpis")),
    ),
    Case(
        "replacewhere-backfill-options-kw",
        """\
df.write.format("delta").mode("overwrite").options(
    replaceWhere="day >= '2026-01-01'"
).saveAsTable("main.silver.sales")
""",
        ops(("backfill", "main.silver.sales")),
    ),
    Case(
        "sql-select-then-writer-overwrite",
        """\
(spark.sql("SELECT day, sum(amount) AS revenue FROM main.silver.sales GROUP BY day")
    .write.mode("overwrite")
    .saveAsTable("main.gold.revenue_by_day"))
""",
        ops(("overwrite", "main.gold.revenue_by_day")),
    ),
    Case(
        "table-read-then-overwrite-other",
        """\
spark.table("main.bronze.customers").dropDuplicates(["customer_id"]).write.mode(
    "overwrite"
).saveAsTable("main.silver.customers")
""",
        ops(("overwrite", "main.silver.customers")),
    ),
    Case(
        "writer-overwrite-in-called-function",
        """\
def publish(frame):
    frame.write.format("delta").mode("overwrite").saveAsTable("main.gold.kpis")


publish(daily)
""",
        ops(("overwrite", "main.gold.kpis")),
    ),
    Case(
        "benign-part-plus-one-overwrite",
        """\
from pyspark.sql import functions as F

orders = spark.table("main.bronze.orders").filter(F.col("status") != "test")
display(orders.limit(10))
orders.write.mode("append").saveAsTable("main.silver.orders_log")
orders.groupBy("day").count().write.mode("overwrite").saveAsTable("main.gold.orders_per_day")
""",
        ops(("overwrite", "main.gold.orders_per_day")),
    ),
    Case(
        "overwrite-in-if-branch",
        """\
if full_refresh:
    df.write.mode("overwrite").saveAsTable("main.gold.kpis")
else:
    df.write.mode("append").saveAsTable("main.gold.kpis")
""",
        ops(("overwrite", "main.gold.kpis")),
        {"full_refresh": True},
    ),
    # ------------------------------------------------------------------ DataFrameWriterV2
    Case(
        "v2-create-or-replace",
        'df.writeTo("main.gold.kpis").createOrReplace()\n',
        ops(("replace", "main.gold.kpis")),
    ),
    Case(
        "v2-create-or-replace-using-partitioned",
        """\
(df.writeTo("main.silver.events")
    .using("delta")
    .partitionedBy("event_date")
    .tableProperty("delta.enableChangeDataFeed", "true")
    .createOrReplace())
""",
        ops(("replace", "main.silver.events")),
    ),
    Case(
        "v2-replace",
        'df.writeTo("main.gold.dim_product").using("delta").replace()\n',
        ops(("replace", "main.gold.dim_product")),
    ),
    Case(
        "v2-overwrite-partitions",
        'df.writeTo("main.silver.sales").overwritePartitions()\n',
        ops(("overwrite", "main.silver.sales")),
    ),
    Case(
        "v2-overwrite-condition",
        """\
from pyspark.sql import functions as F

df.writeTo("main.silver.sales").overwrite(F.col("day") >= "2026-01-01")
""",
        ops(("backfill", "main.silver.sales")),
    ),
    Case(
        "v2-overwrite-condition-expr",
        """\
from pyspark.sql.functions import expr

fixed.writeTo("main.silver.events").overwrite(expr("event_date = '2026-01-15'"))
""",
        ops(("backfill", "main.silver.events")),
    ),
    Case(
        "v2-writer-variable",
        """\
wt = df.writeTo("main.gold.customer_360").using("delta")
wt.createOrReplace()
""",
        ops(("replace", "main.gold.customer_360")),
    ),
    Case(
        "v2-fstring-namespace",
        'df.writeTo(f"{catalog}.gold.kpis").createOrReplace()\n',
        ops(("replace", "main.gold.kpis")),
        {"catalog": "main"},
    ),
    Case(
        "v2-table-variable-same-cell",
        """\
target = "main.silver.clicks"
clicks.writeTo(target).overwritePartitions()
""",
        ops(("overwrite", "main.silver.clicks")),
    ),
    Case(
        "v2-backslash-replace",
        r"""df.writeTo("main.gold.kpis") \
    .using("delta") \
    .replace()
""",
        ops(("replace", "main.gold.kpis")),
    ),
    # ------------------------------------------------------------------ Delta Lake Python API
    Case(
        "delta-forname-delete-chain",
        """\
from delta.tables import DeltaTable

DeltaTable.forName(spark, "main.silver.sales").delete("day < '2025-01-01'")
""",
        ops(("delete", "main.silver.sales")),
    ),
    Case(
        "delta-forpath-delete-all",
        """\
from delta.tables import DeltaTable

DeltaTable.forPath(spark, "/Volumes/main/raw/landing/sales").delete()
""",
        ops(("delete", "/Volumes/main/raw/landing/sales")),
    ),
    Case(
        "delta-variable-vacuum-zero",
        """\
from delta.tables import DeltaTable

dt = DeltaTable.forName(spark, "main.gold.x")
dt.vacuum(0)
""",
        ops(("vacuum", "main.gold.x")),
    ),
    Case(
        "delta-vacuum-default-chain",
        """\
from delta.tables import DeltaTable

DeltaTable.forName(spark, "main.silver.sales").vacuum()
""",
        ops(("vacuum", "main.silver.sales")),
    ),
    Case(
        "delta-restore-version",
        """\
from delta.tables import DeltaTable

dt = DeltaTable.forName(spark, "main.silver.sales")
dt.restoreToVersion(3)
""",
        ops(("restore", "main.silver.sales")),
    ),
    Case(
        "delta-restore-timestamp-path",
        """\
from delta.tables import DeltaTable

DeltaTable.forPath(spark, "dbfs:/mnt/lake/silver/sales").restoreToTimestamp("2026-01-01")
""",
        ops(("restore", "dbfs:/mnt/lake/silver/sales")),
    ),
    Case(
        "delta-alias-dt",
        """\
from delta.tables import DeltaTable as DT

tbl = DT.forName(spark, "main.silver.orders")
tbl.delete("status = 'test'")
""",
        ops(("delete", "main.silver.orders")),
    ),
    Case(
        "delta-from-delta-import",
        """\
from delta import DeltaTable

DeltaTable.forName(spark, "main.bronze.events").vacuum(168)
""",
        ops(("vacuum", "main.bronze.events")),
    ),
    Case(
        "delta-module-attribute-chain",
        """\
import delta.tables

delta.tables.DeltaTable.forName(spark, "main.silver.sales").restoreToVersion(7)
""",
        ops(("restore", "main.silver.sales")),
    ),
    Case(
        "delta-create-or-replace-builder",
        """\
from delta.tables import DeltaTable

(DeltaTable.createOrReplace(spark)
    .tableName("main.gold.dim_customer")
    .addColumn("customer_id", "BIGINT")
    .addColumn("name", "STRING")
    .execute())
""",
        ops(("replace", "main.gold.dim_customer")),
    ),
    Case(
        "delta-replace-builder",
        """\
from delta.tables import DeltaTable

builder = DeltaTable.replace(spark).tableName("main.gold.dim_store")
builder.addColumn("store_id", "INT").addColumn("city", "STRING").execute()
""",
        ops(("replace", "main.gold.dim_store")),
    ),
    Case(
        "delta-builder-fstring-namespace",
        """\
from delta.tables import DeltaTable

DeltaTable.createOrReplace(spark).tableName(f"{catalog}.gold.dim_date").addColumn(
    "date", "DATE"
).execute()
""",
        ops(("replace", "dev.gold.dim_date")),
        {"catalog": "dev"},
    ),
    Case(
        "delta-forname-fstring-namespace",
        """\
from delta.tables import DeltaTable

DeltaTable.forName(spark, f"{catalog}.silver.sales").vacuum()
""",
        ops(("vacuum", "main.silver.sales")),
        {"catalog": "main"},
    ),
    Case(
        "delta-forpath-variable",
        """\
from delta.tables import DeltaTable

path = "/Volumes/main/silver/files/events"
DeltaTable.forPath(spark, path).vacuum(0)
""",
        ops(("vacuum", "/Volumes/main/silver/files/events")),
    ),
    Case(
        "delta-delete-column-condition",
        """\
from delta.tables import DeltaTable
from pyspark.sql import functions as F

DeltaTable.forName(spark, "main.silver.sessions").delete(F.col("duration_s") < 1)
""",
        ops(("delete", "main.silver.sessions")),
    ),
    Case(
        "delta-forname-keyword-args",
        """\
from delta.tables import DeltaTable

dt = DeltaTable.forName(sparkSession=spark, tableOrViewName="main.silver.sales")
dt.delete()
""",
        ops(("delete", "main.silver.sales")),
    ),
    Case(
        "delta-delete-then-vacuum",
        """\
from delta.tables import DeltaTable

customers = DeltaTable.forName(spark, "main.silver.customers")
customers.delete("customer_id IN (SELECT customer_id FROM main.ops.erasure_requests)")
customers.vacuum(0)
""",
        ops(("delete", "main.silver.customers"), ("vacuum", "main.silver.customers")),
    ),
    Case(
        "delta-history-then-restore",
        """\
from delta.tables import DeltaTable

dt = DeltaTable.forName(spark, "main.gold.kpis")
display(dt.history(5))
dt.restoreToVersion(12)
""",
        ops(("restore", "main.gold.kpis")),
    ),
    # ------------------------------------------------------------------ removing files
    Case(
        "dbutils-rm-recurse",
        'dbutils.fs.rm("dbfs:/tmp/x", True)\n',
        ops(("remove files", "dbfs:/tmp/x")),
    ),
    Case(
        "dbutils-rm-recurse-kw",
        'dbutils.fs.rm("/Volumes/main/raw/landing/sales/", recurse=True)\n',
        ops(("remove files", "/Volumes/main/raw/landing/sales")),  # normalised
    ),
    Case(
        "dbutils-rm-s3",
        'dbutils.fs.rm("s3://acme-lake/bronze/clickstream", True)\n',
        ops(("remove files", "s3://acme-lake/bronze/clickstream")),
    ),
    Case(
        "dbutils-rm-abfss",
        'dbutils.fs.rm("abfss://raw@acme.dfs.core.windows.net/landing/2025", True)\n',
        ops(("remove files", "abfss://raw@acme.dfs.core.windows.net/landing/2025")),
    ),
    Case(
        "dbutils-rm-checkpoint-fstring-namespace",
        'dbutils.fs.rm(f"/Volumes/{catalog}/bronze/checkpoints/events", True)\n',
        ops(("remove files", "/Volumes/main/bronze/checkpoints/events")),
        {"catalog": "main"},
    ),
    Case(
        "dbutils-rm-variable-same-cell",
        """\
checkpoint = "dbfs:/checkpoints/silver_sales"
dbutils.fs.rm(checkpoint, True)
""",
        ops(("remove files", "dbfs:/checkpoints/silver_sales")),
    ),
    Case(
        "shutil-rmtree-dbfs",
        """\
import shutil

shutil.rmtree("/dbfs/tmp/exports/sales")
""",
        ops(("remove files", "/dbfs/tmp/exports/sales")),
    ),
    Case(
        "shutil-alias-sh",
        """\
import shutil as sh

sh.rmtree("/dbfs/mnt/lake/tmp/old_run")
""",
        ops(("remove files", "/dbfs/mnt/lake/tmp/old_run")),
    ),
    Case(
        "from-shutil-import-rmtree",
        """\
from shutil import rmtree

rmtree("/Volumes/main/raw/landing/2025-12")
""",
        ops(("remove files", "/Volumes/main/raw/landing/2025-12")),
    ),
    Case(
        "shutil-rmtree-variable-mnt",
        """\
import shutil

staging = "/mnt/staging/orders"
shutil.rmtree(staging, ignore_errors=True)
""",
        ops(("remove files", "/mnt/staging/orders")),
    ),
    Case(
        "shutil-rmtree-fstring-namespace",
        """\
import shutil

shutil.rmtree(f"/Volumes/{catalog}/raw/exports/{run_id}")
""",
        ops(("remove files", "/Volumes/main/raw/exports/run-42")),
        {"catalog": "main", "run_id": "run-42"},
    ),
    # ------------------------------------------------------------------ functions and mixes
    Case(
        "function-sql-drop-called",
        """\
def reset_stage():
    spark.sql("DROP TABLE IF EXISTS main.tmp.orders_stage")


reset_stage()
""",
        ops(("drop", "main.tmp.orders_stage")),
    ),
    Case(
        "function-uses-cell-global",
        """\
TABLE = "main.gold.kpis"


def rebuild():
    spark.sql(f"TRUNCATE TABLE {TABLE}")
    spark.table("main.silver.kpis_v").write.mode("append").saveAsTable(TABLE)


rebuild()
""",
        ops(("truncate", "main.gold.kpis")),
    ),
    Case(
        "function-delta-vacuum-called",
        """\
from delta.tables import DeltaTable


def housekeeping():
    DeltaTable.forName(spark, "main.bronze.events").vacuum(0)
    print("done")


housekeeping()
""",
        ops(("vacuum", "main.bronze.events")),
    ),
    Case(
        "multi-drop-and-rm-location",
        """\
spark.sql("DROP TABLE IF EXISTS main.ext.sales_stage")
dbutils.fs.rm("/Volumes/main/ext/tables/sales_stage", True)
""",
        ops(
            ("drop", "main.ext.sales_stage"),
            ("remove files", "/Volumes/main/ext/tables/sales_stage"),
        ),
    ),
    Case(
        "multi-overwrite-and-vacuum",
        """\
df.write.format("delta").mode("overwrite").saveAsTable("main.silver.sales")
spark.sql("VACUUM main.silver.sales RETAIN 0 HOURS")
""",
        ops(("overwrite", "main.silver.sales"), ("vacuum", "main.silver.sales")),
    ),
    Case(
        "multi-read-display-truncate",
        """\
before = spark.table("main.bronze.events").count()
print(f"{before} rows before reload")
display(spark.table("main.bronze.events").limit(5))
spark.sql("TRUNCATE TABLE main.bronze.events")
""",
        ops(("truncate", "main.bronze.events")),
    ),
    Case(
        "multi-v2-and-delta-delete",
        """\
from delta.tables import DeltaTable

snapshot.writeTo("main.gold.inventory_snapshot").createOrReplace()
DeltaTable.forName(spark, "main.silver.inventory_moves").delete("processed = true")
""",
        ops(
            ("replace", "main.gold.inventory_snapshot"),
            ("delete", "main.silver.inventory_moves"),
        ),
    ),
    Case(
        "multi-magic-line-and-writer",
        """\
%sql DROP TABLE IF EXISTS main.gold.kpis_old
kpis.write.mode("overwrite").saveAsTable("main.gold.kpis")
""",
        ops(("drop", "main.gold.kpis_old"), ("overwrite", "main.gold.kpis")),
    ),
]


BENIGN: list[Case] = [
    # ------------------------------------------------------------------ reads
    Case(
        "read-spark-table-drop-log",
        """\
df = spark.table("drop_log")
display(df)
""",
    ),
    Case("read-sql-select-drop-log", 'spark.sql("SELECT * FROM drop_log").show()\n'),
    Case(
        "read-table-delete-requests",
        'requests = spark.read.table("main.silver.delete_requests")\n',
    ),
    Case(
        "read-truncate-audit",
        'display(spark.sql("SELECT * FROM main.ops.truncate_audit ORDER BY ts DESC"))\n',
    ),
    Case(
        "read-delta-path",
        'df = spark.read.format("delta").load("/Volumes/main/silver/files/events")\n',
    ),
    Case(
        "read-csv-volumes",
        """\
raw = spark.read.option("header", "true").csv("/Volumes/main/raw/landing/sales")
raw.printSchema()
""",
    ),
    Case(
        "read-time-travel-sql",
        'old = spark.sql("SELECT * FROM main.silver.sales VERSION AS OF 3")\n',
    ),
    Case(
        "read-time-travel-timestamp-sql",
        "spark.sql(\"SELECT * FROM main.silver.sales TIMESTAMP AS OF '2026-01-01'\").count()\n",
    ),
    Case(
        "read-time-travel-option",
        """\
old = (spark.read.format("delta")
    .option("versionAsOf", 3)
    .table("main.silver.sales"))
""",
    ),
    Case(
        "sql-literal-drop-note",
        "spark.sql(\"SELECT 'DROP TABLE x' AS note\")\n",
    ),
    Case(
        "sql-literal-delete-in-where",
        "spark.sql(\"SELECT count(*) FROM main.ops.audit WHERE stmt = 'DELETE FROM sales'\")\n",
    ),
    Case(
        "sql-like-overwrite",
        "spark.sql(\"SELECT * FROM main.ops.jobs WHERE write_mode LIKE '%overwrite%'\")\n",
    ),
    Case(
        "sql-column-named-truncate",
        'spark.sql("SELECT truncate_flag, drop_reason FROM main.ops.retention").show()\n',
    ),
    Case(
        "sql-mixedcase-select",
        'spark.sql("Select Day, Sum(Amount) From main.silver.sales Group By Day").show()\n',
    ),
    # ------------------------------------------------------------------ comments and strings
    Case(
        "python-comment-drop",
        """\
# DROP TABLE sales
df = spark.table("main.silver.sales")
""",
    ),
    Case(
        "python-comment-truncate-and-rm",
        """\
# TODO: TRUNCATE TABLE main.bronze.events once the backfill is verified
# dbutils.fs.rm("/Volumes/main/raw/landing/events", True)
events = spark.table("main.bronze.events")
display(events.groupBy("event_date").count())
""",
    ),
    Case(
        "python-commented-out-overwrite-in-chain",
        """\
(df.write.format("delta")
    # .mode("overwrite")  -- switched to append after the January incident
    .mode("append")
    .saveAsTable("main.silver.sales"))
""",
    ),
    Case(
        "sql-comment-then-select",
        '''\
spark.sql("""
-- DROP TABLE x
SELECT 1
""")
''',
    ),
    Case(
        "sql-block-comment-then-select",
        '''\
spark.sql("""
/* previously: INSERT OVERWRITE TABLE main.gold.kpis ... */
SELECT day, revenue FROM main.gold.kpis
""").show()
''',
    ),
    Case(
        "sql-trailing-comment",
        '''\
spark.sql("""
SELECT * FROM main.silver.sales  -- never TRUNCATE TABLE main.silver.sales here
WHERE day = current_date()
""")
''',
    ),
    Case(
        "docstring-delete-from",
        '''\
def open_requests():
    """Return the rows a DELETE FROM main.silver.sales would remove."""
    return spark.table("main.ops.delete_requests").filter("status = 'open'")


display(open_requests())
''',
    ),
    Case(
        "sql-string-printed-not-run",
        """\
ddl = "DROP TABLE main.silver.sales"
print("To clean up, run:", ddl)
""",
    ),
    Case(
        "log-message-delete",
        """\
import logging

logging.getLogger("etl").info("DELETE FROM sales scheduled for tomorrow")
""",
    ),
    Case("print-overwrite", 'print("overwrite")\n'),
    Case(
        "overwrite-variable-no-write",
        """\
overwrite = True
print(f"overwrite={overwrite}")
""",
    ),
    Case(
        "config-dict-mentions-overwrite",
        """\
job_config = {"mode": "overwrite", "target": "main.gold.kpis"}
print(job_config["target"])
""",
    ),
    Case(
        "string-replace-method",
        """\
name = "main-silver-sales".replace("-", ".")
print(name)
""",
    ),
    Case(
        "df-replace-values",
        """\
cleaned = df.replace("N/A", None).na.replace({"?": "unknown"})
display(cleaned)
""",
    ),
    Case(
        "regexp-replace",
        """\
from pyspark.sql import functions as F

df = df.withColumn("phone", F.regexp_replace("phone", "[^0-9]", ""))
""",
    ),
    # ------------------------------------------------------------------ non-destructive writes
    Case("write-append", 'df.write.mode("append").saveAsTable("main.silver.sales")\n'),
    Case(
        "write-append-kw",
        'df.write.saveAsTable("main.silver.sales", format="delta", mode="append")\n',
    ),
    Case("write-ignore", 'df.write.mode("ignore").saveAsTable("main.gold.dim_date")\n'),
    Case(
        "write-errorifexists",
        'df.write.mode("errorifexists").saveAsTable("main.gold.snapshot_2026_01")\n',
    ),
    Case("write-error", 'df.write.mode("error").parquet("/Volumes/main/raw/exports/snap")\n'),
    Case("write-default-mode-saveastable", 'df.write.saveAsTable("main.gold.snapshot")\n'),
    Case(
        "write-default-mode-format-delta",
        'df.write.format("delta").saveAsTable("main.gold.snapshot_v2")\n',
    ),
    Case(
        "write-default-save-path",
        'df.write.format("delta").save("/Volumes/main/raw/exports/2026-01-31")\n',
    ),
    Case(
        "write-append-save-path",
        'df.write.mode("append").format("delta").save("/Volumes/main/silver/files/events")\n',
    ),
    Case(
        "write-parquet-append-kw",
        'df.write.parquet("/mnt/lake/bronze/clicks", mode="append")\n',
    ),
    Case("write-csv-no-mode", 'df.write.csv("/Volumes/main/raw/exports/report", header=True)\n'),
    Case(
        "write-append-parenthesised",
        """\
(
    df.write.format("delta")
    .mode("append")
    .partitionBy("day")
    .saveAsTable("main.silver.sales")
)
""",
    ),
    Case(
        "write-append-backslash",
        r"""df.write \
    .format("delta") \
    .mode("append") \
    .saveAsTable("main.silver.sales")
""",
    ),
    Case(
        "mode-variable-append",
        """\
mode = "append"
df.write.format("delta").mode(mode).saveAsTable("main.silver.sales")
""",
    ),
    Case(
        "mode-namespace-append",
        'df.write.mode(write_mode).saveAsTable("main.silver.orders")\n',
        namespace={"write_mode": "append"},
    ),
    Case(
        "writer-variable-append",
        """\
w = df.write.format("delta").mode("append")
w.saveAsTable("main.silver.orders")
""",
    ),
    Case(
        "overwrite-schema-with-append",
        """\
(df.write.format("delta")
    .mode("append")
    .option("overwriteSchema", "true")
    .saveAsTable("main.silver.sales"))
""",
    ),
    Case(
        "merge-schema-append",
        """\
(df.write.format("delta")
    .option("mergeSchema", "true")
    .mode("append")
    .saveAsTable("main.silver.events"))
""",
    ),
    Case(
        "partition-overwrite-mode-conf-only",
        'spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")\n',
    ),
    Case("insertinto-append", 'df.write.insertInto("main.silver.sales")\n'),
    Case("insertinto-overwrite-false", 'df.write.insertInto("main.silver.x", overwrite=False)\n'),
    Case("v2-append", 'df.writeTo("main.silver.sales").append()\n'),
    Case(
        "v2-append-option",
        'df.writeTo("main.silver.events").option("mergeSchema", "true").append()\n',
    ),
    Case(
        "v2-create",
        """\
(df.writeTo("main.gold.new_kpis")
    .using("delta")
    .partitionedBy("day")
    .create())
""",
    ),
    Case(
        "v2-variable-append",
        """\
wt = df.writeTo("main.silver.clicks")
wt.append()
""",
    ),
    Case(
        "function-append-called",
        """\
def land(frame):
    frame.write.mode("append").saveAsTable("main.bronze.sales_raw")


land(spark.read.json("/Volumes/main/raw/landing/sales"))
""",
    ),
    Case(
        "sql-select-then-append",
        """\
(spark.sql("SELECT * FROM main.bronze.sales WHERE day = current_date()")
    .write.mode("append")
    .saveAsTable("main.silver.sales"))
""",
    ),
    Case(
        "pandas-to-csv-local",
        """\
pdf = df.limit(1000).toPandas()
pdf.to_csv("sample.csv", index=False)
""",
    ),
    # ------------------------------------------------------------------ streaming
    Case(
        "streaming-output-complete",
        """\
counts = spark.readStream.table("main.bronze.events").groupBy("event_type").count()
(counts.writeStream
    .outputMode("complete")
    .format("memory")
    .queryName("event_counts")
    .start())
""",
    ),
    Case(
        "streaming-output-complete-totable",
        """\
(spark.readStream.table("main.bronze.events")
    .groupBy("event_date").count()
    .writeStream.outputMode("complete")
    .option("checkpointLocation", "/Volumes/main/bronze/checkpoints/daily_counts")
    .toTable("main.gold.daily_event_counts"))
""",
    ),
    Case(
        "streaming-append-totable",
        """\
(spark.readStream.format("cloudFiles")
    .option("cloudFiles.format", "json")
    .load("/Volumes/main/raw/landing/events")
    .writeStream.format("delta")
    .outputMode("append")
    .option("checkpointLocation", "/Volumes/main/bronze/checkpoints/events")
    .trigger(availableNow=True)
    .toTable("main.bronze.events"))
""",
    ),
    Case(
        "streaming-foreachbatch-append",
        """\
def upsert(batch_df, batch_id):
    batch_df.write.mode("append").saveAsTable("main.silver.events_log")


(spark.readStream.table("main.bronze.events")
    .writeStream.foreachBatch(upsert)
    .option("checkpointLocation", "/Volumes/main/silver/checkpoints/events_log")
    .start())
""",
    ),
    # ------------------------------------------------------------------ MERGE / UPDATE / INSERT
    Case(
        "merge-sql-basic",
        '''\
spark.sql("""
MERGE INTO main.silver.customers t
USING updates s
ON t.customer_id = s.customer_id
WHEN MATCHED THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *
""")
''',
    ),
    Case(
        "merge-sql-when-matched-delete",
        '''\
spark.sql("""
MERGE INTO main.silver.customers AS t
USING main.ops.erasure_requests AS r
ON t.customer_id = r.customer_id
WHEN MATCHED THEN DELETE
""")
''',
    ),
    Case(
        "merge-magic-cell-delete-and-update",
        """\
%%sql
MERGE INTO main.silver.orders t
USING main.bronze.order_changes c
ON t.order_id = c.order_id
WHEN MATCHED AND c.op = 'D' THEN DELETE
WHEN MATCHED THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *
""",
    ),
    Case(
        "update-sql",
        "spark.sql(\"UPDATE main.silver.orders SET status = 'closed' WHERE day < '2025-01-01'\")\n",
    ),
    Case(
        "insert-into-select",
        'spark.sql("INSERT INTO main.silver.sales SELECT * FROM main.bronze.sales")\n',
    ),
    Case(
        "insert-into-values",
        "spark.sql(\"INSERT INTO main.ops.run_log VALUES ('rebuild', current_timestamp())\")\n",
    ),
    Case(
        "insert-into-table-keyword-fstring",
        'spark.sql(f"INSERT INTO TABLE {catalog}.silver.sales SELECT * FROM staged_sales")\n',
        namespace={"catalog": "main"},
    ),
    # ------------------------------------------------------------------ DDL that is not destructive
    Case("vacuum-dry-run", 'spark.sql("VACUUM main.silver.sales DRY RUN")\n'),
    Case(
        "vacuum-retain-dry-run",
        'display(spark.sql("VACUUM main.silver.sales RETAIN 168 HOURS DRY RUN"))\n',
    ),
    Case("describe-history", 'display(spark.sql("DESCRIBE HISTORY main.silver.sales"))\n'),
    Case("describe-detail", 'spark.sql("DESCRIBE DETAIL main.silver.sales").show()\n'),
    Case("describe-table", 'spark.sql("DESCRIBE TABLE EXTENDED main.silver.sales").show()\n'),
    Case("optimize-zorder", 'spark.sql("OPTIMIZE main.silver.sales ZORDER BY (customer_id)")\n'),
    Case(
        "create-table-if-not-exists",
        '''\
spark.sql("""
CREATE TABLE IF NOT EXISTS main.silver.sales (
  order_id BIGINT,
  day DATE,
  amount DECIMAL(12, 2)
) USING DELTA
PARTITIONED BY (day)
""")
''',
    ),
    Case(
        "ctas-without-replace",
        'spark.sql("CREATE TABLE main.gold.kpis_2026 AS SELECT * FROM main.gold.kpis")\n',
    ),
    Case(
        "create-schema-if-not-exists",
        'spark.sql("CREATE SCHEMA IF NOT EXISTS main.scratch")\n',
    ),
    Case(
        "create-or-replace-temp-view",
        'spark.sql("CREATE OR REPLACE TEMP VIEW recent AS SELECT * FROM main.silver.sales")\n',
    ),
    Case(
        "create-or-replace-temporary-view",
        '''\
spark.sql("""
CREATE OR REPLACE TEMPORARY VIEW top_customers AS
SELECT customer_id, sum(amount) AS total
FROM main.silver.sales
GROUP BY customer_id
ORDER BY total DESC
LIMIT 100
""")
''',
    ),
    Case(
        "create-or-replace-global-temp-view",
        'spark.sql("CREATE OR REPLACE GLOBAL TEMP VIEW g_sales AS SELECT * FROM main.silver.x")\n',
    ),
    Case(
        "df-create-or-replace-temp-view",
        """\
df.createOrReplaceTempView("staged_sales")
df.createOrReplaceGlobalTempView("staged_sales_global")
""",
    ),
    Case(
        "alter-add-columns",
        'spark.sql("ALTER TABLE main.silver.sales ADD COLUMNS (channel STRING, region STRING)")\n',
    ),
    Case(
        "alter-set-tblproperties",
        '''\
spark.sql("""
ALTER TABLE main.silver.sales
SET TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true')
""")
''',
    ),
    Case(
        "alter-column-comment",
        "spark.sql(\"ALTER TABLE main.silver.sales ALTER COLUMN amount COMMENT 'gross, EUR'\")\n",
    ),
    Case("analyze-table", 'spark.sql("ANALYZE TABLE main.silver.sales COMPUTE STATISTICS")\n'),
    Case("refresh-table", 'spark.sql("REFRESH TABLE main.silver.sales")\n'),
    Case("grant-select", 'spark.sql("GRANT SELECT ON TABLE main.gold.kpis TO `analysts`")\n'),
    Case(
        "comment-on-table",
        "spark.sql(\"COMMENT ON TABLE main.gold.kpis IS 'Daily KPIs, rebuilt nightly'\")\n",
    ),
    Case("set-conf-sql", 'spark.sql("SET spark.sql.shuffle.partitions = 64")\n'),
    Case("use-catalog", 'spark.sql("USE CATALOG main")\n'),
    Case("show-tables-like", "spark.sql(\"SHOW TABLES IN main.silver LIKE 'drop*'\").show()\n"),
    Case("show-create-table", 'print(spark.sql("SHOW CREATE TABLE main.silver.sales").first())\n'),
    # ------------------------------------------------------------------ magics
    Case("magic-line-select", "%sql SELECT * FROM main.silver.sales LIMIT 10\n"),
    Case("magic-line-describe-history", "%sql DESCRIBE HISTORY main.silver.sales\n"),
    Case(
        "magic-cell-selects-and-show-tables",
        """\
%%sql
SHOW TABLES IN main.silver;
SELECT count(*) FROM main.silver.sales;
SELECT max(day) FROM main.silver.sales;
""",
    ),
    Case(
        "magic-cell-comment-truncate-then-select",
        """\
%%sql
-- TRUNCATE TABLE main.bronze.events
-- DROP TABLE main.bronze.events_old
SELECT event_date, count(*) FROM main.bronze.events GROUP BY event_date
""",
    ),
    Case(
        "magic-cell-vacuum-dry-run-history",
        """\
%%sql
VACUUM main.silver.sales DRY RUN;
DESCRIBE HISTORY main.silver.sales;
""",
    ),
    Case(
        "magic-cell-optimize-and-temp-view",
        """\
%%sql
OPTIMIZE main.silver.events ZORDER BY (user_id);
CREATE OR REPLACE TEMP VIEW v_events AS SELECT * FROM main.silver.events;
""",
    ),
    Case(
        "magic-cell-lowercase-select",
        """\
%%sql
select * from main.ops.drop_log where dropped_at > current_date() - interval 7 days
""",
    ),
    # ------------------------------------------------------------------ Delta Lake Python API
    Case(
        "delta-merge-update-all",
        """\
from delta.tables import DeltaTable

target = DeltaTable.forName(spark, "main.silver.customers")
(target.alias("t")
    .merge(updates.alias("s"), "t.customer_id = s.customer_id")
    .whenMatchedUpdateAll()
    .whenNotMatchedInsertAll()
    .execute())
""",
    ),
    Case(
        "delta-merge-when-matched-delete",
        """\
from delta.tables import DeltaTable

(DeltaTable.forName(spark, "main.silver.orders").alias("t")
    .merge(changes.alias("c"), "t.order_id = c.order_id")
    .whenMatchedDelete(condition="c.op = 'D'")
    .whenMatchedUpdateAll()
    .execute())
""",
    ),
    Case(
        "delta-history",
        """\
from delta.tables import DeltaTable

display(DeltaTable.forName(spark, "main.silver.sales").history())
""",
    ),
    Case(
        "delta-todf",
        """\
from delta.tables import DeltaTable

DeltaTable.forPath(spark, "/Volumes/main/silver/files/events").toDF().show()
""",
    ),
    Case(
        "delta-optimize-compaction",
        """\
from delta.tables import DeltaTable

DeltaTable.forName(spark, "main.silver.sales").optimize().executeCompaction()
""",
    ),
    Case(
        "delta-optimize-zorder",
        """\
from delta.tables import DeltaTable

dt = DeltaTable.forName(spark, "main.silver.events")
dt.optimize().where("event_date >= '2026-01-01'").executeZOrderBy("user_id")
""",
    ),
    Case(
        "delta-update",
        """\
from delta.tables import DeltaTable
from pyspark.sql import functions as F

dt = DeltaTable.forName(spark, "main.silver.orders")
dt.update(condition=F.col("status") == "pending", set={"status": F.lit("expired")})
""",
    ),
    Case(
        "delta-detail",
        """\
from delta.tables import DeltaTable as DT

display(DT.forName(spark, "main.gold.kpis").detail())
""",
    ),
    Case(
        "delta-create-if-not-exists-builder",
        """\
from delta.tables import DeltaTable

(DeltaTable.createIfNotExists(spark)
    .tableName("main.gold.dim_customer")
    .addColumn("customer_id", "BIGINT")
    .addColumn("name", "STRING")
    .execute())
""",
    ),
    Case(
        "delta-create-builder",
        """\
from delta.tables import DeltaTable

DeltaTable.create(spark).tableName("main.gold.dim_region").addColumn(
    "region_id", "INT"
).execute()
""",
    ),
    Case(
        "delta-is-delta-table",
        """\
from delta.tables import DeltaTable

print(DeltaTable.isDeltaTable(spark, "/Volumes/main/silver/files/events"))
""",
    ),
    # ------------------------------------------------------------------ DataFrame / Python "drops"
    Case("df-drop-col", 'df = df.drop("col")\n'),
    Case(
        "df-drop-many-cols",
        """\
pii = ["email", "phone", "address"]
safe = spark.table("main.silver.customers").drop(*pii)
""",
    ),
    Case("df-drop-duplicates", 'deduped = df.dropDuplicates(["order_id"])\n'),
    Case("df-na-drop", 'clean = df.na.drop(subset=["customer_id"])\n'),
    Case("df-dropna", 'clean = df.dropna(how="all")\n'),
    Case(
        "sql-result-drop-col",
        'slim = spark.sql("SELECT * FROM main.silver.sales").drop("op", "_rescued_data")\n',
    ),
    Case(
        "pandas-drop-columns",
        """\
pdf = df.toPandas()
pdf = pdf.drop(columns=["internal_id", "etl_ts"])
""",
    ),
    Case(
        "list-remove",
        """\
tables = ["main.silver.sales", "main.silver.orders"]
tables.remove("main.silver.orders")
print(tables)
""",
    ),
    Case(
        "dict-pop",
        """\
options = {"header": "true", "overwrite": "true"}
options.pop("overwrite")
""",
    ),
    Case(
        "set-discard",
        """\
seen = {"sales", "orders"}
seen.discard("sales")
""",
    ),
    Case(
        "del-statement",
        """\
tmp = spark.table("main.silver.sales")
del tmp
""",
    ),
    Case(
        "unpersist-and-clear-cache",
        """\
df.unpersist()
spark.catalog.uncacheTable("main.silver.sales")
spark.catalog.clearCache()
""",
    ),
    Case("drop-temp-view", 'spark.catalog.dropTempView("v")\n'),
    Case("drop-global-temp-view", 'spark.catalog.dropGlobalTempView("staged_sales_global")\n'),
    Case(
        "catalog-table-exists",
        """\
if spark.catalog.tableExists("main.silver.sales"):
    display(spark.table("main.silver.sales"))
""",
    ),
    Case("display-df", "display(df)\n"),
    # ------------------------------------------------------------------ local files / dbutils
    Case(
        "os-remove-png",
        """\
import os

os.remove("plot.png")
""",
    ),
    Case(
        "pathlib-unlink-local",
        """\
from pathlib import Path

Path("report.html").unlink(missing_ok=True)
""",
    ),
    Case(
        "shutil-rmtree-local",
        """\
import shutil

shutil.rmtree("./tmp_plots")
""",
    ),
    Case(
        "shutil-rmtree-mkdtemp",
        """\
import shutil
import tempfile

shutil.rmtree(tempfile.mkdtemp())
""",
    ),
    Case(
        "shutil-rmtree-tempdir-variable",
        """\
import shutil
import tempfile

workdir = tempfile.mkdtemp(prefix="charts_")
pdf.plot().get_figure().savefig(f"{workdir}/sales.png")
shutil.rmtree(workdir)
""",
    ),
    Case(
        "shutil-rmtree-tmp-ignore-errors",
        """\
from shutil import rmtree

rmtree("/tmp/plots", ignore_errors=True)
""",
    ),
    Case(
        "shutil-copytree",
        """\
import shutil

shutil.copytree("/dbfs/tmp/exports/sales", "./exports_copy")
""",
    ),
    Case("dbutils-fs-ls", 'display(dbutils.fs.ls("/Volumes/main/raw/landing/sales"))\n'),
    Case(
        "dbutils-fs-cp",
        'dbutils.fs.cp("/Volumes/main/raw/landing/a.csv", "/Volumes/main/raw/archive/a.csv")\n',
    ),
    Case("dbutils-fs-mkdirs", 'dbutils.fs.mkdirs("/Volumes/main/raw/landing/2026-02")\n'),
    Case("dbutils-fs-head", 'print(dbutils.fs.head("/Volumes/main/raw/landing/part-0.json"))\n'),
    Case(
        "dbutils-widgets-remove",
        """\
dbutils.widgets.remove("run_date")
dbutils.widgets.removeAll()
""",
    ),
]

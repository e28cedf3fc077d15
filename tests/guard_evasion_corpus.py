"""Cells written to get a destructive operation past the guard, and benign look-alikes.

tests/test_guard_evasion.py runs every cell in a real IPython shell with ``%guard on``, a real
local Spark + Delta session and real tables and files:

- ``default.ev_orders``, ``default.ev_events``, ``default.ev_dim``: Delta tables (id INT,
  label STRING) the destructive cells aim at; ``default.ev_sink``: where benign cells append;
- ``@DATA@``: a folder that counts as a data path (inside a ``.dbx_architect`` root) holding
  ``landing/a.csv``, ``landing/b.csv``, ``files/p/part-0.txt``, ``empty/``, ``scratch/x.txt``
  and the path table ``tables/ev_path``; ``@SCRATCH@``: a scratch folder that does not;
- ``df`` (a DataFrame of ev_events), ``src`` (one row), ``dbutils`` (a small real object whose
  ``fs.rm`` / ``mv`` / ``cp`` / ``ls`` act on local files; a path without a scheme is DBFS, so
  a data path) and the helpers of :data:`COMMON`, as cells run before the guard was on.

``layer`` says which layer holds a destructive cell: ``static`` (nothing in the cell ran),
``runtime`` (the cell ran up to the call, which was stopped) or ``notice`` (stopped, and the
error was swallowed by ``%%capture`` or ``try/except``, so the guard shows it after the cell).
``setup`` is an earlier cell run before ``%guard on``; ``namespace`` holds earlier variables.
"""

# ruff: noqa: E501  (one case per line, as in the other corpora)
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Helpers "defined in earlier cells": queries, names and modes known only when they run.
COMMON = """\
import base64 as _b64

def build():
    return "DROP" + " TABLE " + "default.ev_orders"

def build_select():
    return "SELECT " + "count(*) FROM default.ev_orders"

def pick():
    return "default." + "ev_orders"

def pick_mode():
    return "over" + "write"

def pick_append():
    return "app" + "end"

def landing_dir():
    return DATA + "/landing"

def scratch_dir():
    return SCRATCH + "/made"

def code():
    return "spark.sql('DROP TABLE default.ev_orders')"

def load_opts():
    return {"mode": "overwrite"}
"""


@dataclass(frozen=True)
class Evasion:
    id: str
    cell: str
    layer: str = ""  # static | runtime | notice; "" for a benign cell
    setup: str = ""  # an earlier cell, run before %guard on
    namespace: dict[str, Any] = field(default_factory=dict)


def static(id: str, cell: str, **kw: Any) -> Evasion:
    return Evasion(id, cell, "static", **kw)


def runtime(id: str, cell: str, **kw: Any) -> Evasion:
    return Evasion(id, cell, "runtime", **kw)


def notice(id: str, cell: str, **kw: Any) -> Evasion:
    return Evasion(id, cell, "notice", **kw)


def benign(id: str, cell: str, **kw: Any) -> Evasion:
    return Evasion(id, cell, "", **kw)


ORD = "default.ev_orders"
E = "default.ev_events"
DIM = "default.ev_dim"
SINK = "default.ev_sink"
PATH_TABLE = "@DATA@/tables/ev_path"

SQL_EVASIONS = [
    static("sql-block-comment-inside", f'spark.sql("DROP /* harmless */ TABLE {ORD}")'),
    static("sql-line-comments-newlines", f'spark.sql("-- cleanup\\nDROP\\n\\tTABLE\\n  {ORD}")'),
    static("sql-odd-spacing-semicolon", f'spark.sql("  drop   table   IF  EXISTS {ORD}  ;  ")'),
    static("sql-backticked-parts", 'spark.sql("DROP TABLE `default`.`ev_orders`")'),
    static("sql-after-a-select", f'spark.sql("SELECT 1; DROP TABLE {ORD}")'),
    static("sql-semicolon-in-string", f"spark.sql(\"SELECT ';' AS x; DROP TABLE {ORD}\")"),
    static("sql-mixed-case", f'spark.sql("tRuNcAtE tAbLe {ORD}")'),
    static("sql-truncate-comment", f'spark.sql("TRUNCATE /* x */ TABLE {ORD}")'),
    static("sql-delete-where-true", f'spark.sql("DELETE FROM {ORD} WHERE 1 = 1")'),
    static("sql-delete-alias", f'spark.sql("DELETE FROM {ORD} AS o WHERE o.id > 0")'),
    static(
        "sql-insert-overwrite", f'spark.sql("INSERT OVERWRITE {ORD} SELECT * FROM {ORD} LIMIT 0")'
    ),
    static(
        "sql-insert-overwrite-cte",
        f'spark.sql("WITH x AS (SELECT * FROM {ORD} LIMIT 0) INSERT OVERWRITE TABLE {ORD} '
        'SELECT * FROM x")',
    ),
    static(
        "sql-replace-where",
        f'spark.sql("INSERT INTO {ORD} REPLACE WHERE id > 2 SELECT * FROM {ORD} WHERE id > 100")',
    ),
    static(
        "sql-create-or-replace", f'spark.sql("CREATE OR REPLACE TABLE {ORD} AS SELECT 1 AS id")'
    ),
    static("sql-replace-table", f'spark.sql("REPLACE TABLE {ORD} USING DELTA AS SELECT 1 AS id")'),
    static("sql-vacuum-zero", f'spark.sql("VACUUM {ORD} RETAIN 0 HOURS")'),
    static("sql-vacuum-path", f'spark.sql("VACUUM delta.`{PATH_TABLE}`")'),
    static("sql-restore", f'spark.sql("RESTORE TABLE {ORD} TO VERSION AS OF 0")'),
    static("sql-alter-drop-column", f'spark.sql("ALTER TABLE {ORD} DROP COLUMN label")'),
    static("sql-replace-columns", f'spark.sql("ALTER TABLE {ORD} REPLACE COLUMNS (id INT)")'),
    static("sql-update-without-where", f"spark.sql(\"UPDATE {ORD} SET label = 'x'\")"),
    static(
        "sql-merge-not-matched-by-source-delete",
        f'spark.sql("MERGE INTO {DIM} t USING (SELECT 1 AS id) s ON t.id = s.id '
        'WHEN NOT MATCHED BY SOURCE THEN DELETE")',
    ),
    static(
        "sql-retention-check-off",
        'spark.sql("SET spark.databricks.delta.retentionDurationCheck.enabled = false")',
    ),
    static(
        "sql-retention-zero-property",
        f'spark.sql("ALTER TABLE {ORD} SET TBLPROPERTIES '
        "('delta.deletedFileRetentionDuration' = 'interval 0 hours')\")",
    ),
    static("sql-execute-immediate-literal", f"spark.sql(\"EXECUTE IMMEDIATE 'DROP TABLE {ORD}'\")"),
    static(
        "sql-execute-immediate-variable",
        f"spark.sql(\"DECLARE OR REPLACE VARIABLE stmt STRING DEFAULT 'DROP TABLE {ORD}'\")\n"
        'spark.sql("EXECUTE IMMEDIATE stmt")',
    ),
    static("sql-drop-schema-cascade", 'spark.sql("DROP SCHEMA ev_schema CASCADE")'),
    # how the text is built
    static(
        "sql-fstring-namespace",
        'spark.sql(f"DROP TABLE {db}.{tbl}")',
        namespace={"db": "default", "tbl": "ev_orders"},
    ),
    static(
        "sql-format-method",
        'spark.sql("DROP TABLE {}.{}".format(db, tbl))',
        namespace={"db": "default", "tbl": "ev_orders"},
    ),
    static("sql-percent-format", 'spark.sql("DROP TABLE %s" % name)', namespace={"name": ORD}),
    static("sql-str-join", 'spark.sql(" ".join(["DROP", "TABLE", name]))', namespace={"name": ORD}),
    static("sql-concat-function-target", 'spark.sql("DROP TABLE " + pick())'),
    static("sql-fstring-function-target", 'spark.sql(f"TRUNCATE TABLE {pick()}")'),
    static("sql-loop-over-literal", f'for t in ["{ORD}"]:\n    spark.sql(f"DROP TABLE {{t}}")'),
    static(
        "sql-loop-over-catalog",
        'for t in spark.catalog.listTables("default"):\n'
        '    spark.sql(f"DELETE FROM default.{t.name}")',
    ),
    static("sql-namespace-query", "spark.sql(q)", namespace={"q": f"DELETE FROM {ORD}"}),
    static(
        "sql-namespace-dict-lookup",
        'spark.sql(queries["cleanup"])',
        namespace={"queries": {"cleanup": f"DROP TABLE {ORD}"}},
    ),
    static("sql-walrus", f'spark.sql(q := "DROP TABLE {ORD}")'),
    static("sql-augmented", f'q = "DROP "\nq += "TABLE {ORD}"\nspark.sql(q)'),
    static("sql-bound-method-alias", f'q = spark.sql\nq("DROP TABLE {ORD}")'),
    static("sql-getattr", f'getattr(spark, "sql")("DROP TABLE {ORD}")'),
    static("sql-getattr-built-name", f'run = getattr(spark, "s" + "ql")\nrun("DROP TABLE {ORD}")'),
    static("sql-keyword-argument", f'spark.sql(sqlQuery="DROP TABLE {ORD}")'),
    static(
        "sql-format-kwargs-column",
        f'from pyspark.sql import functions as F\nspark.sql("DROP TABLE {{t}}", t=F.col("{ORD}"))',
    ),
    static(
        "sql-class-call",
        f'from pyspark.sql import SparkSession\nSparkSession.sql(spark, "DROP TABLE {ORD}")',
    ),
    static("sql-named-parameter", f'spark.sql("DROP TABLE IDENTIFIER(:t)", args={{"t": "{ORD}"}})'),
    static("sql-positional-parameter", f'spark.sql("DELETE FROM IDENTIFIER(?)", ["{ORD}"])'),
    static("sql-exec-literal", f"exec(\"spark.sql('DROP TABLE {ORD}')\")"),
    static("sql-eval-literal", f"eval(\"spark.sql('DROP TABLE {ORD}')\")"),
    static("sql-run-cell", f"get_ipython().run_cell(\"spark.sql('DROP TABLE {ORD}')\")"),
    static("sql-lambda", f'(lambda: spark.sql("DROP TABLE {ORD}"))()'),
    static(
        "sql-class-body",
        f'class Job:\n    def run(self):\n        spark.sql("DROP TABLE {ORD}")\n\nJob().run()',
    ),
    static(
        "sql-comprehension",
        f'[spark.sql(f"DROP TABLE {{t}}") for t in ["{ORD}"]]',
    ),
    # what only the runtime layer can see
    static(
        "sql-in-a-default-argument",
        f'def g(x=spark.sql("DROP TABLE {ORD}")):\n    return x',
    ),
    static(
        "sql-comprehension-shadows-namespace",
        'spark_tables = [spark.sql(f"DROP TABLE {t}") for t in [pick()]]',
        namespace={"t": "default.not_a_table"},
    ),
    static(
        "sql-textwrap-dedent",
        f'import textwrap\nspark.sql(textwrap.dedent("""\n    DELETE FROM {ORD}\n"""))',
    ),
    runtime("sql-built-by-function", "spark.sql(build())"),
    runtime("sql-bytes-decoded", f'spark.sql(b"DROP TABLE {ORD}".decode())'),
    runtime(
        "sql-base64",
        "spark.sql(_b64.b64decode('RFJPUCBUQUJMRSBkZWZhdWx0LmV2X29yZGVycw==').decode())",
    ),
    runtime("sql-reversed", 'spark.sql("sredro_ve.tluafed ELBAT PORD"[::-1])'),
    runtime("sql-map", "list(map(spark.sql, [build()]))"),
    runtime("sql-exec-built", "exec(code())"),
    runtime("sql-type-call", "type(spark).sql(spark, build())"),
    runtime("sql-conditional", f'spark.sql("DROP TABLE {ORD}" if len("x") else "SELECT 1")'),
    runtime(
        "sql-shadowed-namespace-name",
        "q = build()\nspark.sql(q)",
        namespace={"q": "SELECT 1"},
    ),
    runtime("sql-alias-bound-before-guard", "run_sql(build())", setup="run_sql = spark.sql"),
    runtime(
        "sql-function-parameter",
        "def run(query):\n    return spark.sql(query)\n\nrun(build())",
    ),
    static(
        "conf-retention-check-off",
        'spark.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "false")',
    ),
    static(
        "conf-retention-check-off-bool",
        'spark.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", False)',
    ),
    runtime(
        "conf-retention-key-built",
        'spark.conf.set("spark.databricks.delta." + "retentionDurationCheck.enabled".strip("!"), '
        "str(False).lower())",
    ),
    notice("sql-caught", "try:\n    spark.sql(build())\nexcept Exception:\n    pass"),
    notice(
        "sql-in-a-thread",
        "import threading\nworker = threading.Thread(target=lambda: spark.sql(build()))\n"
        "worker.start()\nworker.join()",
    ),
]

MAGIC_EVASIONS = [
    static("magic-sql-line-drop", f"%sql DROP TABLE {ORD}"),
    static("magic-sql-cell-comments", f"%%sql\n-- tidy\nSELECT 1;\n/* x */ TRUNCATE TABLE {ORD}\n"),
    static("magic-sql-cell-lowercase-delete", f"%%sql\ndelete from {ORD}\n"),
    static("magic-sql-cell-vacuum", f"%%sql\nVACUUM {ORD} RETAIN 0 HOURS\n"),
    static("magic-sql-cell-update", f"%%sql\nUPDATE {ORD}\nSET label = 'gone'\n"),
    static(
        "magic-sql-cell-merge-delete",
        f"%%sql\nMERGE INTO {DIM} t USING (SELECT 1 AS id) s\nON t.id = s.id\n"
        "WHEN NOT MATCHED BY SOURCE THEN DELETE\n",
    ),
    static("magic-capture-drop", f'%%capture\nspark.sql("DROP TABLE {ORD}")\n'),
    static("magic-capture-output-truncate", f'%%capture out\nspark.sql("TRUNCATE TABLE {ORD}")\n'),
    static("magic-time-line", f'%time spark.sql("DELETE FROM {ORD}")'),
    static("magic-time-cell", f'%%time\nspark.sql("DELETE FROM {ORD}")\n'),
    static("magic-timeit-options", f'%timeit -n1 -r1 spark.sql("DELETE FROM {ORD}")'),
    notice("magic-capture-runtime-drop", "%%capture\nspark.sql(build())\n"),
    notice("magic-capture-guard-cell", f'%%capture\n%%guard\nspark.sql("DROP TABLE {ORD}")\n'),
    runtime(
        "guard-confirm-other-name-runtime-drop",
        f'%%guard --confirm {SINK}\nspark.sql("DELETE FROM {SINK} WHERE id < 0")\n'
        "spark.sql(build())\n",
    ),
    runtime(
        "guard-confirm-wrong-name-unknown-target",
        "%%guard --confirm default.something_else\n"
        'for t in spark.catalog.listTables("default"):\n'
        '    if t.name == "ev_orders":\n'
        '        spark.sql(f"DROP TABLE default.{t.name}")\n',
    ),
    runtime(
        "guard-confirm-star",
        "%%guard --confirm *\nspark.sql(f\"DROP TABLE default.{pick().split('.')[1]}\")\n",
    ),
    static(
        "allow-list-dotdot",
        'import shutil\nshutil.rmtree("@DATA@/scratch/../landing")',
        setup="%guard allow @DATA@/scratch/*",
    ),
    static(
        "allow-list-other-table",
        f'spark.sql("DROP TABLE IF EXISTS default.ev_sandbox_x")\nspark.sql("DROP TABLE {ORD}")',
        setup="%guard allow default.ev_sandbox_*",
    ),
]

WRITER_EVASIONS = [
    static("write-positional-mode", f'df.write.saveAsTable("{E}", "delta", "overwrite")'),
    static("save-positional-mode", f'df.write.save("{PATH_TABLE}", "delta", "overwrite")'),
    static("parquet-positional-mode", 'df.write.parquet("@DATA@/files/p", "overwrite")'),
    static("csv-positional-mode", 'df.write.csv("@DATA@/landing", "overwrite")'),
    static("json-positional-mode", 'df.write.json("@DATA@/files/p", "overwrite")'),
    static("orc-positional-mode", 'df.write.orc("@DATA@/files/p", "overwrite")'),
    static("xml-positional-mode", 'df.write.xml("@DATA@/files/p", "row", "overwrite")'),
    static("insertinto-positional-true", f'df.write.insertInto("{E}", True)'),
    static("kwargs-dict-literal", f'df.write.saveAsTable("{E}", **{{"mode": "overwrite"}})'),
    static(
        "kwargs-dict-variable",
        f'opts = {{"mode": "overwrite"}}\ndf.write.saveAsTable("{E}", **opts)',
    ),
    static(
        "kwargs-dict-namespace",
        f'df.write.saveAsTable("{E}", **opts)',
        namespace={"opts": {"format": "delta", "mode": "overwrite"}},
    ),
    static("getattr-mode", f'getattr(df.write, "mode")("overwrite").saveAsTable("{E}")'),
    static("getattr-sink", f'getattr(df.write.mode("overwrite"), "saveAsTable")("{E}")'),
    static(
        "bound-sink-alias",
        f'w = df.write.mode("overwrite")\nsave = w.saveAsTable\nsave("{E}")',
    ),
    static(
        "mode-namespace-uppercase",
        f'df.write.mode(m).saveAsTable("{E}")',
        namespace={"m": "OVERWRITE"},
    ),
    static("mode-concatenated", f'df.write.mode("over" + "write").saveAsTable("{E}")'),
    static(
        "mode-dict-lookup",
        f'modes = {{"full": "overwrite"}}\ndf.write.mode(modes["full"]).saveAsTable("{E}")',
    ),
    static("mode-keyword-savemode", f'df.write.mode(saveMode="overwrite").saveAsTable("{E}")'),
    static(
        "writer-from-earlier-cell",
        f'w.saveAsTable("{E}")',
        setup='w = df.write.mode("overwrite").format("delta")',
    ),
    static(
        "bound-sink-from-earlier-cell",
        f'save("{E}")',
        setup='save = df.write.mode("overwrite").saveAsTable',
    ),
    static("target-from-function", 'df.write.mode("overwrite").saveAsTable(pick())'),
    static(
        "target-os-path-join-unknown",
        'import os\nroot = os.environ.get("NOPE", DATA)\n'
        'df.write.mode("overwrite").format("delta").save(os.path.join(root, "tables", "ev_path"))',
    ),
    static(
        "target-os-path-join-known",
        'import os\ndf.write.mode("overwrite").format("delta").save(os.path.join(DATA, "tables", '
        '"ev_path"))',
        namespace={"DATA": "@DATA@"},
    ),
    static(
        "target-pathlib",
        "from pathlib import Path\n"
        'df.write.mode("overwrite").format("delta").save(str(Path(DATA) / "tables" / "ev_path"))',
        namespace={"DATA": "@DATA@"},
    ),
    static(
        "replacewhere-option",
        f'df.write.mode("overwrite").option("replaceWhere", "id > 3").saveAsTable("{E}")',
    ),
    static(
        "replacewhere-options-kwargs",
        f'df.write.mode("overwrite").options(**{{"replaceWhere": "id > 3"}}).saveAsTable("{E}")',
    ),
    static(
        "path-option",
        f'df.write.mode("overwrite").option("path", "{PATH_TABLE}").format("delta").save()',
    ),
    static("lambda-writer", f'(lambda d: d.write.mode("overwrite").saveAsTable("{E}"))(df)'),
    static(
        "class-method-writer",
        f'class W:\n    def go(self):\n        df.write.mode("overwrite").saveAsTable("{E}")\n\nW().go()',
    ),
    static("v2-getattr-create-or-replace", f'getattr(df.writeTo("{E}"), "createOrReplace")()'),
    static("v2-alias-overwrite-partitions", f'w2 = df.writeTo("{E}")\nw2.overwritePartitions()'),
    static("v2-table-from-function", "df.writeTo(pick()).replace()"),
    static(
        "v2-overwrite-lit-true",
        f'from pyspark.sql import functions as F\ndf.writeTo("{E}").overwrite(F.lit(True))',
    ),
    static("v2-from-earlier-cell", "w2.createOrReplace()", setup=f'w2 = df.writeTo("{E}")'),
    runtime("mode-from-function", f'df.write.mode(pick_mode()).saveAsTable("{E}")'),
    runtime("kwargs-from-function", f'df.write.saveAsTable("{E}", **load_opts())'),
    runtime(
        "mode-function-parameter",
        f'def write(d, m):\n    d.write.mode(m).saveAsTable("{E}")\n\nwrite(df, "overwrite")',
    ),
    runtime(
        "functools-partial-sink",
        f'import functools\nfunctools.partial(df.write.mode("overwrite").saveAsTable, "{E}")()',
    ),
    runtime(
        "methodcaller-sink",
        f'import operator\noperator.methodcaller("saveAsTable", "{E}")(df.write.mode(pick_mode()))',
    ),
    runtime(
        "insertinto-flag-from-function",
        f'df.write.insertInto("{E}", overwrite=pick_mode() == "overwrite")',
    ),
]

DELTA_EVASIONS = [
    static(
        "delta-alias-variable-delete",
        f'from delta.tables import DeltaTable\ndt = DeltaTable.forName(spark, "{ORD}")\ndt.delete()',
    ),
    static(
        "delta-import-as",
        f'from delta.tables import DeltaTable as DT\nDT.forName(spark, "{ORD}").delete("id > 2")',
    ),
    static(
        "delta-getattr-delete",
        f'from delta.tables import DeltaTable\ngetattr(DeltaTable.forName(spark, "{ORD}"), "delete")()',
    ),
    static(
        "delta-getattr-built-vacuum",
        f'from delta.tables import DeltaTable\ndt = DeltaTable.forName(spark, "{ORD}")\ngetattr(dt, "vac" + "uum")(0)',
    ),
    static(
        "delta-forpath-vacuum-zero",
        f'from delta.tables import DeltaTable\nDeltaTable.forPath(spark, "{PATH_TABLE}").vacuum(0)',
    ),
    static(
        "delta-restore-earlier-table",
        "dt_old.restoreToVersion(0)",
        setup=f'from delta.tables import DeltaTable\ndt_old = DeltaTable.forName(spark, "{ORD}")',
    ),
    static(
        "delta-update-without-condition",
        f'from delta.tables import DeltaTable\nDeltaTable.forName(spark, "{DIM}").update(set={{"label": "\'x\'"}})',
    ),
    static(
        "delta-merge-not-matched-by-source",
        f'from delta.tables import DeltaTable\nDeltaTable.forName(spark, "{DIM}").alias("t").merge('
        'src.alias("s"), "t.id = s.id").whenNotMatchedBySourceDelete().execute()',
    ),
    static(
        "delta-merge-builder-variables",
        f'from delta.tables import DeltaTable\ndt = DeltaTable.forName(spark, "{DIM}")\n'
        'm = dt.alias("t").merge(src.alias("s"), "t.id = s.id")\n'
        "m = m.whenMatchedUpdateAll()\nm = m.whenNotMatchedBySourceDelete()\nm.execute()",
    ),
    static(
        "delta-clone-replace",
        f'from delta.tables import DeltaTable\nDeltaTable.forName(spark, "{DIM}").clone("{ORD}", False, True)',
    ),
    static(
        "delta-create-or-replace-builder",
        f'from delta.tables import DeltaTable\nDeltaTable.createOrReplace(spark).tableName("{ORD}")'
        '.addColumn("id", "INT").execute()',
    ),
    static(
        "delta-replace-builder-unknown-name",
        "from delta.tables import DeltaTable\n"
        'DeltaTable.replace(spark).tableName(pick()).addColumn("id", "INT").execute()',
    ),
    static(
        "delta-target-from-function",
        "from delta.tables import DeltaTable\nDeltaTable.forName(spark, pick()).delete()",
    ),
    static(
        "delta-loop-unknown",
        "from delta.tables import DeltaTable\nfor n in [pick()]:\n    DeltaTable.forName(spark, n).delete()",
    ),
    runtime(
        "delta-merge-through-function",
        f"from delta.tables import DeltaTable\ndef run(builder):\n    return builder.execute()\n\n"
        f'run(DeltaTable.forName(spark, "{DIM}").alias("t").merge(src.alias("s"), "t.id = s.id")'
        ".whenMatchedUpdateAll().whenNotMatchedBySourceDelete())",
    ),
    runtime(
        "delta-methodcaller-delete",
        'import operator\nfrom delta.tables import DeltaTable\noperator.methodcaller("delete")('
        "DeltaTable.forName(spark, pick()) if False else tables[0])",
        setup=f'from delta.tables import DeltaTable\ntables = [DeltaTable.forName(spark, "{ORD}")]',
    ),
]

FILE_EVASIONS = [
    static("rmtree-literal", 'import shutil\nshutil.rmtree("@DATA@/landing")'),
    static("rmtree-module-alias", 'import shutil as sh\nsh.rmtree("@DATA@/landing")'),
    static("rmtree-function-alias", 'from shutil import rmtree as nuke\nnuke("@DATA@/landing")'),
    static(
        "rmtree-percent",
        'import shutil\nshutil.rmtree("%s/landing" % DATA)',
        namespace={"DATA": "@DATA@"},
    ),
    static(
        "rmtree-format",
        'import shutil\nshutil.rmtree("{}/landing".format(DATA))',
        namespace={"DATA": "@DATA@"},
    ),
    static(
        "rmtree-join-unknown-leaf",
        'import os, shutil\nshutil.rmtree(os.path.join("@DATA@", pick()[:0] + "landing"))',
    ),
    static("os-remove-literal", 'import os\nos.remove("@DATA@/landing/a.csv")'),
    static(
        "os-unlink-namespace",
        "import os\nos.unlink(victim)",
        namespace={"victim": "@DATA@/landing/b.csv"},
    ),
    static("os-rmdir", 'import os\nos.rmdir("@DATA@/empty")'),
    static("path-unlink", 'from pathlib import Path\nPath("@DATA@/landing/a.csv").unlink()'),
    static(
        "path-division-unlink",
        'from pathlib import Path\n(Path(DATA) / "landing" / "a.csv").unlink()',
        namespace={"DATA": "@DATA@"},
    ),
    static(
        "path-getattr-unlink",
        'from pathlib import Path\ngetattr(Path("@DATA@/landing/a.csv"), "unlink")()',
    ),
    static("path-rmdir", 'import pathlib\npathlib.Path("@DATA@/empty").rmdir()'),
    static(
        "path-namespace-object-unlink",
        "p.unlink()",
        setup='from pathlib import Path\np = Path(DATA) / "landing" / "b.csv"',
    ),
    static(
        "shutil-move-onto-data",
        'import shutil\nopen("@SCRATCH@/new.csv", "w").close()\nshutil.move("@SCRATCH@/new.csv", "@DATA@/landing/a.csv")',
    ),
    static(
        "os-replace-onto-data",
        'import os\nopen("@SCRATCH@/new.csv", "w").close()\nos.replace("@SCRATCH@/new.csv", "@DATA@/landing/b.csv")',
    ),
    static("os-rename-data-away", 'import os\nos.rename("@DATA@/landing", "@SCRATCH@/moved")'),
    static("dbutils-rm-literal", 'dbutils.fs.rm("@DATA@/landing", True)'),
    static("dbutils-rm-fs-alias", 'fs = dbutils.fs\nfs.rm("@DATA@/landing", recurse=True)'),
    static("dbutils-rm-getattr", 'getattr(dbutils.fs, "rm")("@DATA@/landing", True)'),
    static(
        "dbutils-mv-onto-data", 'dbutils.fs.mv("file:@SCRATCH@/new.csv", "@DATA@/landing/a.csv")'
    ),
    static("dbutils-mv-data-away", 'dbutils.fs.mv("@DATA@/landing", "file:@SCRATCH@/moved", True)'),
    static("bang-rm-literal", "!rm -rf @DATA@/landing"),
    static("bang-rm-namespace", "!rm -rf $landing", namespace={"landing": "@DATA@/landing"}),
    static("bang-rm-braces", "!rm -f {victim}", namespace={"victim": "@DATA@/landing/a.csv"}),
    static("bang-getoutput", "out = !rm -rf @DATA@/landing"),
    static(
        "bang-mv-onto-data", "!touch @SCRATCH@/new.csv && mv @SCRATCH@/new.csv @DATA@/landing/a.csv"
    ),
    static("bang-sudo-rm", "!sudo -n rm -rf @DATA@/landing 2>/dev/null || rm -rf @DATA@/landing"),
    static("alias-magic-rm", "%rm -rf @DATA@/landing"),
    static("sx-magic-rm", "%sx rm -rf @DATA@/landing"),
    static("bash-cell-rm", "%%bash\necho cleaning\nrm -rf @DATA@/landing\n"),
    static("bash-cell-variable", '%%bash\nTARGET=@DATA@/landing\nrm -rf "$TARGET"\n'),
    static("os-system-rm", 'import os\nos.system("rm -rf @DATA@/landing")'),
    static(
        "subprocess-list-rm", 'import subprocess\nsubprocess.run(["rm", "-rf", "@DATA@/landing"])'
    ),
    static(
        "subprocess-shell-string",
        'import subprocess\nsubprocess.call("rm -f @DATA@/landing/a.csv", shell=True)',
    ),
    static("os-popen-rm", 'import os\nos.popen("rm -rf @DATA@/landing").read()'),
    static(
        "subprocess-bash-c",
        'import subprocess\nsubprocess.run(["bash", "-c", "rm -rf @DATA@/landing"])',
    ),
    static("bang-find-delete", '!find @DATA@/landing -name "*.csv" -delete'),
    static("fs-magic-rm", "%fs rm -r @DATA@/landing"),
    static("fs-magic-mv-onto-data", "%fs mv file:@SCRATCH@/new.csv @DATA@/landing/a.csv"),
    static("sh-cell-rm", "%%sh\nrm -rf @DATA@/landing\n"),
    static(
        "rmtree-symlink-from-earlier-cell",
        'import shutil\nshutil.rmtree(SCRATCH + "/to_landing/")',
        setup='import os\nlink = SCRATCH + "/to_landing"\nos.path.islink(link) or os.symlink(DATA + "/landing", link)',
    ),
    runtime(
        "rmtree-symlink-made-in-the-cell",
        'import os, shutil\nos.symlink(landing_dir(), SCRATCH + "/made_link")\nshutil.rmtree(SCRATCH + "/made_link/")',
    ),
    runtime("bang-xargs-rm", "!echo @DATA@/landing | xargs rm -rf"),
    runtime(
        "bang-environment-variable",
        "!rm -rf $EV_TARGET",
        setup='import os\nos.environ["EV_TARGET"] = DATA + "/landing"',
    ),
    runtime("bang-glob-through-function", "!rm -f {landing_dir()}/*.csv"),
    runtime("rmtree-path-from-function", "import shutil\nshutil.rmtree(landing_dir())"),
    runtime(
        "rmtree-bound-before-guard",
        "wipe(landing_dir())",
        setup="from shutil import rmtree as wipe",
    ),
    runtime(
        "os-remove-glob-loop",
        'import glob, os\nfor f in glob.glob(landing_dir() + "/*.csv"):\n    os.remove(f)',
    ),
    runtime(
        "path-unlink-from-function",
        'from pathlib import Path\nPath(landing_dir(), "a.csv").unlink()',
    ),
    runtime("dbutils-rm-from-function", "dbutils.fs.rm(landing_dir(), True)"),
    runtime(
        "dbutils-mv-destination-from-function",
        'dbutils.fs.mv("file:@SCRATCH@/new.csv", landing_dir() + "/a.csv")',
    ),
    runtime("bang-rm-expression", "!rm -rf {landing_dir()}"),
]

DESTRUCTIVE = SQL_EVASIONS + MAGIC_EVASIONS + WRITER_EVASIONS + DELTA_EVASIONS + FILE_EVASIONS

BENIGN = [
    # SQL whose words look destructive
    benign("sql-select-drop-in-string", "spark.sql(\"SELECT 'DROP TABLE x' AS note\").collect()"),
    benign(
        "sql-select-delete-in-where", f"spark.sql(\"SELECT * FROM {ORD} WHERE label = 'delete'\")"
    ),
    benign("sql-comment-drop-then-select", 'spark.sql("-- DROP TABLE x\\nSELECT 1")'),
    benign("sql-block-comment-truncate", 'spark.sql("/* TRUNCATE TABLE x */ SELECT 1")'),
    benign(
        "sql-column-named-overwrite", 'spark.sql("SELECT overwrite FROM (SELECT 1 AS overwrite)")'
    ),
    benign("sql-replace-function", "spark.sql(\"SELECT replace('drop', 'd', 'p') AS x\")"),
    benign("sql-describe-history", f'spark.sql("DESCRIBE HISTORY {ORD}")'),
    benign("sql-describe-detail", f'spark.sql("DESCRIBE DETAIL {ORD}")'),
    benign("sql-show-tables", 'spark.sql("SHOW TABLES IN default")'),
    benign("sql-time-travel-read", f'spark.sql("SELECT * FROM {ORD} VERSION AS OF 0")'),
    benign(
        "sql-vacuum-dry-run",
        'spark.conf.set("spark.sql.sources.parallelPartitionDiscovery.parallelism", "2")\n'
        f'spark.sql("VACUUM {ORD} DRY RUN")',
    ),
    benign("sql-update-with-where", f"spark.sql(\"UPDATE {SINK} SET label = 'x' WHERE id < 0\")"),
    benign("sql-insert-into-values", f"spark.sql(\"INSERT INTO {SINK} VALUES (100, 'drop')\")"),
    benign(
        "sql-create-if-not-exists",
        'spark.sql("CREATE TABLE IF NOT EXISTS default.ev_new (id INT) USING DELTA")',
    ),
    benign(
        "sql-create-temp-view", 'spark.sql("CREATE OR REPLACE TEMP VIEW ev_tmp AS SELECT 1 AS id")'
    ),
    benign("sql-set-shuffle", 'spark.sql("SET spark.sql.shuffle.partitions = 4")'),
    benign(
        "sql-retention-check-on",
        'spark.sql("SET spark.databricks.delta.retentionDurationCheck.enabled = true")',
    ),
    benign(
        "sql-tblproperties-comment",
        f"spark.sql(\"ALTER TABLE {SINK} SET TBLPROPERTIES ('comment' = 'delete me later')\")",
    ),
    benign("sql-show-tblproperties", f'spark.sql("SHOW TBLPROPERTIES {ORD}")'),
    benign(
        "sql-fstring-select", 'spark.sql(f"SELECT * FROM {name} LIMIT 1")', namespace={"name": ORD}
    ),
    benign("sql-select-from-function", "spark.sql(build_select()).collect()"),
    benign(
        "sql-select-variable-shadowing",
        'q = "SELECT 1"\nspark.sql(q)',
        namespace={"q": f"DROP TABLE {ORD}"},
    ),
    benign(
        "sql-format-kwargs-select",
        f'spark.sql("SELECT * FROM {{t}} WHERE label = {{v}}", t=df, v="DROP TABLE {ORD}")',
    ),
    benign(
        "sql-select-comprehension", f'[spark.sql(f"SELECT * FROM {{t}}") for t in ["{ORD}", "{E}"]]'
    ),
    benign(
        "sql-count-of-deletes",
        "spark.sql(\"SELECT count(*) AS deletes FROM (SELECT 'DELETE' AS op)\")",
    ),
    benign("sql-string-printed", f'print("DROP TABLE {ORD}")'),
    benign(
        "sql-string-logged",
        f'import logging\nlogging.getLogger("x").info("TRUNCATE TABLE {ORD} skipped")',
    ),
    benign(
        "sql-docstring", f'def f():\n    """Never DROP TABLE {ORD} here."""\n    return 1\n\nf()'
    ),
    benign("conf-shuffle", 'spark.conf.set("spark.sql.shuffle.partitions", "4")'),
    benign(
        "conf-retention-check-on",
        'spark.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "true")',
    ),
    benign("conf-get", 'spark.conf.get("spark.sql.shuffle.partitions")'),
    benign("magic-sql-select", f"%sql SELECT * FROM {ORD} LIMIT 1"),
    benign(
        "magic-sql-cell-comment-words",
        f"%%sql\n-- DROP TABLE {ORD}\nSELECT 1;\n/* DELETE FROM {ORD} */\nSELECT 2\n",
    ),
    benign("magic-sql-describe", f"%%sql\nDESCRIBE HISTORY {ORD}\n"),
    benign("magic-capture-select", f'%%capture\nspark.sql("SELECT * FROM {ORD}")\n'),
    benign("magic-time-select", '%time spark.sql("SELECT 1")'),
    benign("magic-timeit-strings", '%timeit -n1 -r1 "DROP TABLE x".lower()'),
    benign("guard-dry-run", f'%%guard --dry-run\nspark.sql("DROP TABLE {ORD}")\n'),
    benign("guard-status", "%guard status"),
    benign(
        "guard-confirmed-overwrite",
        f'%%guard --confirm {SINK}\ndf.limit(1).write.format("delta").mode("overwrite")'
        f'.saveAsTable("{SINK}")\n',
    ),
    benign("exec-harmless", 'exec("x_exec = 1 + 1")'),
    benign("eval-harmless", "eval(\"len('DROP TABLE')\")"),
    benign("run-cell-harmless", 'get_ipython().run_cell("y_cell = 2")'),
]

BENIGN += [
    # writers that only add
    benign("append-literal", f'df.limit(1).write.mode("append").saveAsTable("{SINK}")'),
    benign("append-positional", f'df.limit(1).write.saveAsTable("{SINK}", "delta", "append")'),
    benign(
        "append-kwargs-dict", f'df.limit(1).write.saveAsTable("{SINK}", **{{"mode": "append"}})'
    ),
    benign("append-from-function", f'df.limit(1).write.mode(pick_append()).saveAsTable("{SINK}")'),
    benign(
        "append-mode-namespace",
        f'df.limit(1).write.mode(m).saveAsTable("{SINK}")',
        namespace={"m": "append"},
    ),
    benign("insertinto-default", f'df.limit(1).write.insertInto("{SINK}")'),
    benign("insertinto-false", f'df.limit(1).write.insertInto("{SINK}", False)'),
    benign("ignore-mode-existing", f'df.write.mode("ignore").saveAsTable("{SINK}")'),
    benign("ignore-positional", f'df.write.saveAsTable("{SINK}", "delta", "ignore")'),
    benign("error-mode-kw", 'df.write.saveAsTable("default.ev_new_error", mode="error")'),
    benign(
        "writer-unused-overwrite-config",
        'cfg = {"mode": "overwrite", "table": "x"}\nprint(cfg["mode"])',
    ),
    benign(
        "writer-variable-append-earlier",
        f'w_append.saveAsTable("{SINK}")',
        setup='w_append = df.limit(1).write.mode("append")',
    ),
    benign("v2-append", f'df.limit(1).writeTo("{SINK}").append()'),
    benign("v2-create-new", 'df.limit(1).writeTo("default.ev_new_v2").using("delta").create()'),
    benign(
        "overwrite-schema-append",
        f'df.limit(1).write.mode("append").option("mergeSchema", "true").saveAsTable("{SINK}")',
    ),
    benign("parquet-append-scratch", 'df.limit(1).write.mode("append").parquet("@SCRATCH@/out")'),
    benign("csv-errorifexists-new", 'df.limit(1).write.csv("@SCRATCH@/new_csv", "error")'),
    benign(
        "pandas-to-csv-overwrite-word",
        'import pandas as pd\npd.DataFrame({"mode": ["overwrite"]}).to_csv("@SCRATCH@/p.csv", mode="w")',
    ),
    # reads and Delta metadata
    benign("read-path-table", f'spark.read.format("delta").load("{PATH_TABLE}").count()'),
    benign("read-table", f'spark.table("{ORD}").where("label != \'drop\'").count()'),
    benign(
        "delta-history",
        f'from delta.tables import DeltaTable\nDeltaTable.forName(spark, "{ORD}").history().count()',
    ),
    benign(
        "delta-detail",
        f'from delta.tables import DeltaTable\nDeltaTable.forName(spark, "{ORD}").detail()',
    ),
    benign(
        "delta-todf",
        f'from delta.tables import DeltaTable\nDeltaTable.forPath(spark, "{PATH_TABLE}").toDF().limit(1)',
    ),
    benign(
        "delta-is-delta",
        f'from delta.tables import DeltaTable\nDeltaTable.isDeltaTable(spark, "{PATH_TABLE}")',
    ),
    benign(
        "delta-update-with-condition",
        f'from delta.tables import DeltaTable\nDeltaTable.forName(spark, "{SINK}").update("id < 0", {{"label": "\'x\'"}})',
    ),
    benign(
        "delta-merge-upsert",
        f'from delta.tables import DeltaTable\nDeltaTable.forName(spark, "{SINK}").alias("t").merge('
        'src.alias("s"), "t.id = s.id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute()',
    ),
    benign(
        "delta-merge-builder-not-run",
        f'from delta.tables import DeltaTable\nb = DeltaTable.forName(spark, "{DIM}").alias("t").merge(src.alias("s"), "t.id = s.id")',
    ),
    benign(
        "delta-create-if-not-exists",
        'from delta.tables import DeltaTable\nDeltaTable.createIfNotExists(spark).tableName("default.ev_new_builder").addColumn("id", "INT").execute()',
    ),
    # DataFrame / Python look-alikes
    benign("df-drop-column", 'df.drop("label").columns'),
    benign("df-na-drop", "df.na.drop().columns"),
    benign("df-replace-values", 'df.replace("a", "b").columns'),
    benign(
        "temp-view-drop", 'df.createOrReplaceTempView("ev_v")\nspark.catalog.dropTempView("ev_v")'
    ),
    benign("clear-cache", "spark.catalog.clearCache()"),
    benign("list-remove", 'items = ["drop", "keep"]\nitems.remove("drop")'),
    benign("dict-pop", 'settings = {"truncate": 1}\nsettings.pop("truncate")'),
    benign("str-replace", '"overwrite".replace("over", "re")'),
    benign("regex-sub", 'import re\nre.sub("DELETE", "", "DELETE FROM x")'),
    benign("del-statement", "victim_name = 1\ndel victim_name"),
    benign(
        "pandas-drop", 'import pandas as pd\npd.DataFrame({"a": [1], "b": [2]}).drop(columns=["a"])'
    ),
    benign("overwrite-variable-unused", 'mode = "overwrite"\nprint(mode)'),
    benign(
        "function-defined-for-append",
        f'def add(d):\n    d.write.mode("append").saveAsTable("{SINK}")\n\nadd(df.limit(1))',
    ),
]

BENIGN += [
    # files: scratch paths, reads, copies
    benign(
        "rmtree-scratch",
        'import os, shutil\nos.makedirs("@SCRATCH@/t1", exist_ok=True)\nshutil.rmtree("@SCRATCH@/t1")',
    ),
    benign("rmtree-mkdtemp", "import shutil, tempfile\nshutil.rmtree(tempfile.mkdtemp())"),
    benign(
        "rmtree-tempdir-variable",
        'import shutil, tempfile\nwork = tempfile.mkdtemp(prefix="ev_")\nshutil.rmtree(work)',
    ),
    benign(
        "rmtree-ignore-errors",
        'import shutil\nshutil.rmtree("@SCRATCH@/never_there", ignore_errors=True)',
    ),
    benign(
        "rmtree-scratch-from-function",
        "import os, shutil\nos.makedirs(scratch_dir(), exist_ok=True)\nshutil.rmtree(scratch_dir())",
    ),
    benign(
        "tempfile-context",
        'import tempfile, os\nwith tempfile.TemporaryDirectory() as d:\n    open(os.path.join(d, "f"), "w").close()',
    ),
    benign(
        "named-temporary-file",
        "import tempfile\nwith tempfile.NamedTemporaryFile() as f:\n    f.write(b'x')",
    ),
    benign(
        "os-remove-scratch",
        'import os\nopen("@SCRATCH@/f.txt", "w").close()\nos.remove("@SCRATCH@/f.txt")',
    ),
    benign("os-unlink-relative", 'import os\nopen("plot.png", "w").close()\nos.unlink("plot.png")'),
    benign(
        "path-unlink-missing-ok",
        'from pathlib import Path\nPath("report.html").unlink(missing_ok=True)',
    ),
    benign(
        "path-unlink-scratch-function",
        'from pathlib import Path\nimport os\nos.makedirs(scratch_dir(), exist_ok=True)\nPath(scratch_dir(), "x").touch()\nPath(scratch_dir(), "x").unlink()',
    ),
    benign(
        "glob-remove-scratch",
        'import glob, os\nopen("@SCRATCH@/g.tmp", "w").close()\nfor f in glob.glob("@SCRATCH@/*.tmp"):\n    os.remove(f)',
    ),
    benign(
        "shutil-move-scratch",
        'import shutil\nopen("@SCRATCH@/m1", "w").close()\nshutil.move("@SCRATCH@/m1", "@SCRATCH@/m2")',
    ),
    benign(
        "os-rename-scratch",
        'import os\nopen("@SCRATCH@/r1", "w").close()\nos.rename("@SCRATCH@/r1", "@SCRATCH@/r2")',
    ),
    benign(
        "shutil-copytree-from-data",
        'import shutil\nshutil.copytree("@DATA@/landing", "@SCRATCH@/copy", dirs_exist_ok=True)',
    ),
    benign("read-data-file", 'open("@DATA@/landing/a.csv").read()'),
    benign("listdir-data", 'import os\nos.listdir("@DATA@/landing")'),
    benign(
        "dbutils-rm-file-scratch",
        'import os\nos.makedirs("@SCRATCH@/d1", exist_ok=True)\ndbutils.fs.rm("file:@SCRATCH@/d1", True)',
    ),
    benign(
        "dbutils-cp-from-data", 'dbutils.fs.cp("@DATA@/landing/a.csv", "file:@SCRATCH@/a_copy.csv")'
    ),
    benign("dbutils-ls-data", 'dbutils.fs.ls("@DATA@/landing")'),
    benign(
        "dbutils-mv-scratch",
        'open("@SCRATCH@/mv1", "w").close()\ndbutils.fs.mv("file:@SCRATCH@/mv1", "file:@SCRATCH@/mv2")',
    ),
    benign(
        "dbutils-rm-scratch-function",
        'import os\nos.makedirs(scratch_dir(), exist_ok=True)\ndbutils.fs.rm("file:" + scratch_dir(), True)',
    ),
    benign("bang-rm-scratch", "!mkdir -p @SCRATCH@/b1 && rm -rf @SCRATCH@/b1"),
    benign("bang-ls-data", "!ls @DATA@/landing"),
    benign("bang-echo-rm-text", "!echo rm -rf @DATA@/landing"),
    benign("bang-grep-drop", '!grep -c "DROP TABLE" @DATA@/landing/a.csv || true'),
    benign("bang-cat-data", "!cat @DATA@/landing/a.csv"),
    benign("bang-rm-scratch-expression", "!mkdir -p {scratch_dir()} && rm -rf {scratch_dir()}"),
    benign(
        "bash-cell-scratch",
        "%%bash\nmkdir -p @SCRATCH@/b2\nrm -rf @SCRATCH@/b2\necho 'rm -rf /dbfs/x'\n",
    ),
    benign("os-system-ls", 'import os\nos.system("ls @DATA@ > /dev/null")'),
    benign(
        "subprocess-rm-scratch",
        'import subprocess\nsubprocess.run(["rm", "-rf", "@SCRATCH@/nothing"])',
    ),
    benign("alias-magic-ls", "%ls @DATA@/landing"),
    benign("fs-magic-ls", "%fs ls @DATA@/landing"),
    benign(
        "fs-magic-rm-scratch",
        'import os\nos.makedirs("@SCRATCH@/fs1", exist_ok=True)\n%fs rm -r file:@SCRATCH@/fs1',
    ),
    benign("bang-find-print", '!find @DATA@/landing -name "*.csv" -print'),
    benign("bang-xargs-echo", "!echo a b | xargs echo"),
    benign(
        "rmtree-after-allow",
        'import shutil, os\nos.makedirs("@DATA@/scratch/tmp1", exist_ok=True)\nshutil.rmtree("@DATA@/scratch/tmp1")',
        setup="%guard allow @DATA@/scratch/*",
    ),
    benign("bang-rm-relative-scratch", "!touch scratch.tmp && rm -f scratch.tmp"),
    benign(
        "os-remove-tempfile-mkstemp",
        "import os, tempfile\nfd, name = tempfile.mkstemp()\nos.close(fd)\nos.remove(name)",
    ),
    benign(
        "dbutils-rm-scratch-alias",
        'import os\nos.makedirs("@SCRATCH@/d2", exist_ok=True)\nfs = dbutils.fs\nfs.rm("file:@SCRATCH@/d2", True)',
    ),
    benign("sql-explain-select", f'spark.sql("EXPLAIN SELECT * FROM {ORD}")'),
    benign(
        "sql-cache-uncache",
        f'spark.sql("CACHE LAZY TABLE {ORD}")\nspark.sql("UNCACHE TABLE {ORD}")',
    ),
    benign(
        "drop-after-allow",
        'spark.sql("DROP TABLE IF EXISTS default.ev_sandbox_y")',
        setup="%guard allow default.ev_sandbox_*",
    ),
]

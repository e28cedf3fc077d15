"""The guard's SQL classifier (dbx_architect/guard/sql.py): destructive SQL written to evade it is
found with its exact targets; look-alikes stay benign; what cannot be read fails closed.

No Spark here: the lexer was compared with Spark's own (SqlBaseLexer through py4j) while it was
written; these tests pin that behaviour down.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dbx_architect.guard.sql import HOLE, SqlParseError, classify, clean_name
from dbx_architect.guard.sql_lexer import SYMBOL, LexError, statements, tokenize

CHECK = "spark.databricks.delta.retentionDurationCheck.enabled"
DEFAULT_DELETED = "spark.databricks.delta.properties.defaults.deletedFileRetentionDuration"


def found(sql: str, params=None) -> set[tuple[str, str | None]]:
    return {(op.kind, op.target) for op in classify(sql, params)}


def case(id_: str, sql: str, *ops: tuple[str, str | None], params=None):
    return pytest.param(sql, params, set(ops), id=id_)


DESTRUCTIVE = [
    # ---- comments, whitespace, case: Spark's own lexical rules
    case(
        "block-comment-between-words",
        "DROP/**/TABLE main.silver.sales",
        ("drop", "main.silver.sales"),
    ),
    case(
        "nested-comments", "DROP /* a /* b */ still comment */ TABLE main.s.t", ("drop", "main.s.t")
    ),
    case("dash-comment-ends-at-cr", "SELECT 1; -- note\rDROP TABLE main.s.t", ("drop", "main.s.t")),
    case(
        "dash-comment-ends-at-crlf", "-- note\r\nTRUNCATE TABLE main.s.t", ("truncate", "main.s.t")
    ),
    case("backslash-before-cr-ends-comment", "SELECT 1; -- a \\\rDROP TABLE t", ("drop", "t")),
    case("hint-start-does-not-nest", "/* /*+ */ DROP TABLE main.s.t", ("drop", "main.s.t")),
    case(
        "odd-case-and-tabs", "dRoP\tTaBlE\t`main`.`silver`.`sales`", ("drop", "main.silver.sales")
    ),
    case("nbsp-is-whitespace", "DROP\u00a0TABLE\u00a0main.s.t", ("drop", "main.s.t")),
    case("unicode-spaces", "TRUNCATE\u2003TABLE\u3000main.s.t", ("truncate", "main.s.t")),
    case(
        "dotless-i-keywords", "ınsert overwrıte table main.s.t select 1", ("overwrite", "main.s.t")
    ),
    case("long-s-keyword", "reſtore table main.s.t to version as of 1", ("restore", "main.s.t")),
    case(
        "comment-inside-dotted-name",
        "DELETE FROM main./*x*/silver . sales",
        ("delete", "main.silver.sales"),
    ),
    case("semicolon-in-string", "SELECT ';' AS x; DROP TABLE t", ("drop", "t")),
    case("escaped-quote-in-string", "SELECT 'it\\'s'; DROP TABLE t", ("drop", "t")),
    case("doubled-quote-in-string", "SELECT 'it''s; fine'; DROP TABLE t", ("drop", "t")),
    case("raw-string-ends-at-quote", "SELECT r'\\'; DROP TABLE t; --'", ("drop", "t")),
    case("hint-then-statement", "SELECT /*+ REPARTITION(2) */ 1; DROP TABLE t", ("drop", "t")),
    case(
        "hint-after-insert",
        "INSERT /*+ COALESCE(1) */ OVERWRITE main.s.t SELECT 1",
        ("overwrite", "main.s.t"),
    ),
    case("backquoted-dots", "DROP TABLE `main`.`silver.sales`", ("drop", "main.silver.sales")),
    case("backquote-escape", "DROP TABLE `we``ird`", ("drop", "we`ird")),
    case(
        "dollar-body-hides-nothing",
        "CREATE FUNCTION f() RETURNS INT LANGUAGE PYTHON AS $$ return 1 # -- $$; DROP TABLE t",
        ("drop", "t"),
    ),
    # ---- EXECUTE IMMEDIATE
    case("exec-literal", "EXECUTE IMMEDIATE 'DROP TABLE main.s.t'", ("drop", "main.s.t")),
    case(
        "exec-concat", "EXECUTE IMMEDIATE 'DR' || 'OP TABLE ' || 'main.s.t'", ("drop", "main.s.t")
    ),
    case(
        "exec-side-by-side",
        "EXECUTE IMMEDIATE 'TRUNCATE ' 'TABLE main.s.t'",
        ("truncate", "main.s.t"),
    ),
    case(
        "exec-brackets", "EXECUTE IMMEDIATE ('DELETE FROM ' || 'main.s.t')", ("delete", "main.s.t")
    ),
    case(
        "exec-unicode-escape", "EXECUTE IMMEDIATE '\\u0044ROP TABLE main.s.t'", ("drop", "main.s.t")
    ),
    case(
        "exec-doubled-quotes", "EXECUTE IMMEDIATE 'DROP TABLE ''main.s.t'''", ("drop", "main.s.t")
    ),
    case(
        "exec-using-identifier",
        "EXECUTE IMMEDIATE 'DROP TABLE IDENTIFIER(:t)' USING 'main.s.t' AS t",
        ("drop", "main.s.t"),
    ),
    case("exec-variable", "EXECUTE IMMEDIATE sqlStr", ("sql", None)),
    case("exec-function", "EXECUTE IMMEDIATE concat('DROP ', 'TABLE t')", ("sql", None)),
    case(  # before Spark 4.1 (or with its legacy flag) '' ends one literal and starts the next
        "exec-nested-both-readings",
        "EXECUTE IMMEDIATE 'EXECUTE IMMEDIATE ''VACUUM main.s.t RETAIN 0 HOURS'''",
        ("vacuum", "main.s.t"),
        ("sql", None),
    ),
    case(
        "exec-nested-escaped",
        "EXECUTE IMMEDIATE 'EXECUTE IMMEDIATE \"VACUUM main.s.t RETAIN 0 HOURS\"'",
        ("vacuum", "main.s.t"),
    ),
    case(
        "exec-parameter",
        "EXECUTE IMMEDIATE :q",
        ("drop", "main.s.t"),
        params={"q": "DROP TABLE main.s.t"},
    ),
    case(
        "exec-script", "EXECUTE IMMEDIATE 'BEGIN DELETE FROM main.s.t; END'", ("delete", "main.s.t")
    ),
    # ---- SQL scripting
    case("begin-end", "BEGIN SELECT 1; DROP TABLE main.s.a; END", ("drop", "main.s.a")),
    case("nested-blocks", "BEGIN BEGIN BEGIN TRUNCATE TABLE a; END; END; END", ("truncate", "a")),
    case(
        "if-elseif-else",
        "BEGIN IF x > 1 THEN DROP TABLE a; ELSEIF y THEN DELETE FROM b; ELSE TRUNCATE TABLE c; "
        "END IF; END",
        ("drop", "a"),
        ("delete", "b"),
        ("truncate", "c"),
    ),
    case(
        "while-body",
        "BEGIN DECLARE i INT DEFAULT 0; WHILE i < 3 DO DELETE FROM main.s.t; SET i = i + 1; END "
        "WHILE; END",
        ("delete", "main.s.t"),
    ),
    case(
        "for-body",
        "BEGIN FOR r AS SELECT n FROM l DO EXECUTE IMMEDIATE 'DROP TABLE main.s.x'; END FOR; END",
        ("drop", "main.s.x"),
    ),
    case(
        "labelled-loop",
        "BEGIN lbl: LOOP VACUUM main.s.t; LEAVE lbl; END LOOP lbl; END",
        ("vacuum", "main.s.t"),
    ),
    case(
        "repeat-body",
        "BEGIN REPEAT UPDATE main.s.t SET a = 1; UNTIL true END REPEAT; END",
        ("update", "main.s.t"),
    ),
    case(
        "case-statement",
        "BEGIN CASE WHEN x THEN DROP TABLE a; ELSE DROP TABLE b; END CASE; END",
        ("drop", "a"),
        ("drop", "b"),
    ),
    case(
        "exit-handler",
        "BEGIN DECLARE EXIT HANDLER FOR SQLEXCEPTION DROP TABLE main.s.audit; SELECT 1; END",
        ("drop", "main.s.audit"),
    ),
    case(
        "column-named-end-in-condition",
        "BEGIN IF CASE WHEN end THEN 1 END = 1 THEN DROP TABLE main.s.t; END IF; END",
        ("drop", "main.s.t"),
    ),
    case(
        "column-named-do-in-condition",
        "BEGIN WHILE t.do > 1 DO DELETE FROM main.s.t WHERE a = 1; END WHILE; END",
        ("delete", "main.s.t"),
    ),
    # ---- Hive multi-insert, CTEs, INSERT forms
    case(
        "multi-insert",
        "FROM main.s.src INSERT OVERWRITE TABLE main.s.a SELECT * "
        "INSERT INTO main.s.b SELECT * INSERT OVERWRITE main.s.c SELECT *",
        ("overwrite", "main.s.a"),
        ("overwrite", "main.s.c"),
    ),
    case(
        "multi-insert-column-named-case",
        "FROM s INSERT INTO a SELECT t.case INSERT OVERWRITE main.s.b SELECT 1",
        ("overwrite", "main.s.b"),
    ),
    case(
        "cte-overwrite",
        "WITH x AS (SELECT 1) INSERT OVERWRITE main.s.t SELECT * FROM x",
        ("overwrite", "main.s.t"),
    ),
    case(
        "ctes-recursive-with-columns",
        "WITH RECURSIVE a (n) AS (SELECT 1), b AS (SELECT 2) INSERT OVERWRITE TABLE main.s.t "
        "SELECT * FROM a",
        ("overwrite", "main.s.t"),
    ),
    case(
        "cte-delete",
        "WITH a AS (SELECT 1) DELETE FROM main.s.t WHERE x IN (SELECT * FROM a)",
        ("delete", "main.s.t"),
    ),
    case(
        "overwrite-directory",
        "INSERT OVERWRITE DIRECTORY 'dbfs:/exports/x' USING parquet SELECT 1",
        ("overwrite", "dbfs:/exports/x"),
    ),
    case(
        "overwrite-directory-in-options",
        "INSERT OVERWRITE LOCAL DIRECTORY USING csv OPTIONS (path '/tmp/x') SELECT 1",
        ("overwrite", "/tmp/x"),
    ),
    case(
        "overwrite-delta-path",
        "INSERT OVERWRITE delta.`dbfs:/lake/t` SELECT 1",
        ("overwrite", "dbfs:/lake/t"),
    ),
    case(
        "overwrite-partition-if-not-exists",
        "INSERT OVERWRITE main.s.t PARTITION (d = '1') IF NOT EXISTS SELECT 1",
        ("overwrite", "main.s.t"),
    ),
    case(
        "insert-schema-evolution",
        "INSERT WITH SCHEMA EVOLUTION OVERWRITE main.s.t SELECT 1",
        ("overwrite", "main.s.t"),
    ),
    case(
        "load-data-overwrite",
        "LOAD DATA INPATH '/x' OVERWRITE INTO TABLE main.s.t",
        ("overwrite", "main.s.t"),
    ),
    case(
        "replace-where",
        "INSERT INTO main.s.t REPLACE WHERE d >= '2026-01-01' SELECT * FROM s",
        ("backfill", "main.s.t"),
    ),
    case(
        "replace-using",
        "INSERT INTO TABLE main.s.t REPLACE USING (d) SELECT * FROM s",
        ("backfill", "main.s.t"),
    ),
    case(
        "replace-on",
        "INSERT INTO main.s.t REPLACE ON t.d = s.d SELECT * FROM s",
        ("backfill", "main.s.t"),
    ),
    # ---- IDENTIFIER(...)
    case("identifier-literal", "DROP TABLE IDENTIFIER('main.s.t')", ("drop", "main.s.t")),
    case(
        "identifier-concat", "TRUNCATE TABLE IDENTIFIER('main.' || 's.t')", ("truncate", "main.s.t")
    ),
    case(
        "identifier-named",
        "DROP TABLE IDENTIFIER(:t)",
        ("drop", "main.s.t"),
        params={"t": "main.s.t"},
    ),
    case(
        "identifier-positional",
        "DELETE FROM IDENTIFIER(?) WHERE a = ?",
        ("delete", "main.s.t"),
        params=["main.s.t", 1],
    ),
    case("identifier-unknown", "DROP TABLE IDENTIFIER(:t)", ("drop", None)),
    case(
        "identifier-backquotes", "DROP TABLE IDENTIFIER('`main`.`s.x`.t')", ("drop", "main.s.x.t")
    ),
    # ---- UPDATE, MERGE, ALTER, retention, VACUUM, ...
    case("update-all-rows", "UPDATE main.s.t SET a = 1", ("update", "main.s.t")),
    case("update-where-true", "UPDATE main.s.t SET a = 1 WHERE true", ("update", "main.s.t")),
    case("update-column-named-where", "UPDATE main.s.t SET a = where - x", ("update", "main.s.t")),
    case("update-alias-named-where", "UPDATE main.s.t where SET a = 1", ("update", "main.s.t")),
    case(
        "replace-columns",
        "ALTER TABLE main.s.t REPLACE COLUMNS (a INT)",
        ("replace columns", "main.s.t"),
    ),
    case(
        "replace-columns-partition",
        "ALTER TABLE main.s.t PARTITION (d='1') REPLACE COLUMNS (a INT)",
        ("replace columns", "main.s.t"),
    ),
    case(
        "merge-by-source",
        "MERGE INTO main.s.t t USING s ON t.k = s.k WHEN MATCHED THEN UPDATE SET * "
        "WHEN NOT MATCHED THEN INSERT * WHEN NOT MATCHED BY SOURCE THEN DELETE",
        ("merge delete", "main.s.t"),
    ),
    case(
        "merge-by-source-with-condition",
        "MERGE INTO main.s.t t USING s ON t.k = s.k WHEN NOT MATCHED BY SOURCE AND t.d < '2020' "
        "THEN DELETE",
        ("merge delete", "main.s.t"),
    ),
    case(
        "merge-bang-not",
        "MERGE INTO main.s.t USING s ON t.k = s.k WHEN ! MATCHED BY SOURCE THEN DELETE",
        ("merge delete", "main.s.t"),
    ),
    case(
        "merge-column-named-case",
        "MERGE INTO main.s.t USING s ON s.case = 1 WHEN NOT MATCHED BY SOURCE THEN DELETE",
        ("merge delete", "main.s.t"),
    ),
    case(
        "merge-schema-evolution",
        "MERGE WITH SCHEMA EVOLUTION INTO main.s.t USING s ON a WHEN NOT MATCHED BY SOURCE THEN "
        "DELETE",
        ("merge delete", "main.s.t"),
    ),
    case(
        "retention-deleted-files",
        "ALTER TABLE main.s.t SET TBLPROPERTIES ('delta.deletedFileRetentionDuration' = 'interval "
        "0 days')",
        ("retention", "main.s.t"),
    ),
    case(
        "retention-log-unquoted-key",
        "ALTER TABLE main.s.t SET TBLPROPERTIES (delta.logRetentionDuration = 'interval 1 hours')",
        ("retention", "main.s.t"),
    ),
    case(
        "retention-escaped-key-no-equals",
        "ALTER TABLE main.s.t SET TBLPROPERTIES ('delta.deletedFile\\u0052etentionDuration' "
        "'interval 2 days')",
        ("retention", "main.s.t"),
    ),
    case("retention-check-off", f"SET {CHECK} = false", ("retention", CHECK)),
    case("retention-check-backquoted", f"SET `{CHECK}` = `FALSE`", ("retention", CHECK)),
    case(
        "retention-default-conf",
        f"SET {DEFAULT_DELETED} = interval 1 day",
        ("retention", DEFAULT_DELETED),
    ),
    case("vacuum-retain-zero", "VACUUM main.s.t RETAIN 0 HOURS", ("vacuum", "main.s.t")),
    case("vacuum-dry-run-in-comment", "VACUUM main.s.t /* DRY RUN */", ("vacuum", "main.s.t")),
    case("vacuum-dry-run-in-path", "VACUUM 'dbfs:/dry run'", ("vacuum", "dbfs:/dry run")),
    case("vacuum-table-named-dry-run", "VACUUM main.s.dry_run", ("vacuum", "main.s.dry_run")),
    case(
        "vacuum-delta-path",
        "VACUUM delta.`dbfs:/lake/t` RETAIN 168 HOURS",
        ("vacuum", "dbfs:/lake/t"),
    ),
    case(
        "restore-path",
        "RESTORE TABLE delta.`/mnt/lake/t` TO VERSION AS OF 3",
        ("restore", "/mnt/lake/t"),
    ),
    case("drop-streaming-table", "DROP STREAMING TABLE IF EXISTS main.s.st", ("drop", "main.s.st")),
    case("drop-catalog", "DROP CATALOG IF EXISTS dev CASCADE", ("drop", "dev")),
    case(
        "drop-bloomfilter-index",
        "DROP BLOOMFILTER INDEX ON TABLE main.s.t FOR COLUMNS (a)",
        ("drop", "main.s.t"),
    ),
    case(
        "create-or-replace-streaming",
        "CREATE OR REPLACE STREAMING TABLE main.s.st AS SELECT 1",
        ("replace", "main.s.st"),
    ),
    case("replace-table", "REPLACE TABLE main.s.t AS SELECT 1", ("replace", "main.s.t")),
    case(
        "alter-drop-feature",
        "ALTER TABLE main.s.t DROP FEATURE deletionVectors TRUNCATE HISTORY",
        ("alter drop", "main.s.t"),
    ),
    case(
        "alter-if-exists-drop",
        "ALTER TABLE IF EXISTS main.s.t DROP COLUMN c",
        ("alter drop", "main.s.t"),
    ),
    case(
        "alter-drop-partition",
        "ALTER TABLE main.s.t DROP IF EXISTS PARTITION (d = '1')",
        ("alter drop", "main.s.t"),
    ),
    case("conf-substitution", "SELECT * FROM ${source}", ("sql", None)),
    case("call-procedure", "CALL main.s.cleanup()", ("sql", None)),
    case(
        "many-statements",
        "SELECT 1; UPDATE main.s.t SET a = 1; INSERT INTO x SELECT 1; DROP VIEW main.s.v",
        ("update", "main.s.t"),
        ("drop", "main.s.v"),
    ),
    case("hole-in-name", f"DROP TABLE main.{HOLE.format(0)}.t", ("drop", None)),
    case("hole-as-first-word", f"{HOLE.format(0)} TABLE main.s.t", ("sql", None)),
    case("hole-after-insert", f"INSERT {HOLE.format(0)} main.s.t SELECT 1", ("sql", None)),
    case("hole-as-object-kind", f"DROP {HOLE.format(0)} main.s.t", ("drop", None)),
]

BENIGN = [
    "SELECT 'DROP TABLE main.s.t' AS ddl",
    "SELECT * FROM t -- DROP TABLE t",
    "SELECT * FROM t /* TRUNCATE TABLE t */",
    "SELECT 1 /* outer /* nested DROP TABLE t */ still a comment */",
    "SELECT 1 -- a comment continued by a backslash \\\nDROP TABLE t",
    "SELECT delete_flag, drop_reason, update_ts, overwrite_mode FROM t",
    "SELECT `drop`, `delete` FROM t",
    "SELECT \"DROP TABLE t\", r'TRUNCATE TABLE t'",
    "SELECT * FROM events WHERE action IN ('DELETE', 'UPDATE', 'TRUNCATE')",
    "SELECT /*+ DROP TABLE x */ 1",
    "SELECT 'a' -- c \r\n; SELECT 2",
    "CREATE TABLE IF NOT EXISTS main.s.t (a INT) USING DELTA",
    "CREATE TABLE main.s.t AS SELECT 1",
    "CREATE OR REPLACE TEMP VIEW v AS SELECT 1",
    "CREATE OR REPLACE VIEW main.s.v AS SELECT 1",
    "CREATE OR REPLACE FUNCTION main.s.f() RETURNS INT RETURN 1",
    "DECLARE OR REPLACE VARIABLE v STRING DEFAULT 'DROP TABLE t'",
    "INSERT INTO main.s.t SELECT * FROM s",
    "INSERT INTO TABLE main.s.t VALUES (1, 'overwrite')",
    "INSERT INTO main.s.t (a, b) SELECT replace(a, 'x', 'y'), b FROM s",
    "INSERT INTO main.s.t SELECT * FROM s; -- then DROP TABLE s",
    "MERGE INTO t USING s ON t.k = s.k WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN "
    "INSERT *",
    "MERGE INTO t USING s ON t.k = s.k WHEN MATCHED THEN DELETE",
    "MERGE INTO t USING s ON t.k = s.k WHEN MATCHED AND s.op = 'D' THEN DELETE "
    "WHEN NOT MATCHED BY SOURCE THEN UPDATE SET t.stale = true",
    "DESCRIBE HISTORY main.s.t",
    "VACUUM main.s.t DRY RUN",
    "VACUUM main.s.t RETAIN 200 HOURS DRY RUN",
    "vacuum main.s.t dry   run -- preview first",
    "SHOW TABLES IN main.s",
    "ALTER TABLE main.s.t ADD COLUMNS (dropped BOOLEAN)",
    "ALTER TABLE main.s.t ALTER COLUMN c DROP NOT NULL",
    "ALTER TABLE main.s.t RENAME COLUMN drop TO dropped",
    "ALTER TABLE main.s.t SET TBLPROPERTIES ('delta.deletedFileRetentionDuration' = 'interval 30 "
    "days')",
    "ALTER TABLE main.s.t SET TBLPROPERTIES ('delta.logRetentionDuration' = 'interval 1 week', "
    "'x' = '0')",
    "ALTER TABLE main.s.t UNSET TBLPROPERTIES ('delta.logRetentionDuration')",
    "SET spark.sql.shuffle.partitions=4",
    f"SET {CHECK} = true",
    f"SET {CHECK}",
    f"RESET {CHECK}",
    "UPDATE main.s.t SET a = 1 WHERE id = 7",
    "UPDATE main.s.t SET a = b WHERE - x > 1",
    "UPDATE main.s.t AS t SET t.status = 'closed' WHERE t.day < '2025-01-01'",
    "EXPLAIN DELETE FROM main.s.t",
    "EXECUTE IMMEDIATE 'SELECT * FROM t WHERE a = ?' USING 1",
    "EXECUTE IMMEDIATE 'SELECT ''DROP TABLE t'''",
    "BEGIN DECLARE x INT DEFAULT 0; SET x = x + 1; SELECT x; END",
    "BEGIN IF x > 1 THEN SELECT 'drop'; END IF; END",
    "BEGIN IF x THEN MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN UPDATE SET * "
    "WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT *; END IF; END",
    "OPTIMIZE main.s.t ZORDER BY (a)",
    "MSCK REPAIR TABLE main.s.t DROP PARTITIONS",
    "CACHE TABLE x AS SELECT * FROM t WHERE d > 'delete'",
    "COMMENT ON TABLE main.s.t IS 'never DROP this'",
    "WITH x AS (SELECT 'overwrite' AS mode) SELECT * FROM x",
    "FROM s SELECT *",
    "SELECT 1 FROM t WHERE a = '--'; SELECT 'DROP'",
]


@pytest.mark.parametrize(("sql", "params", "expected"), DESTRUCTIVE)
def test_destructive_sql_is_found_with_its_target(sql: str, params, expected) -> None:
    assert found(sql, params) == expected


@pytest.mark.parametrize("sql", BENIGN)
def test_look_alikes_stay_benign(sql: str) -> None:
    assert classify(sql) == []


def test_the_tables_are_big_enough() -> None:
    assert len(DESTRUCTIVE) >= 60 and len(BENIGN) >= 40


DETAILS = [
    ("VACUUM main.s.t RETAIN 0 HOURS", "retain 0 hours"),
    ("VACUUM main.s.t RETAIN 0.5 HOURS", "retain 0.5 hours"),
    ("DELETE FROM main.s.t", "all rows"),
    ("DELETE FROM main.s.t WHERE d < '2025-01-01'", ""),
    ("UPDATE main.s.t SET a = 1", "all rows"),
    ("EXECUTE IMMEDIATE 'DROP TABLE t'", "EXECUTE IMMEDIATE"),
    ("EXECUTE IMMEDIATE 'DELETE FROM t'", "EXECUTE IMMEDIATE, all rows"),
    ("EXECUTE IMMEDIATE q", "EXECUTE IMMEDIATE of a statement built at run time"),
    ("DROP TABLE IDENTIFIER(:t)", "target unknown"),
    ("INSERT INTO t REPLACE WHERE d = 1 SELECT 1", "REPLACE WHERE"),
    ("ALTER TABLE t DROP COLUMN c", "DROP COLUMN"),
    (
        "MERGE INTO t USING s ON a WHEN NOT MATCHED BY SOURCE THEN DELETE",
        "WHEN NOT MATCHED BY SOURCE THEN DELETE",
    ),
    (
        "ALTER TABLE t SET TBLPROPERTIES ('delta.deletedFileRetentionDuration' = 'interval 6 "
        "days')",
        "delta.deletedFileRetentionDuration = interval 6 days (under 7 days)",
    ),
    (
        "ALTER TABLE t SET TBLPROPERTIES ('delta.logRetentionDuration' = 'forever')",
        "delta.logRetentionDuration = forever (not an interval the guard can read)",
    ),
    (f"SET {CHECK}=false", f"{CHECK} = false"),
    ("SELECT ${db}.t", "${db} is substituted from the Spark conf at run time"),
]


@pytest.mark.parametrize(("sql", "detail"), DETAILS)
def test_details(sql: str, detail: str) -> None:
    assert [op.detail for op in classify(sql)] == [detail]


UNREADABLE = [
    ("DROP TABL main.s.t", "cannot read this DROP statement: DROP TABL main.s.t"),
    ("DELETE main.s.t", "cannot read this DELETE statement: DELETE main.s.t"),
    ("TRUNCATE TABLE", "cannot read this TRUNCATE statement: TRUNCATE TABLE"),
    (
        "REPLACE VIEW v AS SELECT 1",
        "cannot read this REPLACE statement: REPLACE VIEW v AS SELECT 1",
    ),
    (
        "DROP SOMETHING " + "x" * 100,
        "cannot read this DROP statement: " + ("DROP SOMETHING " + "x" * 100)[:57] + "...",
    ),
    (
        "SELECT 1; DROP TABLE 'unterminated",
        "cannot read this SQL (a string that does not end): 'unterminated",
    ),
    (
        "DROP TABLE t /* never\nclosed",
        "cannot read this SQL (a /* comment that does not end): /* never closed",
    ),
    ("DROP TABLE `t", "cannot read this SQL (a quoted name that does not end): `t"),
    ("$x; DROP TABLE t", "cannot read this SQL (a $ that is not a $$ string): $x; DROP TABLE t"),
    (
        "SELECT * FROM abfss://c/p--x; DROP TABLE t",
        "cannot read this SQL (a path name that Spark versions read differently): "
        "abfss://c/p--x; DROP TABLE t",
    ),
]


@pytest.mark.parametrize(("sql", "message"), UNREADABLE)
def test_what_cannot_be_read_fails_closed_in_one_line(sql: str, message: str) -> None:
    with pytest.raises(SqlParseError) as raised:
        classify(sql)
    assert str(raised.value) == message


def test_unreadable_text_without_suspect_words_is_not_an_error() -> None:
    assert classify("SELECT 'unterminated") == []


def test_clean_name() -> None:
    assert clean_name("main.`silver`.sales") == "main.silver.sales"
    assert clean_name("'main.s.t'") == "main.s.t"
    assert clean_name("`a.b`.c") == "a.b.c"
    assert clean_name(f"main.{HOLE.format(3)}.t") is None


# ---- properties ------------------------------------------------------------------------------
# Known destructive statements as Spark tokens, and what they do. Any mix of whitespace and
# comments between the tokens, and any case, must not change what is found.
STATEMENTS = [
    (["DROP", "TABLE", "main", ".", "silver", ".", "sales"], ("drop", "main.silver.sales")),
    (["TRUNCATE", "TABLE", "`main`", ".", "`s.x`", ".", "t"], ("truncate", "main.s.x.t")),
    (
        ["DELETE", "FROM", "main", ".", "s", ".", "t", "WHERE", "a", "=", "1"],
        ("delete", "main.s.t"),
    ),
    (
        ["INSERT", "OVERWRITE", "TABLE", "main", ".", "s", ".", "t", "SELECT", "1"],
        ("overwrite", "main.s.t"),
    ),
    (["VACUUM", "main", ".", "s", ".", "t", "RETAIN", "0", "HOURS"], ("vacuum", "main.s.t")),
    (["UPDATE", "main", ".", "s", ".", "t", "SET", "a", "=", "1"], ("update", "main.s.t")),
    (["EXECUTE", "IMMEDIATE", "'DROP TABLE x'"], ("drop", "x")),
    (["ALTER", "TABLE", "t", "REPLACE", "COLUMNS", "(", "a", "INT", ")"], ("replace columns", "t")),
    (["BEGIN", "SELECT", "1", ";", "DROP", "VIEW", "v", ";", "END"], ("drop", "v")),
    (
        ["MERGE", "INTO", "t", "USING", "s", "ON", "t", ".", "k", "=", "s", ".", "k", "WHEN", "NOT"]
        + ["MATCHED", "BY", "SOURCE", "THEN", "DELETE"],
        ("merge delete", "t"),
    ),
    (
        [
            "FROM",
            "s",
            "INSERT",
            "INTO",
            "a",
            "SELECT",
            "*",
            "INSERT",
            "OVERWRITE",
            "b",
            "SELECT",
            "*",
        ],
        ("overwrite", "b"),
    ),
]
# Comment bodies: anything but what would end the comment early.
LINE_BODY = st.text(st.characters(blacklist_characters="\r\n"), max_size=12).filter(
    lambda s: not s.endswith("\\")
)
BLOCK_BODY = st.text(max_size=12).filter(  # /*+ opens a hint, not a comment
    lambda s: "*/" not in f"*{s}*" and "/*" not in f"*{s}*" and not s.startswith("+")
)
SEPARATOR = st.one_of(
    st.sampled_from([" ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u2003", "/**/", "/* /* */ */"]),
    LINE_BODY.map(lambda body: f"--{body}\n"),
    LINE_BODY.map(lambda body: f"--{body}\r"),
    LINE_BODY.map(lambda body: f"--{body}\\\n{body}\n"),
    BLOCK_BODY.map(lambda body: f"/*{body}*/"),
)


def spell(draw, token: str) -> str:
    """A keyword as Spark still reads it: any case, and ı / ſ for I / S."""
    if not token.isalpha() or not token.isupper():
        return token
    chars = []
    for char in token:
        other = {"I": "ı", "S": "ſ"}.get(char, char.lower())
        chars.append(draw(st.sampled_from([char, other])))
    return "".join(chars)


@st.composite
def disguised(draw):
    tokens, expected = draw(st.sampled_from(STATEMENTS))
    parts = []
    for i, token in enumerate(tokens):
        if i:
            separators = draw(st.lists(SEPARATOR, min_size=1, max_size=3))
            glued = tokens[i - 1] == "*"  # Spark reads "*/*" as the token */ then *
            parts.append(" " * glued + "".join(separators))
        parts.append(spell(draw, token))
    return "".join(parts), expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(disguised())
def test_comments_and_spacing_between_tokens_change_nothing(example) -> None:
    sql, expected = example
    assert found(sql) == {expected}, sql


FRAGMENTS = [
    "DROP", "TABLE", "DELETE", "FROM", "UPDATE", "SET", "MERGE", "INSERT", "OVERWRITE",
    "EXECUTE IMMEDIATE", "BEGIN", "END", "IF", "THEN", "WHERE", "VACUUM", "REPLACE", "WITH",
    "IDENTIFIER(", "TBLPROPERTIES", "(", ")", "||", "?", ":t", "${x}", "$$", "'", '"', "`",
    "--", "/*", "*/", "/*+", "\\", "\n", "\r", ";", " ", "t", "x.y", "r'", "1", "=", ".",
    HOLE.format(1),
]  # fmt: skip
RANDOM_SQL = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(" ".join),
    st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join),
    st.text(max_size=80),
)


@settings(max_examples=400, deadline=None)
@given(RANDOM_SQL)
def test_random_text_only_ever_raises_sql_parse_error_and_is_quick(sql: str) -> None:
    began = time.perf_counter()
    try:
        first = classify(sql)
    except SqlParseError as err:
        assert "\n" not in str(err)
        first = None
    assert time.perf_counter() - began < 0.5
    try:
        again = classify(sql)
    except SqlParseError:
        again = None
    assert first == again  # deterministic


@settings(max_examples=300, deadline=None)
@given(RANDOM_SQL)
@example("*/ ; /*+")  # a stray */ before a hint in a later statement
def test_statements_split_where_the_tokens_split(sql: str) -> None:
    try:
        tokens = tokenize(sql)
    except LexError:
        with pytest.raises(LexError):
            statements(sql)
        return
    spans = statements(sql)
    from_spans = [t for start, end, _ in spans for t in tokenize(sql, start, end)]
    assert from_spans == [t for t in tokens if not (t.kind == SYMBOL and t.value == ";")]
    semicolons = [t.start for t in tokens if t.kind == SYMBOL and t.value == ";"]
    assert [end for _, end, _ in spans[:-1]] == semicolons


def spark_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), LINE_BODY, BLOCK_BODY)
def test_strings_and_comments_never_leak(value: str, line: str, block: str) -> None:
    sql = f"SELECT {spark_string(value)} AS x /*{block}*/ FROM t --{line}"
    assert classify(sql) == []

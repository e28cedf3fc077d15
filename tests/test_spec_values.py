"""Spec values become literals or checked identifiers, and what cannot be one is refused.

The property test (test_spec_properties.py) proves the general promise on random input; this
file pins the exact one-line messages of each refusal and runs values full of quotes, comments
and backslashes through real Spark, where they must arrive unchanged.
"""

from __future__ import annotations

import ast
import itertools
import math

import pytest
import yaml
from conftest import run
from IPython.core.error import UsageError

from dbx_architect.expand import expand
from dbx_architect.render import py_literal
from dbx_architect.settings import DbxArchitect, Settings

_schemas = itertools.count()

ZOO = "table: t\ntarget: y\ntask: regression\n"
SILVER = "from: sales\nkeys: [id]\n"
# (magic, body, the exact message)
REFUSED = [
    (
        "modelzoo",
        ZOO
        + "models: [random_forest]\nparams: {random_forest: {\"max_depth=__import__('os').system('id') and None, min_samples_leaf\": 1}}\n",
        "%%modelzoo: params.random_forest: \"max_depth=__import__('os').system('id') and None, min_samp… is not a parameter of RandomForestRegressor",
    ),
    (
        "modelzoo",
        ZOO + "models: [random_forest]\nparams: {random_forest: {max_dept: 3}}\n",
        "%%modelzoo: params.random_forest: 'max_dept' is not a parameter of RandomForestRegressor (did you mean 'max_depth'?)",
    ),
    (
        "modelzoo",
        ZOO
        + "engine: spark\nmodels: [random_forest]\nparams: {random_forest: {n_estimators: 3}}\n",
        "%%modelzoo: params.random_forest: 'n_estimators' is not a parameter of RandomForestRegressor",
    ),
    (
        "modelzoo",
        ZOO + "split: {seed: -1}\n",
        "%%modelzoo: split.seed: must be at least 0, got -1",
    ),
    (
        "modelzoo",
        ZOO + "promote_if: {min_improvement: .inf}\n",
        "%%modelzoo: promote_if.min_improvement: .inf is not a finite number",
    ),
    (
        "silver",
        SILVER + "clean: {fill: {amount: .nan}}\n",
        "%%silver: clean.fill.amount: .nan is not a finite number",
    ),
    (
        "silver",
        SILVER + "expect: [{name: r, range: {amount: [-.inf, 5]}}]\n",
        "%%silver: expect[0].range.amount[0]: -.inf is not a finite number",
    ),
    (
        "silver",
        SILVER + 'expect: [{name: r, rule: "amount > 0) OR (1 = 1"}]\n',
        "%%silver: expect[0].rule: 'amount > 0) OR (1 = 1' is not a Spark SQL expression",
    ),
    (
        "silver",
        SILVER + 'expect: [{name: r, rule: "amount > 0; DROP TABLE sales"}]\n',
        "%%silver: expect[0].rule: 'amount > 0; DROP TABLE sales' must be one SQL expression",
    ),
    (
        "silver",
        SILVER
        + "expect: [{name: r, rule: \"reflect('java.lang.Runtime', 'getRuntime') IS NOT NULL\"}]\n",
        "%%silver: expect[0].rule: \"reflect('java.lang.Runtime', 'getRuntime') IS NOT NULL\" calls reflect, which is not allowed in a spec (it reaches outside the table)",
    ),
    (
        "silver",
        SILVER + "features: [{expr: {x: \"java_method('java.lang.System', 'exit', 1)\"}}]\n",
        "%%silver: features[0].expr.x: \"java_method('java.lang.System', 'exit', 1)\" calls java_method, which is not allowed in a spec (it reaches outside the table)",
    ),
    (
        "silver",
        SILVER + "features: [{expr: {token: \"secret('scope', 'key')\"}}]\n",
        "%%silver: features[0].expr.token: \"secret('scope', 'key')\" calls secret, which is not allowed in a spec (it reaches outside the table)",
    ),
    (
        "silver",
        SILVER + "features: [{lag: {column: a, order: day, periods: 100000000}}]\n",
        "%%silver: features[0].lag.periods: must be at most 10000, got 100000000",
    ),
    (
        "silver",
        SILVER + "features: [{rolling: {column: a, order: day, window: 0}}]\n",
        "%%silver: features[0].rolling.window: must be at least 1, got 0",
    ),
    (
        "silver",
        SILVER + 'comment: "one\\0two"\n',
        "%%silver: comment: must be printable text, without U+0000",
    ),
    (
        "silver",
        SILVER + 'tags: {"pii\\u2028x": yes}\n',
        "%%silver: tags: must be printable text, without U+2028",
    ),
    (
        "gold",
        "from: [a, b]\njoin: {on: []}\ngroup_by: [x]\naggregates: {y: sum(y)}\n",
        "%%gold: join.on: give at least one column the tables share",
    ),
    (
        "deploy",
        "model: demand/\u0663\ntable: t\nkeys: [id]\n",
        "%%deploy: model: 'demand/\u0663' is not NAME, NAME@alias or NAME/version",
    ),
    (
        "deploy",
        "model: demand@ch\u0430mpion\ntable: t\nkeys: [id]\n",
        "%%deploy: model: 'demand@ch\u0430mpion' is not NAME, NAME@alias or NAME/version",
    ),
    (
        "monitor",
        "model: demand/0\n",
        "%%monitor: model: 'demand/0' is not NAME, NAME@alias or NAME/version",
    ),
    (
        "monitor",
        "trigger: {k: 2, n: 100000}\n",
        "%%monitor: trigger.n: must be at most 1000, got 100000",
    ),
]


@pytest.mark.parametrize(("magic", "body", "message"), REFUSED, ids=range(len(REFUSED)))
def test_what_cannot_be_a_literal_is_refused(shell, magic: str, body: str, message: str) -> None:
    result = run(shell, f"%%{magic} demand\n{body}")
    assert isinstance(result.error_in_exec, UsageError)
    assert str(result.error_in_exec) == message
    assert shell.replaced.calls == []


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (math.nan, 'float("nan")'),
        (math.inf, 'float("inf")'),
        (-math.inf, 'float("-inf")'),
        ([1.5, -math.inf], '[1.5, float("-inf")]'),
        ('it\'s "quoted" \\ {x}', "'it\\'s \"quoted\" \\\\ {x}'"),
        ("line\u2028two\r", '"line\\u2028two\\r"'),
    ],
)
def test_python_literals_are_values_never_names(value: object, literal: str) -> None:
    assert py_literal(value) == literal
    rebuilt = eval(literal, {"__builtins__": {"float": float}})  # noqa: S307 - a literal
    assert rebuilt == value or (isinstance(value, float) and math.isnan(rebuilt))


def _code(magic: str, body: str, target: str = "local") -> str:
    settings = Settings.from_config(DbxArchitect(), target)
    return expand(magic, "sales", "sales", body, settings).code


def test_sql_is_written_from_its_tree_so_comments_cannot_cut_it() -> None:
    code = _code("silver", SILVER + 'expect: [{name: positive, rule: "amount > 0 -- AND 1 = 0"}]\n')
    assert '"positive": ("warn", "coalesce((amount > 0), false)")' in code
    gold = _code("gold", "from: s\ngroup_by: [x]\naggregates: {y: 'sum(y) /* y */ + 0'}\n")
    assert 'F.expr("SUM(y) + 0").alias("y")' in gold


def test_estimator_parameters_are_keyword_arguments_of_real_names() -> None:
    code = _code(
        "modelzoo",
        ZOO + "models: [random_forest]\n"
        'params: {random_forest: {max_depth: 4, criterion: "absolute_error"}}\n',
    )
    calls = [
        node
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "RandomForestRegressor"
    ]
    assert len(calls) == 1 and not calls[0].args
    keywords = {k.arg: ast.literal_eval(k.value) for k in calls[0].keywords}
    assert keywords == {
        "n_estimators": 100,
        "random_state": 42,
        "max_depth": 4,
        "criterion": "absolute_error",
    }


@pytest.mark.spark
def test_quotes_comments_and_backslashes_reach_spark_unchanged(shell, spark, capsys) -> None:
    """Values full of quoting characters arrive in the data exactly; rules keep their meaning."""
    schema = f"values_{next(_schemas)}"
    odd = 'it\'s a "quote" -- not a comment \\ {brace}'
    unseen = "nul\x00, line\u2028separator, \U0001f600"  # reach SQL as \\uXXXX escapes
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    spark.createDataFrame(
        [(1, "a", 5.0), (2, odd, -1.0), (3, None, 2.0), (4, unseen, 1.0), (5, "b", 1.0)],
        "id INT, label STRING, amount DOUBLE",
    ).write.format("delta").saveAsTable(f"{schema}.raw")
    shell.user_ns["spark"] = spark
    spec = {
        "from": f"{schema}.raw",
        "load": "full",
        "keys": ["id"],
        "order_by": ["id"],
        "clean": {"fill": {"label": odd}},
        "expect": [
            {"name": "positive", "rule": "amount > 0 -- a comment", "action": "quarantine"},
            {"name": "known", "in": {"label": ["a", odd, unseen]}, "action": "drop"},
        ],
        "features": [{"expr": {"tagged": "concat(label, ' -- ', '/* x */')"}}],
    }
    body = yaml.safe_dump(spec, sort_keys=False)
    result = run(shell, f"%%silver {schema}.clean --run\n{body}")
    assert result.error_in_exec is None, result.error_in_exec
    rows = {r["id"]: r for r in spark.table(f"{schema}.clean").collect()}
    quarantined = [r["id"] for r in spark.table(f"{schema}.clean_quarantine").collect()]
    assert sorted(rows) == [1, 3, 4] and quarantined == [2]  # 5 ("b") is dropped
    assert rows[4]["label"] == unseen
    assert rows[3]["label"] == odd  # filled with the odd text, unchanged
    assert rows[3]["tagged"] == odd + " -- /* x */"
    assert rows[1]["tagged"] == "a -- /* x */"

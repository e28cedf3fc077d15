"""Business KPIs of %%modelzoo without Spark: checking, translation to numpy, one-line errors."""

from __future__ import annotations

import ast

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dbx_architect.errors import SpecError
from dbx_architect.expand import expand
from dbx_architect.generators.kpis import parse_kpi
from dbx_architect.settings import DbxArchitect, Settings

COLUMNS = ["store", "units", "price", "Revenue"]
BODY = "table: demand\ntarget: units\ntask: classification\nkpis:\n  value: {sql}\n"


def local() -> Settings:
    return Settings.from_config(DbxArchitect(), "local")


def evaluate(sql: str, rows: pd.DataFrame, classification: bool = True) -> float:
    """The generated numpy expression, run on *rows* with only numpy and pandas in scope."""
    kpi = parse_kpi("k", sql, "max", classification, list(rows.columns))
    return float(eval(kpi.numpy, {"np": np, "pd": pd, "rows": rows}))


def test_an_unknown_column_is_named_when_the_table_is_known() -> None:
    with pytest.raises(SpecError) as raised:
        expand("modelzoo", "demand", "demand", BODY.format(sql="sum(revenu)"), local(),
               lookup=lambda table: COLUMNS)  # fmt: skip
    assert str(raised.value) == (
        "%%modelzoo: kpis.value: column 'revenu' is not in the table (did you mean 'Revenue'?); "
        "columns: store, units, price, Revenue, label, prediction, probability"
    )


def test_columns_take_the_table_spelling_and_are_kept_for_the_kpis() -> None:
    cell = expand(
        "modelzoo", "demand", "demand", BODY.format(sql="sum(REVENUE * prediction)"), local(),
        lookup=lambda table: COLUMNS,
    ).cell  # fmt: skip
    assert 'np.nansum(rows["Revenue"] * rows["prediction"])' in cell
    assert 'kpi_columns = ["Revenue"]' in cell


def test_without_the_table_a_missing_column_fails_when_the_code_runs() -> None:
    cell = expand("modelzoo", "demand", "demand", BODY.format(sql="sum(revenue)"), local()).cell
    assert "missing = [c for c in kpi_columns if c not in df.columns]" in cell
    assert 'raise ValueError(\n        f"kpis: column {missing[0]!r} is not in' in cell


ROWS = pd.DataFrame(
    {
        "label": [1, 0, 1, 1, 0, 0],
        "prediction": [1, 1, 0, 1, 0, 1],
        "probability": [0.9, 0.6, 0.4, 0.8, 0.1, 0.7],
        "revenue": [100.0, 50.0, np.nan, 20.0, 10.0, 5.0],
        "segment": ["a", "b", "a", "c", "b", "a"],
    }
)


TRANSLATED = [
    (
        "sum(case when prediction = 1 and label = 1 then revenue * 0.3 else 0 end)"
        " - 15 * sum(prediction)",
        (100 + 20) * 0.3 - 15 * 4,
    ),
    ("count(*)", 6),
    ("count(revenue)", 5),  # NULLs are not counted
    ("avg(revenue)", (100 + 50 + 20 + 10 + 5) / 5),  # nor averaged
    ("sum(case when segment in ('a', 'c') then 1 end)", 4),  # no ELSE: NULL, skipped
    ("max(coalesce(revenue, 1000)) - min(abs(-revenue))", 1000 - 5),
    ("sum(if(probability >= 0.5, 1, 0)) / count(*)", 4 / 6),
    ("sum(greatest(prediction - label, 0)) + sum(least(label, 0.5))", 2 + 1.5),
    ("count(case when revenue is null then 1 end)", 1),
    ("sum(case when not (segment = 'a') or label <> 1 then 2 else 0 end)", 2 * 4),
    ("sum(1)", 6),
    ("sum(case when 'rows[' = 'x' then 1 else 2 end)", 12),  # constant inside: once per row
    ("sum(case when probability < 0.5 and revenue is not null then revenue else 0 end)", 10),
    ("count(case when probability <= 0.6 or false then 1 end)", 3),
    ("max(-revenue) + min(label * 2 - 1)", -5 - 1),
]  # (sql, its value on ROWS, worked out by hand)


@pytest.mark.parametrize(("sql", "expected"), TRANSLATED)
def test_the_numpy_translation_follows_sql(sql: str, expected: float) -> None:
    assert evaluate(sql, ROWS) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("sum(prediction = label)", "kpis.k: sum takes a number"),
        ("sum(sum(label))", "kpis.k: sum(...) inside another aggregate: aggregates do not nest"),
        ("sum(label) over ()",
         "kpis.k: window functions are not allowed; a KPI is one aggregate over the rows"),
        ("sum(t.label)", "kpis.k: 't.label': name columns without a table"),
        ("count(distinct label)", "kpis.k: count(DISTINCT ...) is not supported in a KPI"),
        ("sum(label) > 3", "kpis.k: a KPI is a number aggregated over the rows, e.g. sum(...)"),
        ("sum(label); drop table x", "kpis.k: give one SQL expression, e.g. sum(prediction)"),
        ("sum(case label when 1 then 2 end)",
         "kpis.k: write CASE WHEN condition THEN value (not CASE x WHEN ...)"),
        ("sum(label) % 2", "kpis.k: 'SUM(label) % 2' is not allowed in a KPI"),
    ],
)  # fmt: skip
def test_what_a_kpi_may_not_be(sql: str, message: str) -> None:
    with pytest.raises(SpecError) as raised:
        parse_kpi("k", sql, "max", True, None)
    assert str(raised.value) == message


TOKENS = [
    "sum(", "avg(", "count(", "min(", "max(", "abs(", "coalesce(", "greatest(", "if(", "(", ")",
    ",", "case when", "then", "else", "end", "and", "or", "not", "is null", "in (1, 2)", "=",
    "<>", ">=", "+", "-", "*", "/", "%", "1", "0.5", "'a'", "label", "prediction",
    "probability", "revenue", "*", "select", "over ()", "t.x", ";", "`odd name`", "null",
    "true", "::int", "--", "\"", "'",
]  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14).map(" ".join),
        st.text(max_size=60),
    )
)
@example("sum(" * 400 + "1" + ")" * 400)
@example("(" * 3000 + "1" + ")" * 3000)
@example("sum(coalesce(" + ", ".join(["revenue"] * 300) + "))")  # nests past Python's parser
@example("sum(" + "x + (" * 60 + "1" + ")" * 60 + ")")
def test_any_kpi_text_validates_or_fails_in_one_line(text: str) -> None:
    try:
        kpi = parse_kpi("k", text, "max", True, ["revenue", "x"])
    except SpecError as err:
        assert "\n" not in str(err) and str(err).startswith("kpis.k: ")
        return
    ast.parse(kpi.numpy, mode="eval")  # what the generated code will hold
    assert kpi.sql and "\n" not in kpi.numpy

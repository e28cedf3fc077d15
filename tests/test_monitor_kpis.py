"""%%monitor kpis without Spark: checked by %%modelzoo's KPI parser, one line per mistake."""

from __future__ import annotations

import ast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dbx_architect.errors import SpecError
from dbx_architect.expand import expand
from dbx_architect.generators.kpis import parse_kpi
from dbx_architect.generators.monitor import _lines
from dbx_architect.settings import DbxArchitect, Settings

SCORED = ["account_id", "day", "revenue", "prediction", "model_version", "scored_at"]
LABELS = ["account_id", "day", "churned"]
BODY = "time_col: day\nlabel: churned\nlabel_table: labels\nkeys: [account_id, day]\nkpis:\n"


def local() -> Settings:
    return Settings.from_config(DbxArchitect(), "local")


def known(columns: list[str] | None):  # noqa: ANN201
    """A lookup that knows the labels table and gives *columns* for the scored one."""
    return lambda table: LABELS if table.endswith(".labels") else columns


def refusal(kpis: str, columns: list[str] | None = SCORED) -> str:
    with pytest.raises(SpecError) as raised:
        expand("monitor", "churn", "churn", BODY + kpis, local(), lookup=known(columns))
    return str(raised.value)


def test_an_unknown_column_is_named_when_the_scored_table_is_known() -> None:
    assert refusal("  retained: sum(revenu)\n") == (
        "%%monitor: kpis.retained: column 'revenu' is not in the table (did you mean "
        "'revenue'?); columns: account_id, day, revenue, prediction, model_version, scored_at, "
        "label, prediction, probability"
    )


def test_probability_needs_the_column_when_the_table_is_known() -> None:
    assert refusal("  sure: avg(probability)\n") == (
        "%%monitor: kpis.sure: the scored table has no probability column "
        "(%%deploy writes prediction only)"
    )
    for columns in ([*SCORED, "probability"], None):  # present, or unknown until run time
        code = expand(
            "monitor", "churn", "churn", BODY + "  sure: avg(probability)\n", local(),
            lookup=known(columns),
        ).code  # fmt: skip
        assert 'F.expr("AVG(`probability`)")' in code


@pytest.mark.parametrize(
    ("kpis", "message"),
    [
        ("  w: sum(label\n", "kpis.w: not valid SQL"),
        ("  w: sum(label) over ()\n", "kpis.w: window functions are not allowed"),
        ("  w: label\n", "kpis.w: column 'label' is outside an aggregate"),
        ("  w: median(label)\n", "kpis.w: unknown function 'median'"),
        ("  w: {sql: sum(label), goal: up}\n", "kpis.w.goal: 'up' is not allowed"),
    ],
)
def test_bad_kpis_are_one_line(kpis: str, message: str) -> None:
    text = refusal(kpis, None)
    assert text.startswith(f"%%monitor: {message}") and "\n" not in text, text


def test_each_kpi_is_its_checked_spark_sql_inside_the_window_aggregate() -> None:
    kpis = {
        "retained": "sum(case when prediction = 1 and label = 1 then revenue else 0 end)",
        "missed": "count(case when label = 1 and prediction = 0 then 1 end)",
    }
    body = BODY + "".join(f"  {name}: {sql!r}\n" for name, sql in kpis.items())
    code = expand("monitor", "churn", "churn", body, local(), lookup=known(SCORED)).code
    tree = ast.parse(code)
    assigned = {
        node.targets[0].slice.value: node.value.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Subscript)
        and isinstance(node.targets[0].value, ast.Name)
        and node.targets[0].value.id == "performance"
    }
    expected = {f"kpi_{n}": parse_kpi(n, s, "max", True, SCORED).sql for n, s in kpis.items()}
    assert assigned == expected
    assert 'labelled.withColumn("label", F.col("churned"))' in code
    without = expand("monitor", "churn", "churn", BODY.removesuffix("kpis:\n"), local()).code
    assert "kpi_" not in without and 'withColumn("label"' not in without


@given(st.text(alphabet=" ab'`\"x()", max_size=300), st.integers(1, 90))
def test_the_sql_pieces_join_back_exactly_and_are_short(text: str, width: int) -> None:
    pieces = _lines(text, width)
    assert "".join(pieces) == text
    for piece in pieces:  # longer only when one word is
        assert len(piece.rstrip(" ")) <= width or " " not in piece.rstrip(" ")

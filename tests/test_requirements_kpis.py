"""Business KPIs in the requirements reach the model zoo (which they make choose the winner and
gate @champion) and %%monitor; a wrong one is one line before anything is written (no Spark)."""

from __future__ import annotations

import pytest
from conftest import run
from IPython.core.error import UsageError
from test_requirements_entity import ACCOUNTS, LABELS, LOCAL, USAGE, requirements

from dbx_architect.errors import SpecError
from dbx_architect.outline import plan_from_text
from dbx_architect.outline.notebook import cells, validate

NET = "sum(case when prediction = 1 and label = 1 then 600 else 0 end) - 20 * sum(prediction)"
KPIS = f"kpis:\n  net_retained: {NET}\n  contacted: {{sql: sum(prediction), goal: min}}\n"
COSTS = "costs: {false_negative: 600, false_positive: 20}\n"


def stages(body: str) -> dict[str, dict]:
    plan = plan_from_text(body, LOCAL)
    validate(plan)  # every cell expands, as before an outline is written
    return {s.magic: s.spec for s in plan.stages}


def test_kpis_and_costs_reach_the_zoo_and_the_monitor() -> None:
    spec = stages(requirements(ACCOUNTS, USAGE, LABELS, extra=KPIS + COSTS))
    zoo, monitor = spec["modelzoo"], spec["monitor"]
    wanted = {"net_retained": NET, "contacted": {"sql": "sum(prediction)", "goal": "min"}}
    assert zoo["kpis"] == wanted and monitor["kpis"] == wanted
    assert zoo["costs"] == {"false_negative": 600, "false_positive": 20}
    # the first KPI chooses the winner and gates @champion unless select_by says otherwise
    assert zoo["select_by"] == zoo["promote_if"]["metric"] == "net_retained"
    chosen = stages(requirements(ACCOUNTS, USAGE, LABELS, extra=KPIS + "select_by: contacted\n"))
    assert chosen["modelzoo"]["select_by"] == "contacted"
    assert chosen["modelzoo"]["promote_if"]["metric"] == "contacted"


def test_costs_alone_choose_by_cost_and_no_kpis_change_nothing() -> None:
    costs = stages(requirements(ACCOUNTS, USAGE, LABELS, extra=COSTS))["modelzoo"]
    assert costs["select_by"] == costs["promote_if"]["metric"] == "cost"
    assert "kpis" not in costs
    plain = stages(requirements(ACCOUNTS, USAGE, LABELS))
    assert not {"kpis", "costs", "select_by"} & set(plain["modelzoo"])
    assert "metric" not in plain["modelzoo"]["promote_if"]
    assert "kpis" not in plain["monitor"]


def test_the_notebook_says_what_chooses_the_model() -> None:
    plan = plan_from_text(requirements(ACCOUNTS, USAGE, LABELS, extra=KPIS + COSTS), LOCAL)
    text = "\n".join(source for kind, source in cells(plan) if kind == "markdown")
    assert f"`net_retained` = `{NET}` (max)" in text
    assert "`cost` = 600 per missed positive + 20 per false alarm (min)" in text
    assert "The winner is the best on `net_retained`, which also gates `@champion`." in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            COSTS.replace("600", "-1"),
            "outline: costs.false_negative: must be at least 0.0, got -1",
        ),
        (
            "select_by: profit\n",
            "outline: the Model zoo: c cell would not expand: %%modelzoo: select_by: 'profit' "
            "is not a classification metric; use one of f1_weighted, accuracy, roc_auc, log_loss",
        ),
        (
            "kpis: {x: 'select 1'}\n",
            "outline: the Model zoo: c cell would not expand: %%modelzoo: kpis.x: a KPI is one "
            "expression over the scored rows, not a query",
        ),
    ],
)
def test_a_wrong_kpi_is_one_line(extra, message) -> None:
    with pytest.raises(SpecError) as caught:
        stages(requirements(ACCOUNTS, USAGE, LABELS, extra=extra))
    assert str(caught.value) == message


def test_costs_on_a_regression_are_one_line_and_nothing_is_written(shell, tmp_path) -> None:
    body = requirements(ACCOUNTS, USAGE, LABELS, extra=COSTS).replace(
        "task: classification", "task: regression"
    )
    result = run(shell, f"%%outline churn\n{body}")
    assert isinstance(result.error_in_exec, UsageError)
    assert str(result.error_in_exec) == (
        "%%outline: costs: a cost matrix is for task: classification (two classes)"
    )
    assert not (tmp_path / "churn.ipynb").exists()

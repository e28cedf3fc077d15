"""The example notebooks, executed end to end as the README's first command runs them (nbclient)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.spark

EXAMPLES = {
    "demand_forecast": (
        "weekly_demand",
        [
            "spark_catalog.bronze.sales",
            "spark_catalog.silver.sales",
            "spark_catalog.silver.sales_quarantine",
            "spark_catalog.gold.weekly_demand",
            "spark_catalog.gold.weekly_demand_evaluation",
        ],
    ),
    "churn": (
        "churn",
        [
            "spark_catalog.bronze.customers",
            "spark_catalog.silver.usage",
            "spark_catalog.gold.churn_features",
            "spark_catalog.gold.churn_evaluation",
        ],
    ),
}


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_example_notebook_runs_end_to_end(tmp_path, example) -> None:
    model, tables = EXAMPLES[example]
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "run_demo.py"), str(tmp_path / "out"), example],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    rows = dict(re.findall(r"^(spark_catalog\.\w+\.\w+): (\d+) rows", out, re.MULTILINE))
    for table in tables:
        assert int(rows[table]) > 0, table
    assert re.search(rf"^registered model: {model}, @champion = v\d+$", out, re.MULTILINE)
    assert (tmp_path / "out" / f"{example}.executed.ipynb").exists()

"""The demo notebook, executed end to end as the README's first command runs it (nbclient)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.spark


def test_demand_forecast_notebook_runs_end_to_end(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "run_demo.py"), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    tables = dict(re.findall(r"^(spark_catalog\.\w+\.\w+): (\d+) rows", out, re.MULTILINE))
    for table in (
        "spark_catalog.bronze.sales",
        "spark_catalog.silver.sales",
        "spark_catalog.silver.sales_quarantine",
        "spark_catalog.gold.weekly_demand",
        "spark_catalog.gold.weekly_demand_evaluation",
    ):
        assert int(tables[table]) > 0, table
    assert re.search(r"^registered model: weekly_demand, @champion = v\d+$", out, re.MULTILINE)
    assert (tmp_path / "out" / "demand_forecast.executed.ipynb").exists()

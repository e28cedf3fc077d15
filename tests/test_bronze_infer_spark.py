"""A local %%bronze file source without schema: the columns are read from the files there when
the cell is expanded, written into the cell, and the load runs on real Spark + Delta."""

from __future__ import annotations

import json

import pytest
from conftest import run

pytestmark = pytest.mark.spark


@pytest.fixture
def landing(shell, spark, tmp_path):
    shell.push({"spark": spark})
    shell.run_line_magic("dbx_config", "bronze_schema=bronze_inferred")
    folder = tmp_path / "landing" / "events"
    folder.mkdir(parents=True)
    return folder


def test_columns_are_read_from_the_files_and_the_load_runs(shell, spark, landing) -> None:
    rows = [{"event_id": 1, "account": "a", "amount": 2.5}, {"event_id": 2, "account": "b"}]
    (landing / "part-1.json").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = run(shell, "%%bronze events --run\nsource: ./landing/events/\nformat: json\n")
    assert result.error_in_exec is None, result.error_in_exec
    code = shell.replaced.calls[-1][0]
    assert "these columns were read from the files" in code
    assert '.schema("account STRING, amount DOUBLE, event_id BIGINT")' in code
    table = spark.table("spark_catalog.bronze_inferred.events")
    assert sorted(r["event_id"] for r in table.collect()) == [1, 2]
    assert table.where("event_id = 2").first()["amount"] is None


def test_no_files_or_no_session_is_one_line(shell, spark, landing) -> None:
    cell = "%%bronze events\nsource: ./landing/events/\nformat: json\n"
    result = run(shell, cell)
    assert str(result.error_in_exec) == (
        "%%bronze: schema: there are no json files at './landing/events/' to read the columns "
        "from; add them, or give schema: id INT, amount DOUBLE"
    )
    shell.user_ns.pop("spark")
    result = run(shell, cell)
    assert "with a session (%dbx_spark) they are read from the files" in str(
        result.error_in_exec
    )
    assert shell.replaced.calls == []

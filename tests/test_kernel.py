"""A real Jupyter kernel: the execute reply carries the in-place replacement for the front end."""

from __future__ import annotations

import pytest

from dbx_architect.expand import expand
from dbx_architect.settings import DbxArchitect, Settings

pytestmark = pytest.mark.kernel

CELL_BODY = "source: /landing/sales/\nformat: csv\nschema: id INT, amount DOUBLE\nkeys: [id]\n"


@pytest.fixture
def kernel(tmp_path):
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def execute(client, code: str) -> dict:
    reply = client.execute_interactive(code, timeout=120, output_hook=lambda msg: None)
    return reply["content"]


def test_expansion_reply_is_set_next_input_with_replace(kernel) -> None:
    assert execute(kernel, "%load_ext dbx_architect")["status"] == "ok"
    content = execute(kernel, f"%%bronze sales\n{CELL_BODY}")
    assert content["status"] == "ok"
    expected = expand(
        "bronze", "sales", "sales", CELL_BODY, Settings.from_config(DbxArchitect(), "local")
    ).cell
    assert content["payload"] == [{"source": "set_next_input", "text": expected, "replace": True}]


def test_bad_spec_reply_is_an_error_without_payload(kernel) -> None:
    execute(kernel, "%load_ext dbx_architect")
    content = execute(kernel, "%%bronze sales\nsource: /a.csv\nformat: xml\n")
    assert content["status"] == "error"
    assert content["ename"] == "UsageError"
    assert content["evalue"].startswith("%%bronze: format: 'xml' is not allowed")
    assert content.get("payload", []) == []


def run_collecting(client, code: str) -> tuple[dict, list[dict]]:
    messages: list[dict] = []
    reply = client.execute_interactive(code, timeout=120, output_hook=messages.append)
    return reply["content"], messages


def calls(client) -> int:
    reply = client.execute_interactive(
        "", timeout=60, user_expressions={"n": "len(calls)"}, output_hook=lambda msg: None
    )
    return int(reply["content"]["user_expressions"]["n"]["data"]["text/plain"])


def test_guard_on_across_cells_off_and_unload(kernel) -> None:
    execute(kernel, "%load_ext dbx_architect")
    # A stand-in session that records queries: the static check judges the code, not Spark.
    execute(
        kernel,
        "calls = []\nclass Session:\n    def sql(self, q):\n        calls.append(q)\n"
        "spark = Session()",
    )
    assert execute(kernel, "%guard on")["status"] == "ok"

    content, messages = run_collecting(
        kernel, 'table = "main.s.t"\nspark.sql(f"DROP TABLE {table}")'
    )
    assert content["status"] == "error"
    assert "drop main.s.t (line 2, spark.sql)" in content["evalue"]
    assert content["evalue"].endswith("%%guard --confirm main.s.t")
    widgets = [
        m
        for m in messages
        if "application/vnd.jupyter.widget-view+json" in m["content"].get("data", {})
    ]
    assert widgets, "a Confirm button is offered in the output"
    assert calls(kernel) == 0
    assert execute(kernel, "table = 'safe'")["status"] == "ok"  # harmless cells still run

    assert (
        execute(kernel, '%%guard --confirm main.s.t\nspark.sql("DROP TABLE main.s.t")')["status"]
        == "ok"
    )
    assert calls(kernel) == 1
    assert execute(kernel, "%guard off")["status"] == "ok"
    assert execute(kernel, 'spark.sql("DROP TABLE main.s.u")')["status"] == "ok"
    assert calls(kernel) == 2

    execute(kernel, "%guard on")
    assert execute(kernel, 'spark.sql("DROP TABLE main.s.v")')["status"] == "error"
    assert execute(kernel, "%unload_ext dbx_architect")["status"] == "ok"
    assert execute(kernel, 'spark.sql("DROP TABLE main.s.v")')["status"] == "ok"
    assert calls(kernel) == 3

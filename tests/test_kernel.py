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

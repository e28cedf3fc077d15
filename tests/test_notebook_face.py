"""The Databricks notebook face: the copy block where cells cannot be replaced, and whole
notebook files expanded (``expand-notebook``, ``%dbx_expand_notebook``) and collapsed back.

Nothing is faked but Databricks' ``displayHTML``, defined in the notebook's namespace as the
runtime defines it; the shell, the expansion and nbformat are the real ones.
"""

from __future__ import annotations

import html
import json
import sys
import types
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from conftest import run
from dbx_architect.magics.copy_output import REPLACE_HEADER, RUN_HEADER, copy_html, show_copy
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from dbx_architect.cli import main
from dbx_architect.errors import DbxArchitectError, SpecError
from dbx_architect.expand import expand
from dbx_architect.notebook_expand import HEADER, SEPARATOR, collapse_text, expand_text
from dbx_architect.settings import DbxArchitect, Settings

HOSTILE = "</textarea><script>alert(1)</script> & <b>"
VOLUME_CELL = (
    "%%bronze sales\n"
    "source: /Volumes/main/landing/raw/sales/\n"
    "format: csv\n"
    "schema: id INT, amount DOUBLE\n"
    "keys: [id]\n"
    f"comment: '{HOSTILE}'"
)
BRONZE_BODY = "source: ./landing/sales/\nformat: csv\nschema: id INT, amount DOUBLE\nkeys: [id]"
SILVER_BODY = "from: sales\nkeys: [id]\n\nselect: [id, amount]"
GUARD_CELL = "%%guard\nspark.sql('SELECT 1')"


class _Block(HTMLParser):
    """The parts of a copy block a test looks at: texts of tags, and tag names seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open:
            self.text[self._open[-1]] = self.text.get(self._open[-1], "") + data


def _parsed(block: str) -> _Block:
    parser = _Block()
    parser.feed(block)
    return parser


# The copy block -------------------------------------------------------------------------------


def test_databricks_shows_one_copy_block_through_display_html(shell, monkeypatch) -> None:
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "15.4")
    for name in ("shown", "displayHTML"):  # gone again after the test
        monkeypatch.setitem(shell.user_ns, name, None)
    run(shell, "shown = []\ndef displayHTML(html):\n    shown.append(html)")
    with capture_output() as captured:
        result = run(shell, VOLUME_CELL)
    assert result.error_in_exec is None
    [block] = shell.user_ns["shown"]
    [(cell, replace)] = shell.replaced.calls  # front ends that can still replace it do
    assert replace and cell.startswith("# %%bronze sales")
    assert "main.bronze.sales" in cell  # the Databricks target, detected
    parsed = _parsed(block)
    assert f"<span>{html.escape(REPLACE_HEADER)}</span>" in block  # the one-line header
    assert parsed.text["button"] == "Copy"
    assert parsed.text["textarea"] == cell  # what Copy copies is exactly the expansion
    assert HOSTILE in cell and HOSTILE not in block and html.escape(HOSTILE) in block
    assert parsed.tags.count("script") == 0 and "link" not in parsed.tags  # self-contained
    assert "navigator.clipboard" in block and "execCommand('copy')" in html.unescape(block)
    assert "<span style=" in block  # highlighted by pygments
    assert captured.outputs == [] and captured.stdout == ""  # nothing printed besides


def test_jupyter_replaces_the_cell_and_shows_nothing_else(shell) -> None:
    with capture_output() as captured:
        result = run(shell, f"%%bronze sales\n{BRONZE_BODY}")
    assert result.error_in_exec is None
    assert len(shell.replaced.calls) == 1
    assert captured.outputs == [] and captured.stdout == ""


def test_colab_gets_the_copy_block_as_an_html_output(shell, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    formats = list(shell.display_formatter.formatters)  # a kernel's, not a terminal's text only
    monkeypatch.setattr(shell.display_formatter, "active_types", formats)
    with capture_output() as captured:
        result = run(shell, f"%%bronze sales\n{BRONZE_BODY}")
    assert result.error_in_exec is None
    [output] = captured.outputs
    block = output.data["text/html"]
    assert _parsed(block).text["textarea"] == shell.replaced.calls[0][0]
    assert html.escape(REPLACE_HEADER) in block


def test_without_pygments_the_code_is_a_plain_escaped_pre(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pygments", None)  # import pygments raises ImportError
    code = f"x = {HOSTILE!r}\n"
    parsed = _parsed(copy_html(code, "do this"))
    assert parsed.text["pre"] == code and parsed.text["textarea"] == code
    assert "<span style=" not in copy_html(code, "do this")


def test_with_run_the_header_says_it_runs_now() -> None:
    shown: list[str] = []
    show_copy({"displayHTML": shown.append}, "x = 1\n", run=True)
    [block] = shown
    assert f"<span>{html.escape(RUN_HEADER)}</span>" in block and REPLACE_HEADER not in block


# Whole notebooks ------------------------------------------------------------------------------


def _settings() -> Settings:
    return Settings.from_config(DbxArchitect(), "local")


def _expansion(magic: str, body: str) -> str:
    return expand(magic, "sales", "sales", body, _settings()).cell.rstrip("\n")


SILVER_CELL = f"%%silver sales\n{SILVER_BODY}"


def _ipynb(fifth: str = SILVER_CELL) -> str:
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("x = 1", execution_count=1)
    code.outputs = [
        nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=1)
    ]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Sales\n\nBronze, then Silver."),
        code,
        nbformat.v4.new_code_cell(f"%%bronze sales\n{BRONZE_BODY}"),
        nbformat.v4.new_code_cell(GUARD_CELL),
        nbformat.v4.new_code_cell(fifth),
    ]
    for number, cell in enumerate(nb.cells):  # fixed ids: the same notebook on every call
        cell.id = f"cell-{number}"
    return nbformat.writes(nb) + "\n"


def _magic_lines(source: str) -> str:
    return "\n".join(f"# MAGIC {line}".rstrip() for line in source.splitlines())


def _databricks(fifth: str = SILVER_CELL) -> str:
    cells = [
        "# MAGIC %md\n# MAGIC # Sales",
        "x = 1",
        "# DBTITLE 1,Land the files\n" + _magic_lines(f"%%bronze sales\n{BRONZE_BODY}"),
        _magic_lines(GUARD_CELL),
        _magic_lines(fifth),
    ]
    return HEADER + "\n" + f"\n{SEPARATOR}\n".join(cells) + "\n"


def test_ipynb_magic_cells_become_their_expansions_and_nothing_else_changes() -> None:
    before = nbformat.reads(_ipynb(), as_version=4)
    done = expand_text(_ipynb(), ".ipynb", DbxArchitect(), "local")
    after = nbformat.reads(done.text, as_version=4)
    assert done.changed == 2
    assert after.cells[2].source == _expansion("bronze", BRONZE_BODY)
    assert after.cells[4].source == _expansion("silver", SILVER_BODY)
    for number in (0, 1, 3):  # markdown, code with its output, %%guard: untouched
        assert after.cells[number] == before.cells[number]
    assert after.cells[2].id == before.cells[2].id
    nbformat.validate(after)


def test_databricks_source_magic_cells_become_their_expansions() -> None:
    done = expand_text(_databricks(), ".py", DbxArchitect(), "local")
    before, after = _databricks().split(SEPARATOR), done.text.split(SEPARATOR)
    assert done.changed == 2 and len(after) == len(before)
    assert [after[i] for i in (0, 1, 3)] == [before[i] for i in (0, 1, 3)]
    assert after[2] == "\n# DBTITLE 1,Land the files\n" + _expansion("bronze", BRONZE_BODY) + "\n"
    assert after[4] == "\n" + _expansion("silver", SILVER_BODY) + "\n"
    compile(done.text, "expanded.py", "exec")  # the whole file is Python again


@pytest.mark.parametrize(("make", "kind"), [(_ipynb, ".ipynb"), (_databricks, ".py")])
def test_collapse_of_expand_is_the_notebook(make, kind) -> None:
    expanded = expand_text(make(), kind, DbxArchitect(), "local")
    collapsed = collapse_text(expanded.text, kind)
    assert collapsed.changed == expanded.changed == 2
    assert collapsed.text == make()


def _sources(path: Path) -> list[str] | str:
    """A notebook's cell sources (ipynb cell ids are random), or Databricks source's text."""
    if path.suffix == ".py":
        return path.read_text()
    return [cell.source for cell in nbformat.read(str(path), as_version=4).cells]


@pytest.mark.parametrize("suffix", [".ipynb", ".py"])
def test_an_expanded_outline_is_what_outline_expanded_writes(tmp_path, suffix) -> None:
    assert main(["new", str(tmp_path / "req.yaml")]) == 0
    for extra in ([], ["--expanded"]):
        name = "out" + ("_expanded" if extra else "") + suffix
        argv = ["outline", str(tmp_path / "req.yaml"), "-o", str(tmp_path / name), *extra]
        assert main([*argv, "--target", "databricks"]) == 0
    out = tmp_path / f"out{suffix}"
    assert main(["expand-notebook", str(out), "--target", "databricks"]) == 0
    wanted = _sources(tmp_path / f"out_expanded{suffix}")
    assert _sources(tmp_path / f"out.expanded{suffix}") == wanted
    assert main(["collapse", str(tmp_path / f"out.expanded{suffix}")]) == 0
    assert (tmp_path / f"out.expanded.collapsed{suffix}").read_text() == out.read_text()


@pytest.mark.parametrize("kind", [".ipynb", ".py"])
def test_the_cli_writes_a_new_file_unless_in_place(tmp_path, capsys, kind) -> None:
    source = tmp_path / f"sales{kind}"
    original = _ipynb() if kind == ".ipynb" else _databricks()
    source.write_text(original)
    assert main(["expand-notebook", str(source), "--target", "local"]) == 0
    written = tmp_path / f"sales.expanded{kind}"
    assert written.read_text() == expand_text(original, kind, DbxArchitect(), "local").text
    assert source.read_text() == original
    assert capsys.readouterr().out == f"wrote {written} (2 cells expanded)\n"
    assert main(["expand-notebook", str(source), "--target", "local"]) == 2  # exists: --force
    assert capsys.readouterr().err == (
        f"dbx-architect: expand-notebook: {written} exists; add --force to replace it\n"
    )
    assert main(["expand-notebook", str(source), "--in-place", "--target", "local"]) == 0
    assert source.read_text() == written.read_text()
    assert main(["collapse", str(source), "--in-place"]) == 0
    assert source.read_text() == original
    assert {p.name for p in tmp_path.iterdir()} == {source.name, written.name}


def _bad_message(body: str) -> str:
    try:
        expand("bronze", "sales", "sales", body, _settings())
    except SpecError as err:
        return str(err)
    raise AssertionError("the body was expected to be refused")


@pytest.mark.parametrize("kind", [".ipynb", ".py"])
def test_a_bad_cell_is_one_line_naming_it_and_nothing_is_written(tmp_path, capsys, kind) -> None:
    bad_body = "format: csv\nkeys: [id]"
    make = _ipynb if kind == ".ipynb" else _databricks
    original = make(f"%%bronze sales\n{bad_body}")
    source = tmp_path / f"sales{kind}"
    source.write_text(original)
    assert main(["expand-notebook", str(source), "--target", "local"]) == 2
    err = capsys.readouterr().err
    assert err == f"dbx-architect: expand-notebook: {source}: cell 5: {_bad_message(bad_body)}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [source.name]
    assert source.read_text() == original


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["expand-notebook", "notes.txt"],
            "expand-notebook: notes.txt is not a notebook; give a "
            ".ipynb or a .py (Databricks notebook source)",
        ),
        (["expand-notebook", "missing.py"], "expand-notebook: missing.py: no such file"),
        (
            ["expand-notebook", "plain.py"],
            "expand-notebook: plain.py: not Databricks notebook source (its "
            "first line is not '# Databricks notebook source')",
        ),
        (
            ["expand-notebook", "broken.ipynb"],
            "expand-notebook: broken.ipynb: not a notebook (invalid JSON: Expecting value, line 1)",
        ),
        (
            ["collapse", "plain_nb.py"],
            "collapse: plain_nb.py: no expanded cell to collapse (cells starting "
            "with a '# %%bronze NAME' style header)",
        ),
        (
            ["expand-notebook", "plain_nb.py", "-o", "out.ipynb"],
            "expand-notebook: write the same kind of notebook (.py), not out.ipynb",
        ),
    ],
)
def test_notebook_mistakes_are_one_line(tmp_path, monkeypatch, capsys, argv, message) -> None:
    monkeypatch.chdir(tmp_path)
    Path("notes.txt").write_text("hello")
    Path("plain.py").write_text("print(1)\n")
    Path("broken.ipynb").write_text('{"cells": [')
    Path("plain_nb.py").write_text(f"{HEADER}\nx = 1\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(argv) == 2
    assert capsys.readouterr().err == f"dbx-architect: {message}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_bad_magic_line_names_the_cell(tmp_path) -> None:
    text = _databricks(f"%%silver sales --bogus\n{SILVER_BODY}")
    with pytest.raises(DbxArchitectError) as caught:
        expand_text(text, ".py", DbxArchitect(), "local")
    assert str(caught.value).startswith("expand-notebook: cell 5: ")
    assert "--bogus" in str(caught.value) and "\n" not in str(caught.value)


# The line magic -------------------------------------------------------------------------------


def test_the_line_magic_expands_a_notebook_next_to_it(shell, tmp_path) -> None:
    (tmp_path / "sales.ipynb").write_text(_ipynb())
    with capture_output() as captured:
        result = run(shell, "%dbx_expand_notebook sales.ipynb -o out.ipynb --target local")
    assert result.error_in_exec is None
    written = (tmp_path / "out.ipynb").read_text()
    assert written == expand_text(_ipynb(), ".ipynb", DbxArchitect(), "local").text
    assert captured.stdout == "Wrote out.ipynb: 2 cell(s) expanded.\n"
    assert json.loads(written)["cells"][2]["source"][0] == "# %%bronze sales\n"


def test_the_line_magic_says_a_bad_cell_in_one_line(shell, tmp_path) -> None:
    text = _databricks(f"%%silver\n{SILVER_BODY}")
    (tmp_path / "sales.py").write_text(text)
    result = run(shell, "%dbx_expand_notebook sales.py --target local")
    assert isinstance(result.error_in_exec, UsageError)
    message = str(result.error_in_exec)
    assert message.startswith("%dbx_expand_notebook: sales.py: cell 5: %%silver: name the table")
    assert "\n" not in message
    assert not (tmp_path / "sales.expanded.py").exists()

"""Editor snippets: generated from the templates, committed, and never drifting."""

from __future__ import annotations

import json
import re

from conftest import ROOT

from dbx_architect.cli import main
from dbx_architect.snippets import generate, write_all


def test_committed_snippets_match_what_the_templates_make(tmp_path) -> None:
    written = write_all(tmp_path)
    committed = ROOT / "snippets"
    for path in written:
        relative = path.relative_to(tmp_path)
        assert (committed / relative).read_text() == path.read_text(), (
            f"snippets/{relative} drifted: run dbx-architect snippets --all snippets"
        )
    ours = {p.relative_to(committed) for p in committed.rglob("*") if p.is_file()}
    assert ours - {p.relative_to(tmp_path) for p in written} == {
        committed.joinpath("README.md").relative_to(committed)
    }


def test_vscode_snippets_parse_and_number_placeholders_consistently() -> None:
    data = json.loads((ROOT / "snippets" / "vscode" / "dbx_architect.code-snippets").read_text())
    assert {v["prefix"] for v in data.values()} >= {"dbx-bronze", "dbx-modelzoo-code", "dbx-guard"}
    for name, snippet in data.items():
        assert snippet["scope"] == "python" and snippet["description"], name
        body = "\n".join(snippet["body"])
        found = re.findall(r"(?<!\\)\$\{(\d+):([^}]*)\}", body)
        numbers = sorted({int(n) for n, _ in found})
        assert numbers == list(range(1, len(numbers) + 1)), name  # 1, 2, 3 ... without holes
        defaults: dict[str, str] = {}
        for number, default in found:
            assert defaults.setdefault(number, default) == default, (name, number)
        assert not re.search(r"(?<!\\)\$(?![{0-9])", body), name  # a bare $ is escaped


def test_snippets_install_for_both_editors(tmp_path, capsys) -> None:
    assert (
        main(
            ["snippets", "--vscode", str(tmp_path / "code"), "--jupyterlab", str(tmp_path / "lab")]
        )
        == 0
    )
    assert (tmp_path / "code" / "dbx_architect.code-snippets").exists()
    files = sorted(p.name for p in (tmp_path / "lab" / "dbx_architect").iterdir())
    assert files == sorted(f"{s.key}.py" for s in generate())
    cell = (tmp_path / "lab" / "dbx_architect" / "bronze-cell.py").read_text()
    assert cell.startswith("%%bronze sales\nsource: ./landing/sales/\n")
    assert main(["snippets"]) == 2

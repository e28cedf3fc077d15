"""docs/ is the user's contract: a page per magic, every key described, tables never stale."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import Field

from dbx_architect import docs
from dbx_architect.spec.base import SpecModel

DOCS = Path(__file__).resolve().parent.parent / "docs"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dbx_architect.cli", "docs", *args], capture_output=True, text=True
    )


def undescribed(model: type[SpecModel]) -> list[str]:
    """Model.key of every field of *model*, or of a model nested in it, without a description."""
    return [
        f"{current.__name__}.{field.alias or name}"
        for current in docs.nested(model)
        for name, field in current.model_fields.items()
        if not (field.description or "").strip()
    ]


@pytest.mark.parametrize("page", sorted(docs.spec_models()))
def test_every_spec_field_has_a_description(page: str) -> None:
    assert undescribed(docs.spec_models()[page]) == []


def test_a_field_without_description_is_found() -> None:
    class Inner(SpecModel):
        bare: int = 1

    class Outer(SpecModel):
        described: int = Field(1, description="Said.")
        inner: Inner | None = Field(None, description="Said too.")

    assert undescribed(Outer) == ["Inner.bare"]


def test_the_repository_docs_are_up_to_date() -> None:
    assert docs.stale(DOCS) == []
    done = cli("--check", str(DOCS))
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_magic_of_the_extension_has_a_page(shell) -> None:
    cell_magics = {
        name
        for name, method in shell.magics_manager.magics["cell"].items()
        if type(getattr(method, "__self__", None)).__module__.startswith("dbx_architect")
    }
    assert "bronze" in cell_magics  # the extension's magics were found at all
    assert sorted(cell_magics - set(docs.PAGES)) == []
    assert [page for page in docs.PAGES if not (DOCS / f"{page}.md").is_file()] == []
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    assert [page for page in docs.PAGES if f"({page}.md)" not in index] == []


def test_the_readme_links_every_page() -> None:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert [page for page in docs.PAGES if f"(docs/{page}.md)" not in readme] == []


def test_the_guard_page_lists_the_guarded_kinds() -> None:
    from dbx_architect.guard.kinds import KINDS, NOT_GUARDED

    text = (DOCS / "guard.md").read_text(encoding="utf-8")
    assert [kind for kind in KINDS if f"| `{kind}` |" not in text] == []
    assert [what for what in NOT_GUARDED if f"- {what}" not in text] == []


def test_every_generator_has_a_page_table() -> None:
    from dbx_architect.expand import GENERATORS

    models = docs.spec_models()
    for magic, generator in GENERATORS.items():
        text = (DOCS / f"{magic}.md").read_text(encoding="utf-8")
        assert docs.model_tables(models[magic]) in text, magic
        assert f"docs/{magic}.md" in generator.help(magic)


def test_a_stale_page_is_named_and_rewritten(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    shutil.copytree(DOCS, folder)
    page = folder / "silver.md"
    original = page.read_text(encoding="utf-8")
    page.write_text(original.replace("| `keys` |", "| `key` |", 1), encoding="utf-8")
    (folder / "gold.md").unlink()
    done = cli("--check", str(folder))
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"{page} is out of date; run: dbx-architect docs {folder}",
        f"{folder / 'gold.md'} is missing; run: dbx-architect docs {folder}",
    ]
    assert page.read_text(encoding="utf-8") != original  # --check changed nothing
    done = cli(str(folder))
    assert done.returncode == 0, done.stderr
    assert page.read_text(encoding="utf-8") == original  # the prose around the table is kept
    assert docs.stale(folder) == []


def test_an_empty_folder_gets_every_page(tmp_path: Path) -> None:
    done = cli(str(tmp_path / "new"))
    assert done.returncode == 0, done.stderr
    assert sorted(p.stem for p in (tmp_path / "new").iterdir()) == sorted(["README", *docs.PAGES])
    assert cli("--check", str(tmp_path / "new")).returncode == 0


def test_a_page_with_one_marker_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "bronze.md").write_text(f"# bronze\n\n{docs.BEGIN}\n", encoding="utf-8")
    done = cli(str(tmp_path))
    assert done.returncode == 2
    assert done.stderr == (
        "dbx-architect: docs: bronze.md has one of the two key markers, not both\n"
    )


def test_rows_use_the_yaml_key_and_the_models_default() -> None:
    from dbx_architect.spec.modelzoo import ModelZooSpec
    from dbx_architect.spec.silver import SilverSpec
    from dbx_architect.spec.transform import Expectation

    assert [r.key for r in docs.rows(SilverSpec)] == SilverSpec.allowed_keys()
    assert "in" in [r.key for r in docs.rows(Expectation)]
    assert "register" in [r.key for r in docs.rows(ModelZooSpec)]
    cv = next(r for r in docs.rows(ModelZooSpec) if r.key == "cv")
    field = ModelZooSpec.model_fields["cv"]
    assert cv.default == f"`{field.default}`"
    assert cv.meaning == field.description
    assert next(r for r in docs.rows(SilverSpec) if r.key == "from").default == "required"


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (int, "a whole number"),
        (bool, "true or false"),
        (list[str], "a list, each text"),
        (dict[str, float], "a mapping of text to a number"),
        (str | None, "text"),
    ],
)
def test_types_in_words(annotation: object, expected: str) -> None:
    assert docs.words(annotation) == expected


@pytest.mark.parametrize("check", [True, False])
def test_a_file_is_not_a_docs_folder(tmp_path: Path, check: bool) -> None:
    (tmp_path / "notes.md").write_text("# notes\n", encoding="utf-8")
    done = cli(*(["--check"] if check else []), str(tmp_path / "notes.md"))
    assert done.returncode == 2
    what = "is not a folder" if check else "is a file, not a folder"
    assert done.stderr == f"dbx-architect: docs: {tmp_path / 'notes.md'} {what}\n"
    assert (tmp_path / "notes.md").read_text(encoding="utf-8") == "# notes\n"

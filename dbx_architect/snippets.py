"""Editor snippets made from the same descriptors, specs and templates as the magics.

Two kinds per magic: the ``%%magic`` cell with its keys, and the code it expands to. The code
snippets are rendered by :func:`dbx_architect.expand.expand` with marker values that are then
turned into numbered placeholders, so a snippet never drifts from what the magic writes.
Written as VS Code ``.code-snippets`` (tab stops ``${1:sales}``) and as plain files for
JupyterLab snippet extensions (the defaults in place of the placeholders).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from .expand import GENERATORS, expand
from .settings import DbxArchitect, Settings


@dataclass(frozen=True)
class Snippet:
    key: str  # file and snippet name
    prefix: str
    description: str
    body: str  # with ${n:default} placeholders


def _placeholders(text: str, defaults: dict[str, str], escape: bool) -> str:
    """Markers → ``${n:default}`` in order of first appearance (the same marker, the same n)."""
    if escape:
        text = text.replace("\\", "\\\\").replace("$", "\\$")
    order: dict[str, int] = {}
    pattern = re.compile("|".join(sorted(map(re.escape, defaults), key=len, reverse=True)))

    def number(match: re.Match[str]) -> str:
        marker = match.group(0)
        order.setdefault(marker, len(order) + 1)
        return f"${{{order[marker]}:{defaults[marker]}}}"

    return pattern.sub(number, text)


def generate(target: str = "local") -> list[Snippet]:
    settings = Settings.from_config(DbxArchitect(), target)
    snippets = []
    for magic, generator in GENERATORS.items():
        name = generator.snippet.name
        body, defaults = generator.snippet.for_target(target)
        description = generator.snippet.description
        cell = f"%%{magic} {name}\n{body}"
        snippets.append(
            Snippet(f"{magic}-cell", f"dbx-{magic}", f"%%{magic}: {description}",
                    _placeholders(cell, defaults, escape=True))
        )  # fmt: skip
        code = expand(magic, name, name, body, settings).code
        snippets.append(
            Snippet(f"{magic}-code", f"dbx-{magic}-code",
                    f"{description} (the code %%{magic} writes, {target})",
                    _placeholders(code, defaults, escape=True))
        )  # fmt: skip
    snippets.append(
        Snippet("guard-cell", "dbx-guard", "%%guard: run a destructive cell, confirmed by name",
                "%%guard --confirm ${1:main.silver.sales}\n$0")
    )  # fmt: skip
    return snippets


def vscode(snippets: list[Snippet]) -> str:
    data = {
        f"dbx_architect {s.key}": {
            "prefix": s.prefix,
            "body": s.body.splitlines(),
            "description": s.description,
            "scope": "python",
        }
        for s in snippets
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def plain(body: str) -> str:
    """A snippet with its placeholders replaced by their defaults (JupyterLab files)."""
    text = re.sub(r"\$\{\d+:([^}]*)\}", r"\1", body).replace("$0", "")
    return text.replace("\\$", "$").replace("\\\\", "\\")


def write_all(folder: Path, target: str = "local") -> list[Path]:
    """``folder/vscode/dbx_architect.code-snippets`` and ``folder/jupyterlab/dbx_architect/*``."""
    snippets = generate(target)
    written = []
    code = folder / "vscode" / "dbx_architect.code-snippets"
    code.parent.mkdir(parents=True, exist_ok=True)
    code.write_text(vscode(snippets), encoding="utf-8")
    written.append(code)
    lab = folder / "jupyterlab" / "dbx_architect"
    lab.mkdir(parents=True, exist_ok=True)
    for s in snippets:
        path = lab / f"{s.key}.py"
        path.write_text(plain(s.body).rstrip("\n") + "\n", encoding="utf-8")
        written.append(path)
    return written

"""Editor snippets generated from the same specs and templates as the magics (SPEC section 10).

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

from .expand import expand
from .settings import DbxArchitect, Settings


@dataclass(frozen=True)
class Snippet:
    key: str  # file and snippet name
    prefix: str
    description: str
    body: str  # with ${n:default} placeholders


# (magic, name marker, spec with markers, placeholders: marker -> default, description)
# Markers are identifiers no real spec uses; each becomes one numbered placeholder.
CELLS = {
    "bronze": (
        "zzbronze",
        "source: zzpath\nformat: csv\nschema: zzkey INT, zzvalue DOUBLE\nkeys: [zzkey]\n",
        {"zzbronze": "sales", "zzpath": "./landing/sales/", "zzkey": "id", "zzvalue": "amount"},
        "Land files in a Bronze Delta table, incrementally, MERGE on the keys",
    ),
    "silver": (
        "zzsilver",
        "from: zzbronze\nkeys: [zzkey]\nexpect:\n  - {name: zzkey_present, not_null: [zzkey], "
        "action: quarantine}\n",
        {"zzsilver": "sales", "zzbronze": "sales", "zzkey": "id"},
        "Clean and check a Bronze table into Silver (quarantine), MERGE on the keys",
    ),
    "gold": (
        "zzgold",
        "from: zzsilver\ngroup_by: [zzgroup]\ngrain: week\ntime_col: zztime\n"
        "aggregates: {zztarget: sum(zztarget)}\n",
        {"zzgold": "weekly_sales", "zzsilver": "sales", "zzgroup": "store", "zztime": "day",
         "zztarget": "units"},
        "Aggregate Silver to a weekly Gold table",
    ),
    "modelzoo": (
        "zzmodel",
        "table: zzgold\ntarget: zztarget\ntask: regression\nregister: zzmodel\n",
        {"zzmodel": "demand", "zzgold": "weekly_sales", "zztarget": "units"},
        "Compare a baseline and candidates on one split, log to MLflow, register",
    ),
    "deploy": (
        "zzmodel",
        "table: zzgold\nkeys: [zzkey, zztime]\n",
        {"zzmodel": "demand", "zzgold": "weekly_sales", "zzkey": "store", "zztime": "day"},
        "Score a Gold table with @champion into a predictions table (Spark UDF, MERGE)",
    ),
    "monitor": (
        "zzmodel",
        "time_col: zztime\nwindow: week\ntrigger: {k: 2, n: 3}\n",
        {"zzmodel": "demand", "zztime": "day"},
        "Drift per feature and week (PSI, KS) against the training data, retrain trigger",
    ),
}  # fmt: skip


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
    for magic, (name, body, defaults, description) in CELLS.items():
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

"""Malformed input, typed by an attacker or a careless hand: one line, nothing changed.

Every case runs the real face: a magic in a real IPython shell (the message is the
``UsageError`` the notebook shows, no cell is replaced, no file appears), the real
``dbx-architect`` console script in a subprocess (one line on stderr, exit 2, the folder
unchanged), or ``%load_ext`` in a folder whose ``pyproject.toml`` is bad (it still loads, with
one line per ignored key). Refusal times are measured and printed (``-s``), not asserted: the
bombs are sized so that a broken cap fails the "refused" assertion instead of hanging.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from IPython.core.error import UsageError
from test_render import CASES

from dbx_architect.errors import SpecError, short
from dbx_architect.expand import GENERATORS, expand
from dbx_architect.settings import DbxArchitect, Settings
from dbx_architect.spec.yaml_body import load_body, load_value

CLI = Path(sys.executable).parent / "dbx-architect"
GOOD = "source: /a.csv\nschema: id INT\n"
NAMES = {magic: "demand" if g.name_label == "NAME" else "sales" for magic, g in GENERATORS.items()}
LINE_AT = r"line \d+, column \d+"


def bomb(levels: int, width: int) -> str:
    """An alias bomb under tags: anchor a0 holds *width* values, each next one *width* aliases."""
    lines = ["tags:", f"  - &a0 [{', '.join(['x'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"  - &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def deep_block(levels: int) -> str:
    return "source:\n" + "".join(" " * i + "- \n" for i in range(1, levels))


def alias_chain(levels: int) -> str:
    return "x: &a0 [1]\n" + "".join(f"y{i}: &a{i} [*a{i - 1}]\n" for i in range(1, levels))


BIG = GOOD + "comment: " + "x" * (1 << 20) + "\n"  # 1 MB
TOO_MANY = r"the YAML body holds more than 4,000 values once its aliases are expanded "
TOO_DEEP = r"the YAML body nests lists and mappings more than 20 levels deep "
CAUGHT = r", aliases included\)"
SIZE = f"the YAML body is {len(BIG.encode()):,} bytes; at most 262,144 bytes \\(256 KB\\) are read"

# (case, YAML body, the message after "%%bronze: " as a regular expression)
BODIES = [
    ("1 MB body", BIG, SIZE),
    ("bomb 10^7", GOOD + bomb(7, 10), TOO_MANY + rf"\({LINE_AT}\); at most 4,000 are read"),
    (
        "10,000 [",
        "source: " + "[" * 10_000 + "]" * 10_000 + "\n",
        TOO_DEEP + rf"\({LINE_AT}{CAUGHT}",
    ),
    ("10,000 {a:", "source: " + "{a: " * 10_000 + "}" * 10_000, TOO_DEEP + rf"\({LINE_AT}{CAUGHT}"),
    ("600 block levels", deep_block(600), TOO_DEEP + rf"\(line 21, column 21{CAUGHT}"),
    ("alias chain", alias_chain(40), TOO_DEEP + rf"\(line 20, column 12{CAUGHT}"),
    (
        "flat list",
        GOOD + "keys: [" + "a, " * 60_000 + "a]\n",
        TOO_MANY + rf"\({LINE_AT}\); at most 4,000 are read",
    ),
    (
        "self alias",
        "source: &a [*a]\n",
        "the YAML body does not parse: line 1, column 13: "
        r"alias \*a is inside its own anchor \(a value cannot contain itself\)",
    ),
    (
        "no anchor",
        "source: *nowhere\n",
        "the YAML body does not parse: line 1, column 9: found undefined alias 'nowhere'",
    ),
]
CONTROL = "that YAML does not allow; remove it \\(tabs and line breaks are fine\\)"
BODIES += [
    (
        f"U+{ord(char):04X}",
        f"source: /a.csv\nschema: id{char} INT\n",
        rf"the YAML body has {kind} \(U\+{ord(char):04X}\) at line 2, column 11 {CONTROL}",
    )
    for char, kind in [
        ("\x00", "a control character"),
        ("\x07", "a control character"),
        ("\x1b", "a control character"),
        ("\x7f", "a control character"),
        ("\ufffe", "a character"),
        ("\ud800", "a character"),
    ]
]
PARSE = "the YAML body does not parse: "
QUOTE = "; quote it to keep it as text"
BODIES += [
    (
        "? [a, b]",
        "? [a, b] : 1\n",
        PARSE + "line 1, column 3: a key must be text or a number, not a list",
    ),
    (
        "{[1]: 2}",
        "{[1]: 2}\n",
        PARSE + "line 1, column 2: a key must be text or a number, not a list",
    ),
    (
        "? {a: 1}",
        "? {a: 1}\n: 2\n",
        PARSE + "line 1, column 3: a key must be text or a number, not a mapping",
    ),
    (
        "5,000 digits",
        GOOD + "keys: [" + "9" * 5000 + "]\n",
        PARSE
        + "line 3, column 8: a whole number of 5,000 digits is more than Python reads"
        + QUOTE,
    ),
    (
        "month 13",
        "source: 2024-13-45\n",
        PARSE + "line 1, column 9: '2024-13-45' is not a date or timestamp" + QUOTE,
    ),
    (
        "!!timestamp",
        "source: !!timestamp x\n",
        PARSE + "line 1, column 9: 'x' is not a date or timestamp" + QUOTE,
    ),
    (
        "!!int",
        "source: !!int abc\n",
        PARSE + "line 1, column 9: 'abc' is not a whole number" + QUOTE,
    ),
    (
        "!!python",
        "source: !!python/object:os.system x\n",
        PARSE + "line 1, column 9: could not determine "
        "a constructor for the tag 'tag:yaml.org,2002:python/object:os.system'",
    ),
]
BODIES = [(case, body, re.escape("%%bronze: ") + message) for case, body, message in BODIES]


def refused(shell, cell: str) -> tuple[str, float]:
    """Run *cell*; it must fail with one UsageError line and replace nothing. (message, seconds)"""
    started = time.perf_counter()
    result = run(shell, cell)
    seconds = time.perf_counter() - started
    assert isinstance(result.error_in_exec, UsageError), result.error_in_exec
    message = str(result.error_in_exec)
    assert "\n" not in message and len(message) <= 1000
    assert shell.replaced.calls == []
    return message, seconds


@pytest.mark.parametrize(("case", "body", "message"), BODIES, ids=[c for c, _, _ in BODIES])
def test_bad_bodies_are_one_line(shell, case: str, body: str, message: str) -> None:
    got, seconds = refused(shell, f"%%bronze sales\n{body}")
    print(f"{case}: refused in {seconds * 1000:.1f} ms")
    assert re.fullmatch(message, got), got


CAPS = [
    ("1 MB", BIG, SIZE),
    ("bomb", bomb(7, 10), TOO_MANY),
    ("deep", "x: " + "[" * 10_000, TOO_DEEP),
    ("NUL", "x: \x00\n", "the YAML body has a control character \\(U\\+0000\\)"),
]


@pytest.mark.parametrize("magic", [*GENERATORS, "outline"])
@pytest.mark.parametrize(("case", "body", "start"), CAPS, ids=[c for c, _, _ in CAPS])
def test_every_magic_has_the_caps(shell, tmp_path, magic, case, body, start) -> None:
    name = NAMES.get(magic, "demo")
    got, seconds = refused(shell, f"%%{magic} {name}\n{body}")
    print(f"%%{magic} {case}: refused in {seconds * 1000:.1f} ms")
    assert re.match(re.escape(f"%%{magic}: ") + start, got), got
    assert list(tmp_path.iterdir()) == []  # %%outline wrote no notebook


def test_forms_read_values_with_the_same_caps() -> None:
    with pytest.raises(SpecError) as caught:
        load_value(bomb(7, 10).removeprefix("tags:"), "tags")
    assert str(caught.value).startswith("tags: the YAML body holds more than 4,000 values")


LONG = "k" * 500
QUOTED_LONG = "'" + "k" * 58 + "…"  # errors.short: 60 characters at most, cut with …


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            f"{LONG}: 1\n",
            f"%%bronze: unknown key {QUOTED_LONG}; allowed keys: source, format, options, "
            "schema, schema_hints, load, keys, partition_by, cluster_by, comment, owner, tags, "
            "column_tags, properties",
        ),
        (
            f"source: /{LONG}.xml\n",
            f"%%bronze: format: cannot infer the format of source "
            f"'/{'k' * 57}… from its name; add format: csv, json, parquet or delta",
        ),
        (
            GOOD + f"keys: [{LONG}]\n",
            f"%%bronze: keys: column {QUOTED_LONG} is not in the table; columns: id",
        ),
        (
            GOOD + "tags: [" + ", ".join(["abc"] * 3000) + "]\n",
            f"%%bronze: tags: expected a mapping of key: value, got {short(['abc'] * 3000)}",
        ),
        (
            GOOD + f"load: {LONG}\n",
            f"%%bronze: load: {QUOTED_LONG} is not allowed; use one of incremental or full",
        ),
        (
            f"source: /a.csv\nschema: 'id INT, {LONG} ;'\n",
            f"%%bronze: schema: {short(f'id INT, {LONG} ;')} "
            "is not a Spark DDL column list like 'id INT, name STRING'",
        ),
    ],
    ids=["key", "source", "identifier", "list", "choice", "sql"],
)
def test_messages_quote_a_short_prefix(shell, body: str, message: str) -> None:
    got, _ = refused(shell, f"%%bronze sales\n{body}")
    assert got == message


def test_short_never_builds_the_whole_value() -> None:
    value: object = ["x"] * 9
    for _ in range(40):  # 9^41 values if it were walked
        value = [value] * 9
    started = time.perf_counter()
    text = short(value)
    print(f"short() of a 9^41-value list: {(time.perf_counter() - started) * 1e6:.0f} µs")
    assert text == "[" * 41 + "'x', 'x', 'x', 'x'…"
    assert len(text) == 60 and short(10**5000) == "<a number of about 5,000 digits>"


SETTING_KEYS = "bronze_schema, catalog, compute, experiment_root, gold_schem"
SETTING_KEYS += "a, ml_schema, owner, run_after_expand, silver_schema, target, volume_root"
NOT_AN_IDENTIFIER = (
    "is not a valid identifier (letters, digits and underscores, not starting with a digit)"
)
ONE_LINE_FOLDER = "(a folder is one line of printable text)"
IGNORED = "{path}: [tool.dbx_architect]: ignored "
AT_MOST = "at most 262,144 bytes (256 KB) are read"
MAGIC_LINES = [
    (
        '%%bronze sales "oops\n' + GOOD,
        """%%bronze: a quote on the magic line is not closed: 'sales "oops'""",
    ),
    (
        "%%outline demo 'x\nuse_case: x\n",
        """%%outline: a quote on the magic line is not closed: "demo 'x\"""",
    ),
    (
        "%dbx_spark --master 'x",
        """%dbx_spark: a quote on the magic line is not closed: "--master 'x\"""",
    ),
    (
        "%dbx_spark --workers -1",
        "%dbx_spark: --workers: give 1 to 8 (each worker is a JVM with 1 core and 1 GB), got -1",
    ),
    (
        "%dbx_spark --workers 0",
        "%dbx_spark: --workers: give 1 to 8 (each worker is a JVM with 1 core and 1 GB), got 0",
    ),
    (
        "%dbx_spark --workers 1000",
        "%dbx_spark: --workers: give 1 to 8 (each worker is a JVM with 1 core and 1 GB), got 1000",
    ),
    ("%dbx_spark --workers x", "argument --workers: invalid int value: 'x'"),
    (
        "%dbx_spark --workers 2 --master local[2]",
        "%dbx_spark: --workers starts its own cluster; drop --master",
    ),
    (
        "%dbx_spark --master yarn",
        "%dbx_spark: --master: 'yarn' is not local, local[N], local[*] or spark://host:port",
    ),
    (
        "%dbx_spark --master local[0]",
        "%dbx_spark: --master: 'local[0]' is not local, local[N], local[*] or spark://host:port",
    ),
    (
        "%dbx_spark --master spark://h:70000",
        "%dbx_spark: --master: 'spark://h:70000' is not local, local[N], local[*] or spark://host:port",
    ),
    (
        "%dbx_spark --master 'local[2]; rm -rf /'",
        """%dbx_spark: --master: "'local[2]; rm -rf /'" is not local, local[N], local[*] or spark://host:port""",
    ),
    ("%dbx_spark --root a\x00b", "%dbx_spark: --root: 'a\\x00b' cannot name a folder"),
    (
        "%dbx_spark --root pyproject.toml",
        "%dbx_spark: --root: 'pyproject.toml' is a file, not a folder",
    ),
    ("%dbx_config catalog='x", """%dbx_config: a quote on the line is not closed: "catalog='x\""""),
    ("%dbx_config =x", "%dbx_config: expected key=value, got '=x'"),
    ("%dbx_config catalog", "%dbx_config: expected key=value, got 'catalog'"),
    (
        "%dbx_config catlog=x",
        "%dbx_config: unknown key 'catlog' (did you mean 'catalog'?); keys: " + SETTING_KEYS,
    ),
    (
        "%dbx_config target=mars",
        "%dbx_config: target: 'mars' is not allowed; use one of databricks or local",
    ),
    (
        "%dbx_config compute=gpu",
        "%dbx_config: compute: 'gpu' is not allowed; use one of classic or serverless",
    ),
    (
        "%dbx_config catalog=3x",
        "%dbx_config: catalog: '3x' " + NOT_AN_IDENTIFIER,
    ),
    (
        f"%dbx_config catalog={LONG}-",
        f"%dbx_config: catalog: {QUOTED_LONG} " + NOT_AN_IDENTIFIER,
    ),
    ("%dbx_config owner=a\x00b", "%dbx_config: owner: 'a\\x00b' is not a valid principal"),
    (
        "%dbx_config volume_root=a\x01b",
        "%dbx_config: volume_root: 'a\\x01b' has a control character " + ONE_LINE_FOLDER,
    ),
    (
        "%dbx_config run_after_expand=maybe",
        "%dbx_config: run_after_expand: 'maybe' is not true or false",
    ),
]


@pytest.mark.parametrize(("cell", "message"), MAGIC_LINES, ids=[c[:40] for c, _ in MAGIC_LINES])
def test_bad_magic_lines_are_one_line(shell, tmp_path, cell: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    config = next(c for c in shell.configurables if isinstance(c, DbxArchitect))
    before = {key: getattr(config, key) for key in ("catalog", "owner", "target", "volume_root")}
    got, seconds = refused(shell, cell)
    print(f"{cell[:30]!r}: refused in {seconds * 1000:.1f} ms")
    assert got == message
    assert "spark" not in shell.user_ns  # nothing started
    assert {key: getattr(config, key) for key in before} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pyproject.toml"]


def test_outline_into_a_missing_folder_writes_nothing(shell, tmp_path) -> None:
    from dbx_architect.outline.starter import STARTER

    got, _ = refused(shell, f"%%outline nofolder/demand\n{STARTER}")
    assert got == "%%outline: cannot write 'nofolder/demand.ipynb': No such file or directory"
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# pyproject.toml: the extension and the CLI still work, with one line per ignored key


def load_in(ip, folder: Path, monkeypatch, capsys) -> list[str]:
    monkeypatch.chdir(folder)
    if "dbx_architect" in ip.extension_manager.loaded:
        ip.run_line_magic("unload_ext", "dbx_architect")
    capsys.readouterr()
    ip.run_line_magic("load_ext", "dbx_architect")
    assert "bronze" in ip.magics_manager.magics["cell"]
    return capsys.readouterr().out.splitlines()


PYPROJECTS = [
    (
        "not TOML",
        b'[tool.dbx_architect\ncatalog = "x"\n',
        {},
        [
            "{path}: not valid TOML (Expected ']' at the end of a table declaration "
            "(at line 1, column 20)); using the built-in defaults"
        ],
    ),
    (
        "not UTF-8",
        b'[tool.dbx_architect]\ncatalog = "caf\xe9"\n',
        {},
        ["{path}: not UTF-8 text (byte 0xe9 on line 2); using the built-in defaults"],
    ),
    (
        "tool is text",
        b'tool = "x"\n',
        {},
        ["{path}: [tool] is text, not a table; using the built-in defaults"],
    ),
    (
        "table is a list",
        b"[tool]\ndbx_architect = [1]\n",
        {},
        ["{path}: [tool.dbx_architect] is a list, not a table; using the built-in defaults"],
    ),
    (
        "bad keys",
        b'[tool.dbx_architect]\ncatalog = 3\ncatlog = "x"\nowner = "data eng"\n'
        b'bronze_schema = "raw data"\ntarget = "mars"\nrun_after_expand = "yes"\n'
        b'gold_schema = "curated"\nvolume_root = "a\\u0000b"\n',
        {"owner": "data eng", "gold_schema": "curated"},
        [
            IGNORED + "catalog: expected text, got 3",
            IGNORED + "unknown key 'catlog' (did you mean 'catalog'?); keys: " + SETTING_KEYS,
            IGNORED + "bronze_schema: 'raw data' " + NOT_AN_IDENTIFIER,
            IGNORED + "target: 'mars' is not allowed; use one of databricks or local",
            IGNORED + "run_after_expand: expected true or false, got 'yes'",
            IGNORED + "volume_root: 'a\\x00b' has a control character " + ONE_LINE_FOLDER,
        ],
    ),
]


@pytest.mark.parametrize(
    ("case", "toml", "kept", "lines"), PYPROJECTS, ids=[c[0] for c in PYPROJECTS]
)
def test_bad_pyproject_still_loads(
    ip_session, tmp_path, monkeypatch, capsys, case, toml, kept, lines
) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(toml)
    printed = load_in(ip_session, tmp_path, monkeypatch, capsys)
    assert printed == [f"dbx_architect: {line.format(path=path)}" for line in lines]
    settings = next(c for c in ip_session.configurables if isinstance(c, DbxArchitect))
    defaults = DbxArchitect()
    for key in ("catalog", "owner", "bronze_schema", "gold_schema", "target", "run_after_expand"):
        assert getattr(settings, key) == kept.get(key, getattr(defaults, key)), key
    assert run(ip_session, "%%bronze sales --show\n" + GOOD).error_in_exec is None


def test_bad_ipython_configuration_still_loads(ip_session, tmp_path, monkeypatch, capsys) -> None:
    """A bad DbxArchitect value in an IPython config file is skipped with one line, like a bad
    pyproject key, instead of stopping %load_ext with a TraitError."""
    ip_session.config.DbxArchitect.catalog = "bad name"
    ip_session.config.DbxArchitect.owner = "data-eng"
    ip_session.config.DbxArchitect.gold_shema = "g"
    try:
        printed = load_in(ip_session, tmp_path, monkeypatch, capsys)
    finally:
        ip_session.config.pop("DbxArchitect", None)
    assert printed == [
        "dbx_architect: ignored DbxArchitect.catalog of the IPython configuration: catalog: "
        "'bad name' is not a valid identifier (letters, digits and underscores, not starting "
        "with a digit)",
        "dbx_architect: ignored DbxArchitect.gold_shema of the IPython configuration: "
        "gold_shema: not a setting (did you mean 'gold_schema'?)",
    ]
    settings = next(c for c in ip_session.configurables if isinstance(c, DbxArchitect))
    assert (settings.catalog, settings.owner, settings.gold_schema) == ("", "data-eng", "gold")
    assert run(ip_session, "%%bronze sales --show\n" + GOOD).error_in_exec is None


def test_bad_pyproject_in_the_cli(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dbx_architect]\ncatalog = 3\ngold_schema = "g"\n'
    )
    (tmp_path / "spec.yaml").write_text(GOOD)
    done = subprocess.run(
        [CLI, "expand", "bronze", "sales", "spec.yaml", "--target", "local"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0
    assert done.stderr.splitlines() == [
        f"dbx-architect: {tmp_path / 'pyproject.toml'}: [tool.dbx_architect]: ignored catalog: "
        "expected text, got 3"
    ]
    assert (
        done.stdout
        == expand(
            "bronze",
            "sales",
            "sales --target local",
            GOOD,
            Settings.from_config(DbxArchitect(), "local"),
        ).cell
    )


def test_load_ext_with_a_bad_pyproject_stays_light(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.dbx_architect]\ncatalog = 3\n\xff")
    script = (
        "import json, sys\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "before = set(sys.modules)\n"
        "InteractiveShell.instance().run_line_magic('load_ext', 'dbx_architect')\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0 and done.stderr == ""
    said, added = done.stdout.splitlines()
    assert said == (
        f"dbx_architect: {tmp_path / 'pyproject.toml'}: not UTF-8 text (byte 0xff on "
        "line 3); using the built-in defaults"
    )
    heavy = ("pyspark", "mlflow", "pandas", "sklearn", "sqlglot", "pydantic", "jinja2", "yaml")
    assert [m for m in eval(added) if m.split(".")[0] in heavy] == []


# ---------------------------------------------------------------------------------------------
# the console script: one line on stderr, exit 2, nothing written


def snapshot(folder: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None
        for p in sorted(folder.rglob("*"))
    }


def cli_refuses(folder: Path, args: list[str], stdin: bytes = b"") -> str:
    before = snapshot(folder)
    started = time.perf_counter()
    done = subprocess.run([CLI, *args], input=stdin, capture_output=True, cwd=folder)
    seconds = time.perf_counter() - started
    print(f"dbx-architect {' '.join(args)[:40]}: {seconds:.2f} s (process included)")
    assert done.returncode == 2
    assert done.stdout == b""
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    assert snapshot(folder) == before
    return lines[0]


@pytest.fixture
def files(tmp_path) -> Path:
    (tmp_path / "latin1.yaml").write_bytes(b"source: /a.csv\ncomment: caf\xe9\n")
    (tmp_path / "adir").mkdir()
    (tmp_path / "big.yaml").write_text(BIG)
    (tmp_path / "bomb.yaml").write_text(GOOD + bomb(7, 10))
    (tmp_path / "bomb_req.yaml").write_text("use_case: x\n" + bomb(7, 10).replace("tags", "owners"))
    (tmp_path / "bad.ipynb").write_text("{bad")
    (tmp_path / "list.ipynb").write_text("[1]")
    (tmp_path / "cells.ipynb").write_text('{"cells": [{"source": 3}]}')
    (tmp_path / "open.py").write_text("x = (")
    (tmp_path / "nul.py").write_bytes(b"a = 1\x00\n")
    (tmp_path / "plus.py").write_text("x = " + "+".join(["1"] * 100_000) + "\n")
    from dbx_architect.outline.starter import STARTER

    (tmp_path / "req.yaml").write_text(STARTER)
    return tmp_path


E = "dbx-architect: "
CLI_CASES = [
    (["expand", "bronze", "sales", "missing.yaml"], b"", E + "expand: missing.yaml: no such file"),
    (["expand", "bronze", "sales", "adir"], b"", E + "expand: adir is a folder, not a file"),
    (
        ["expand", "bronze", "sales", "latin1.yaml"],
        b"",
        E + "expand: latin1.yaml is not UTF-8 text (byte 0xe9 on line 2); save it as UTF-8",
    ),
    (
        ["expand", "bronze", "sales", "-"],
        b"source: \xff\xfe\n",
        E + "expand: standard input is not UTF-8 text (byte 0xff on line 1); save it as UTF-8",
    ),
    (
        ["expand", "bronze", "sales", "-"],
        b"\x7fELF\x02\x01\x01\x00",
        E
        + "%%bronze: the YAML body has a control character (U+007F) at line 1, column 1 that YAML "
        "does not allow; remove it (tabs and line breaks are fine)",
    ),
    (
        ["expand", "bronze", "sales", "big.yaml"],
        b"",
        E + f"expand: big.yaml is {len(BIG.encode()):,} bytes; {AT_MOST}",
    ),
    (
        ["expand", "bronze", "sales", "-"],
        BIG.encode(),
        E + f"expand: standard input is more than 262,144 bytes; {AT_MOST}",
    ),
    (
        ["expand", "bronze", "sales", "bomb.yaml"],
        b"",
        re.compile(
            re.escape(E + "%%bronze: ") + TOO_MANY + rf"\({LINE_AT}\); at most 4,000 are read"
        ),
    ),
    (
        ["expand"],
        b"",
        E + "expand: the following arguments are required: magic, name, spec "
        "(see dbx-architect expand --help)",
    ),
    (
        ["explode"],
        b"",
        E + "argument command: invalid choice: 'explode' (choose from 'expand', "
        "'outline', 'new', 'expand-notebook', 'collapse', 'snippets', 'check', 'docs', 'jars') "
        "(see dbx-architect --help)",
    ),
    (["outline", "missing.yaml", "-o", "x.ipynb"], b"", E + "outline: missing.yaml: no such file"),
    (["outline", "adir", "-o", "x.ipynb"], b"", E + "outline: adir is a folder, not a file"),
    (
        ["outline", "latin1.yaml", "-o", "x.ipynb"],
        b"",
        E + "outline: latin1.yaml is not UTF-8 text (byte 0xe9 on line 2); save it as UTF-8",
    ),
    (
        ["outline", "-", "-o", "x.ipynb"],
        b"\xff",
        E + "outline: standard input is not UTF-8 text (byte 0xff on line 1); save it as UTF-8",
    ),
    (
        ["outline", "bomb_req.yaml", "-o", "x.ipynb"],
        b"",
        re.compile(
            re.escape(E + "outline: ") + TOO_MANY + rf"\({LINE_AT}\); at most 4,000 are read"
        ),
    ),
    (
        ["outline", "-", "-o", "x.ipynb"],
        b"use_case: " + b"[" * 10_000,
        re.compile(re.escape(E + "outline: ") + TOO_DEEP + rf"\({LINE_AT}{CAUGHT}"),
    ),
    (
        ["outline", "req.yaml", "-o", "nofolder/x.ipynb"],
        b"",
        E + "outline: the folder nofolder does not exist",
    ),
    (
        ["outline", "req.yaml", "-o", "latin1.yaml/x.ipynb"],
        b"",
        E + "outline: {folder}/latin1.yaml is a file, not a folder",
    ),
    (
        ["outline", "req.yaml", "-o", "/proc/x.ipynb"],
        b"",
        E + "outline: /proc/x.ipynb: No such file or directory",
    ),
    (["new", "nofolder/r.yaml"], b"", E + "new: the folder nofolder does not exist"),
    (["new", "adir"], b"", E + "new: adir is a folder; name a file, e.g. adir/demand.yaml"),
    (["new", "latin1.yaml"], b"", E + "new: latin1.yaml exists; add --force to replace it"),
    (
        ["snippets", "--vscode", "latin1.yaml"],
        b"",
        E + "snippets: {folder}/latin1.yaml is a file, not a folder",
    ),
    (
        ["snippets", "--all", "latin1.yaml/x"],
        b"",
        E + "snippets: {folder}/latin1.yaml is a file, not a folder",
    ),
    (
        ["snippets", "--vscode", "ok", "--jupyterlab", "latin1.yaml"],
        b"",
        E + "snippets: {folder}/latin1.yaml is a file, not a folder",
    ),
    (["check", "missing.py"], b"", E + "check: missing.py: no such file"),
    (["check", "adir"], b"", E + "check: adir is a folder, not a file"),
    (
        ["check", "latin1.yaml"],
        b"",
        E + "check: latin1.yaml is not UTF-8 text (byte 0xe9 on line 2); save it as UTF-8",
    ),
    (
        ["check", "open.py", "bad.ipynb"],
        b"",
        E + "check: bad.ipynb is not a notebook (invalid JSON: "
        "Expecting property name enclosed in double quotes, line 1)",
    ),
    (
        ["check", "list.ipynb"],
        b"",
        E + "check: list.ipynb is not a notebook (no list of cells with text sources)",
    ),
    (
        ["check", "cells.ipynb"],
        b"",
        E + "check: cells.ipynb is not a notebook (no list of cells with text sources)",
    ),
    (
        ["check", "open.py"],
        b"",
        E + "check: open.py is not valid Python ('(' was never closed, line 1)",
    ),
    (
        ["check", "nul.py"],
        b"",
        E + "check: nul.py is not valid Python (source code string cannot contain null bytes)",
    ),
    (["check", "plus.py"], b"", E + "check: plus.py nests too deeply to be checked"),
]


@pytest.mark.parametrize(
    ("args", "stdin", "message"), CLI_CASES, ids=[" ".join(a)[:40] for a, _, _ in CLI_CASES]
)
def test_cli_refuses_in_one_line(files: Path, args: list[str], stdin: bytes, message) -> None:
    got = cli_refuses(files, args, stdin)
    if isinstance(message, re.Pattern):
        assert message.fullmatch(got), got
    else:
        assert got == message.format(folder=files)


# ---------------------------------------------------------------------------------------------
# property: any text is a spec or one SpecError line, never another exception

KEYS = sorted({key for g in GENERATORS.values() for key in g.load(g.spec).allowed_keys()})
SYNTAX = "[|]|{|}|, |: |- |? |\n|\n  |  |\t|&a |*a|&b |*b|<<: |'|\"|#|%YAML 1.1\n|---\n|...\n"
TAGS = "!!int |!!float |!!timestamp |!!binary |!!set |!!omap |!!str |!!python/name:os.system |!x "
WORDS = (
    "2024-13-45|12:30:61|1e999|.nan|-.inf|0x1F|0o17|~|null|true|on|id INT|a.b.c|`x`|sum(x)|/a.csv"
)
HOSTILE = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u2028", "\ufeff", "\ufffe", "9" * 4400]
PIECES = st.sampled_from([*SYNTAX.split("|"), *TAGS.split("|"), *WORDS.split("|"), *KEYS, "sales"])
PRINTABLE = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=4)
HOSTILE_TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=4))
CLEAN = st.lists(st.one_of(PIECES, PIECES, PRINTABLE), max_size=30).map("".join)
DIRTY = st.lists(st.one_of(PIECES, PRINTABLE, HOSTILE_TEXT), max_size=30).map("".join)
NESTED = st.integers(0, 60).map(lambda n: "source: " + "[" * n + "]" * n + "\n")
BOMBS = st.tuples(st.integers(1, 8), st.integers(1, 12)).map(lambda lw: bomb(*lw))
QUOTED = st.one_of(CLEAN, DIRTY, st.text(max_size=20)).map(json.dumps)  # always parses
NUMBER = st.one_of(st.integers(), st.floats(), st.sampled_from(["1e999", "-.inf", ".nan", "0"]))
VALUE = st.one_of(
    CLEAN,
    DIRTY,
    CLEAN.map(lambda t: f"[{t}]"),
    CLEAN.map(lambda t: f"{{a: {t}}}"),
    QUOTED,
    st.lists(st.one_of(QUOTED, NUMBER.map(str)), max_size=4).map(lambda v: f"[{', '.join(v)}]"),
    st.dictionaries(QUOTED, st.one_of(QUOTED, NUMBER.map(str)), max_size=3).map(
        lambda d: "{" + ", ".join(f"{k}: {v}" for k, v in d.items()) + "}"
    ),
    NUMBER.map(str),
)
SPEC = st.lists(st.tuples(st.sampled_from(KEYS), VALUE), min_size=1, max_size=5).map(
    lambda pairs: "".join(f"{key}: {value}\n" for key, value in pairs)
)
BODY = st.one_of(CLEAN, DIRTY, NESTED, BOMBS, SPEC, SPEC.map(lambda spec: GOOD + spec))
LOCAL = Settings.from_config(DbxArchitect(), "local")
DATABRICKS = Settings.from_config(DbxArchitect(), "databricks")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=BODY)
def test_any_text_is_a_mapping_or_one_spec_error_line(body: str) -> None:
    try:
        data = load_body(body)
    except SpecError as err:
        assert "\n" not in str(err) and len(str(err)) <= 1000
    else:
        assert isinstance(data, dict)
    try:
        load_value(body, "a form field")  # what a form's YAML field reads
    except SpecError as err:
        assert str(err).startswith("a form field: ") and "\n" not in str(err)


def good_bodies(magic: str) -> list[str]:
    """Bodies that expand: the golden cases of *magic* (the starter file for %%outline)."""
    from dbx_architect.outline.starter import STARTER

    return [STARTER] if magic == "outline" else sorted(CASES[magic].values())


@st.composite
def one_value_replaced(draw: st.DrawFn, magic: str) -> str:
    """A good body of *magic* whose one top-level key gets a hostile value instead."""
    lines = draw(st.sampled_from(good_bodies(magic))).strip("\n").split("\n")
    tops = [i for i, line in enumerate(lines) if line[:1].isalpha() and ":" in line]
    first = draw(st.sampled_from(tops))
    last = next((i for i in tops if i > first), len(lines))
    key = lines[first].split(":", 1)[0]
    lines[first:last] = [f"{key}: {draw(VALUE)}"]
    return "\n".join(lines) + "\n"


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), magic=st.sampled_from([*GENERATORS, "outline"]), on_databricks=st.booleans())
def test_any_text_expands_or_is_one_spec_error_line(data, magic: str, on_databricks: bool) -> None:
    from dbx_architect.outline import plan_from_text

    body = data.draw(st.one_of(BODY, one_value_replaced(magic)))
    target = DATABRICKS if on_databricks else LOCAL
    try:
        if magic == "outline":
            plan_from_text(body, target)
        else:
            expand(magic, NAMES[magic], NAMES[magic], body, target)
    except SpecError as err:
        assert "\n" not in str(err) and len(str(err)) <= 1000

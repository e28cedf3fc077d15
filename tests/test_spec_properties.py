"""Property test: no value of a spec ever becomes code, whatever it holds (issue 15).

Random specs are made from the golden cases of every generator magic by putting hostile text
(quotes of every kind, newlines, ``\\r``, U+2028, NUL, Jinja syntax, SQL comments, Python code)
into string values and keys, and odd numbers (NaN, infinities, negatives, huge values) into
numbers. Each expansion, on both targets, either raises the one-line spec error or gives code
that compiles and whose syntax tree holds no name, attribute, keyword argument or parameter
that the templates and planners do not write themselves: a spec value reaches the code only as
a constant. SQL handed to ``spark.sql`` stays one statement whose quotes close where the template
closes them.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_render import CASES

from dbx_architect.errors import DbxArchitectError, InternalError
from dbx_architect.expand import expand
from dbx_architect.settings import DbxArchitect, Settings

PACKAGE = Path(__file__).resolve().parents[1] / "dbx_architect"
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# Code a spec value would carry in if it ever became code. None of these names is written by
# the templates, so seeing one in the tree means a value escaped its literal.
PAYLOADS = [
    "__import__('os').system('echo pwned')",
    'x"); __import__("os").system("echo pwned"); ("',
    "x'); __import__('os').system('echo pwned'); ('",
    '"""; pwned_exec(); """',
    "'''; pwned_exec(); '''",
    "{__import__('os').system('echo pwned')}",
    "{pwned_exec()}",
    "\nimport pwned_module\n",
    "\rpwned_exec()",
    "\u2028pwned_exec()",
    "x\\",
    '\\"); pwned_exec(); #',
    "{{ pwned_exec() }}",
    "{% raw %}{{ pwned_exec() }}{% endraw %}",
    "{# pwned #}",
    "x -- ; DROP TABLE pwned_table",
    "x /* ; DROP TABLE pwned_table */",
    "x); DROP TABLE pwned_table; --",
    "`; DROP TABLE pwned_table; `",
    "' OR 1=1 --",
    "a\x00b",
    "max_depth=pwned_exec() and None, min_samples_leaf",
    "pwned_exec",
    "\t\x0b\x0c\x1c\x85",
]
NAMES_OF_PAYLOADS = {"pwned_exec", "pwned_module", "__import__", "system", "pwned_table"}

TEXT = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(alphabet=st.sampled_from(list("ab_'\"`\\{}%#;-/*()\n\r\u2028\x00 .=:$")), max_size=12),
)
ODD_NUMBERS = [math.nan, math.inf, -math.inf, -1, -(2**63), 2**64, 10**30, 0, 1e308, -0.0]


def _allowed_words() -> frozenset[str]:
    """Every identifier the templates and planners write, plus the estimators' parameters."""
    words: set[str] = set()
    sources = [*(PACKAGE / "templates").glob("*.j2"), *(PACKAGE / "generators").glob("*.py")]
    for path in [*sources, PACKAGE / "imports.py"]:
        words |= set(WORD.findall(path.read_text()))
    return frozenset(words | _estimator_parameters())


@functools.cache
def _estimator_parameters() -> frozenset[str]:
    from dbx_architect.generators.modelzoo import CANDIDATES, SPARK_CANDIDATES

    names: set[str] = set()
    classes = [(m, c) for fam in CANDIDATES.values() for (m, c, _) in fam.values()]
    classes += [
        (f"pyspark.ml.{family}", cls)
        for fam in SPARK_CANDIDATES.values()
        for family, (cls, _) in fam.items()
    ]
    for module, cls in classes:
        try:
            estimator = getattr(importlib.import_module(module), cls)
        except ImportError:  # lightgbm / xgboost are not installed here
            continue
        names |= set(inspect.signature(estimator.__init__).parameters)
    return frozenset(names)


ALLOWED = _allowed_words()


def test_the_payloads_are_not_template_words() -> None:
    assert not NAMES_OF_PAYLOADS & ALLOWED, NAMES_OF_PAYLOADS & ALLOWED
    assert {"spark", "F", "mlflow", "saveAsTable"} <= ALLOWED  # the list is the real one


# --- making specs ----------------------------------------------------------------------
def _paths(value: Any, path: tuple = ()) -> list[tuple[tuple, str]]:
    """Every place a value or a key could be changed: (path, "value" | "key")."""
    found: list[tuple[tuple, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append(((*path, key), "key"))
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    if path:
        found.append((path, "value"))
    return found


def _replace(data: Any, path: tuple, how: str, new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        out = {}
        for key, item in data.items():
            if key == head and how == "key" and not rest:
                out[new] = item
            elif key == head:
                out[key] = _replace(item, rest, how, new)
            else:
                out[key] = item
        return out
    copy = list(data)
    copy[head] = _replace(copy[head], rest, how, new)
    return copy


def _lookup(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


@functools.cache
def _keys(magic: str) -> list[str]:
    from dbx_architect.expand import GENERATORS

    generator = GENERATORS[magic]
    return generator.load(generator.spec).allowed_keys()


def _any_value() -> st.SearchStrategy[Any]:
    """Hostile text alone, in a list, or as the keys and values of a mapping."""
    return st.one_of(
        TEXT,
        st.lists(TEXT, min_size=1, max_size=3),
        st.dictionaries(
            TEXT, st.one_of(TEXT, st.sampled_from(ODD_NUMBERS)), min_size=1, max_size=2
        ),
    )


@functools.cache
def _free_places(magic: str) -> list[tuple[str, tuple, str]]:
    """The text places of the golden cases that accept free text (comments, paths, values...):
    where hostile text is not refused at once, so the renderers must keep it a literal."""
    free = []
    for case in sorted(CASES[magic]):
        data = yaml.safe_load(CASES[magic][case]) or {}
        for path, how in _paths(data):
            old = _lookup(data, path) if how == "value" else path[-1]
            if not isinstance(old, str):
                continue
            body = yaml.safe_dump(_replace(data, path, how, f'{old} it\'s "odd" -- {{x}} \\'))
            try:
                expand(magic, case, case, body, SETTINGS["local"])
            except DbxArchitectError:
                continue
            free.append((case, path, how))
        for key in _keys(magic):  # keys the case does not set, given free text
            if key in data:
                continue
            body = yaml.safe_dump({**data, key: 'it\'s "odd" -- {x} \\'})
            try:
                expand(magic, case, case, body, SETTINGS["local"])
            except DbxArchitectError:
                continue
            free.append((case, (key,), "add"))
    return free


def _mutate(draw: st.DrawFn, old: Any, how: str) -> Any:
    if isinstance(old, bool) or not isinstance(old, int | float | str) and how == "value":
        return draw(TEXT) if draw(st.booleans()) else draw(st.sampled_from(ODD_NUMBERS))
    if isinstance(old, int | float):
        return draw(st.one_of(st.sampled_from(ODD_NUMBERS), TEXT))
    text = draw(TEXT)
    mix = draw(st.sampled_from(["replace", "append", "prepend"]))
    return {"replace": text, "append": f"{old}{text}", "prepend": f"{text}{old}"}[mix]


@st.composite
def hostile_specs(draw: st.DrawFn, magic: str) -> tuple[str, str]:
    """(case name, YAML body): a golden case with a few values or keys made hostile.

    Half of the specs put hostile text in a place that takes free text (so it reaches the
    renderers); the others change any place, or set a key no golden case sets.
    """
    free = _free_places(magic)
    if free and draw(st.booleans()):
        case, path, how = draw(st.sampled_from(free))
        data = yaml.safe_load(CASES[magic][case])
        if how == "add":
            data = {**data, path[0]: _mutate(draw, "", "value")}
        else:
            old = _lookup(data, path) if how == "value" else path[-1]
            data = _replace(data, path, how, _mutate(draw, old, how))
        changes = draw(st.integers(0, 1))
    else:
        case = draw(st.sampled_from(sorted(CASES[magic])))
        data = yaml.safe_load(CASES[magic][case]) or {}
        changes = draw(st.integers(1, 3))
    for _ in range(changes):
        places = _paths(data)
        if not places or draw(st.integers(0, 4)) == 0:  # a key of the spec, maybe one not set
            data = {**data, draw(st.sampled_from(_keys(magic))): draw(_any_value())}
            continue
        path, how = draw(st.sampled_from(places))
        old = _lookup(data, path) if how == "value" else path[-1]
        data = _replace(data, path, how, _mutate(draw, old, how))
    return case, yaml.safe_dump(data, allow_unicode=False, sort_keys=False)


# --- judging an expansion ----------------------------------------------------------------
def _names(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg or isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.alias):
            found |= set((node.asname or node.name).split("."))
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= set(node.module.split("."))
    return found


def _sql_texts(tree: ast.AST) -> list[str]:
    """The SQL of every ``spark.sql(...)`` call; an f-string's holes become a plain name."""
    texts = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "sql"
            and node.args
        ):
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                texts.append(arg.value)
            elif isinstance(arg, ast.JoinedStr):
                texts.append(
                    "".join(
                        v.value if isinstance(v, ast.Constant) else "hole_name" for v in arg.values
                    )
                )
    return texts


def _one_statement(sql: str) -> bool:
    from sqlglot.dialects.dialect import Dialect
    from sqlglot.tokens import TokenType

    tokens = Dialect.get_or_raise("databricks").tokenize(sql)  # Spark's escapes and comments
    return not any(t.token_type == TokenType.SEMICOLON for t in tokens)


def _named_after_columns(magic: str, name: str) -> bool:
    """Variables a planner names after checked identifiers: Gold's ``<table>_df`` DataFrames
    and the window specs of features, ``by_<columns>_over_<columns>``."""
    if magic == "gold" and name.endswith("_df"):
        return True
    return magic in ("silver", "gold") and name.startswith("by_") and "_over_" in name


SETTINGS = {t: Settings.from_config(DbxArchitect(), t) for t in ("local", "databricks")}


def judge(magic: str, case: str, body: str) -> str:
    """Expand on both targets; return "refused" or "code" after checking what came out."""
    outcomes = set()
    for target, config in SETTINGS.items():
        try:
            code = expand(magic, case, case, body, config).code
        except InternalError:
            raise
        except DbxArchitectError as err:
            message = str(err)
            assert message.startswith(f"%%{magic}: "), message
            assert "\n" not in message and "\r" not in message, message
            assert len(message) < 600, message
            outcomes.add("refused")
            continue
        tree = ast.parse(code)
        compile(tree, f"<{magic} {target}>", "exec")
        strange = {n for n in _names(tree) - ALLOWED if not _named_after_columns(magic, n)}
        assert not strange, f"{target}: names from the spec became code: {sorted(strange)}"
        for sql in _sql_texts(tree):
            assert _one_statement(sql), f"{target}: SQL broke out of its quotes: {sql!r}"
        outcomes.add("code")
    return outcomes.pop() if len(outcomes) == 1 else "both"


MAGICS = sorted(CASES)
EXAMPLES = 2000 // len(MAGICS) + 1  # at least 2,000 generated specs in all


@pytest.mark.parametrize("magic", MAGICS)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_hostile_specs_are_refused_or_stay_literals(magic: str, data: st.DataObject) -> None:
    case, body = data.draw(hostile_specs(magic))
    judge(magic, case, body)


@pytest.mark.parametrize("magic", MAGICS)
def test_the_golden_specs_pass_the_same_judge(magic: str) -> None:
    for case, body in CASES[magic].items():
        assert judge(magic, case, body) == "code"


# Every value and key of every golden case, each given each of these: a sweep, so no place is
# left to chance (the random test above mixes several changes; this one covers every place).
SWEEP = [
    "max_depth=pwned_exec() and None, min_samples_leaf",
    "x\nimport pwned_module",
    "x\rpwned_exec()",
    "{pwned_exec()}",
    'x"); pwned_exec(); ("',
    "x'); DROP TABLE pwned_table; --",
]
PLACES = [
    (magic, case, path, how)
    for magic in MAGICS
    for case in sorted(CASES[magic])
    for path, how in _paths(yaml.safe_load(CASES[magic][case]) or {})
]


@pytest.mark.parametrize("magic", MAGICS)
def test_every_place_of_every_case_keeps_values_literal(magic: str) -> None:
    outcomes: dict[str, int] = {}
    for _, case, path, how in (p for p in PLACES if p[0] == magic):
        data = yaml.safe_load(CASES[magic][case])
        old = _lookup(data, path) if how == "value" else path[-1]
        for payload in SWEEP:
            new = payload if not isinstance(old, str) else f"{old}{payload}"
            body = yaml.safe_dump(_replace(data, path, how, new), sort_keys=False)
            outcome = judge(magic, case, body)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert outcomes.get("refused", 0) > 0, outcomes


# --- %%outline: requirements with hostile values, expanded into a whole notebook -------------
REQUIREMENTS = sorted((PACKAGE.parent / "examples" / "requirements").glob("*.yaml"))
OUTLINE_WORDS = ALLOWED | {
    word for path in (PACKAGE / "outline").glob("*.py") for word in WORD.findall(path.read_text())
}


@st.composite
def hostile_requirements(draw: st.DrawFn) -> str:
    from dbx_architect.spec.requirements import Requirements

    data = yaml.safe_load(draw(st.sampled_from(REQUIREMENTS)).read_text())
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 4)) == 0:
            data = {**data, draw(st.sampled_from(Requirements.allowed_keys())): draw(_any_value())}
            continue
        path, how = draw(st.sampled_from(_paths(data)))
        old = _lookup(data, path) if how == "value" else path[-1]
        new = f"{old}{draw(TEXT)}" if isinstance(old, str) else draw(_any_value())
        data = _replace(data, path, how, new)
    return yaml.safe_dump(data, sort_keys=False)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(body=hostile_requirements())
def test_hostile_requirements_give_an_outline_of_literals_or_one_line(body: str) -> None:
    from IPython.core.inputtransformer2 import TransformerManager

    from dbx_architect.outline import plan_from_text
    from dbx_architect.outline.notebook import notebook

    for target, config in SETTINGS.items():
        try:
            nb = notebook(plan_from_text(body, config), expanded=True)
        except InternalError:
            raise
        except DbxArchitectError as err:
            assert str(err).startswith("outline: ") and "\n" not in str(err), str(err)
            continue
        for cell in (c for c in nb.cells if c.cell_type == "code"):
            tree = ast.parse(TransformerManager().transform_cell(cell.source))
            strange = {
                n for n in _names(tree) - OUTLINE_WORDS if not _named_after_columns("gold", n)
            }
            strange -= {"get_ipython", "run_line_magic"}  # %load_ext and %dbx_spark
            assert not strange, f"{target}: names from the requirements became code: {strange}"
            for sql in _sql_texts(tree):
                assert _one_statement(sql), f"{target}: SQL broke out of its quotes: {sql!r}"


# --- settings: the folders and owner a user configures reach the code the same way ---------
@pytest.mark.parametrize("key", ["volume_root", "experiment_root", "owner"])
def test_hostile_settings_are_refused_or_stay_literals(key: str) -> None:
    from traitlets import TraitError

    for payload in SWEEP:
        config = DbxArchitect()
        try:
            setattr(config, key, f"/x/{payload}" if key != "owner" else payload)
        except TraitError:
            continue
        for target in ("local", "databricks"):
            settings = Settings.from_config(config, target)
            for magic in MAGICS:
                for case in sorted(CASES[magic])[:2]:
                    try:
                        code = expand(magic, case, case, CASES[magic][case], settings).code
                    except DbxArchitectError as err:
                        assert "\n" not in str(err), str(err)
                        continue
                    tree = ast.parse(code)
                    strange = {
                        n for n in _names(tree) - ALLOWED if not _named_after_columns(magic, n)
                    }
                    assert not strange, f"{key}={payload!r}: {strange}"
                    for sql in _sql_texts(tree):
                        assert _one_statement(sql), f"{key}={payload!r}: {sql!r}"

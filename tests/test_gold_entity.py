"""%%gold kind: entity without Spark: the plan, column checks, and a property test.

The property test draws random windows and column names (identifiers, hostile text, odd numbers)
into every place of an entity spec: each expansion, on both targets, either fails with one
``%%gold: ...`` line or gives code that compiles, where no spec value became a name, and whose
windows and feature columns are exactly the spec's.
"""

from __future__ import annotations

import ast
import math

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_spec_properties import ODD_NUMBERS, SETTINGS, TEXT, judge

from dbx_architect.errors import SpecError
from dbx_architect.expand import expand

BASE = {
    "kind": "entity",
    "entity": "accounts",
    "keys": ["account_id"],
    "attributes": ["plan"],
    "lookups": [{"table": "plans", "on": "plan", "columns": ["price_per_seat", "tier"]}],
    "tenure_from": "signup_date",
    "events": [
        {
            "table": "usage_events",
            "time_col": "event_time",
            "numeric": ["minutes"],
            "categorical": ["feature"],
        },
        {"table": "tickets", "time_col": "opened_at", "key": "acct_id"},
    ],
    "labels": {"table": "churn_labels", "time_col": "label_date", "target": "churned"},
}
COLUMNS = {
    "spark_catalog.silver.accounts": ["account_id", "plan", "signup_date"],
    "spark_catalog.silver.plans": ["plan", "price_per_seat", "tier"],
    "spark_catalog.silver.usage_events": ["account_id", "event_time", "minutes", "feature"],
    "spark_catalog.silver.tickets": ["acct_id", "opened_at"],
    "spark_catalog.silver.churn_labels": ["account_id", "label_date", "churned"],
}


def expand_entity(spec: dict, target: str = "local", lookup=None) -> str:
    body = yaml.safe_dump(spec, sort_keys=False)
    extra = {"lookup": lookup} if lookup else {}
    return expand("gold", "churn", "churn", body, SETTINGS[target], **extra).code


def expected_features(spec: dict) -> list[str]:
    """The feature columns the spec asks for, by the naming rule of docs/gold.md."""
    names = list(spec.get("attributes", []))
    for lookup in spec.get("lookups", []):
        prefix = lookup.get("prefix") or lookup["table"].split(".")[-1]
        names += [f"{prefix}_{column}" for column in lookup["columns"]]
    names += ["tenure_days"] if "tenure_from" in spec else []
    for source in spec["events"]:
        prefix = source.get("name") or source["table"].split(".")[-1]
        for days in spec.get("windows", [7, 30, 90]):
            names.append(f"{prefix}_count_{days}d")
            for col in source.get("numeric", []):
                names += [f"{prefix}_{col}_sum_{days}d", f"{prefix}_{col}_mean_{days}d"]
            names += [f"{prefix}_{col}_distinct_{days}d" for col in source.get("categorical", [])]
        names.append(f"{prefix}_recency_days")
    return names


def code_facts(code: str) -> tuple[list[int], list[str]]:
    """The windows of the in_window dict and the features of the feature specification."""
    tree = ast.parse(code)
    windows: list[int] = []
    features: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id == "in_window":
                windows = ast.literal_eval(node.value.generators[0].iter)
            if node.targets[0].id == "feature_spec" and isinstance(node.value, ast.List):
                features = [row[0] for row in ast.literal_eval(node.value)]
    return windows, features


@pytest.mark.parametrize("target", ["local", "databricks"])
def test_the_code_has_the_spec_windows_and_features(target: str) -> None:
    spec = {**BASE, "windows": [90, 1, 3650]}
    windows, features = code_facts(expand_entity(spec, target))
    assert windows == [90, 1, 3650]
    assert features == expected_features(spec)
    assert len(features) == len(set(features))


def test_default_windows() -> None:
    windows, _ = code_facts(expand_entity(BASE))
    assert windows == [7, 30, 90]


def test_counts_are_filled_with_zero_and_nothing_else() -> None:
    tree = ast.parse(expand_entity(BASE))
    call = next(
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and ast.unparse(n.func) == "gold.fillna"
    )
    filled = ast.literal_eval(call.keywords[0].value)
    assert ast.literal_eval(call.args[0]) == 0
    counted = [f for f in expected_features(BASE) if "_count_" in f or "_distinct_" in f]
    assert filled == counted


def test_columns_are_checked_when_a_session_sees_the_tables() -> None:
    assert expand_entity(BASE, lookup=COLUMNS.get)  # the spec's columns are all there
    typo = {**BASE, "events": [{**BASE["events"][0], "numeric": ["minuts"]}]}
    with pytest.raises(SpecError) as err:
        expand_entity(typo, lookup=COLUMNS.get)
    assert str(err.value) == (
        "%%gold: events[0].numeric: column 'minuts' is not in the table (did you mean "
        "'minutes'?); columns: account_id, event_time, minutes, feature"
    )
    wrong_key = {**BASE, "labels": {**BASE["labels"], "key": "acct"}}
    with pytest.raises(SpecError, match=r"^%%gold: labels.key: column 'acct' is not in the table"):
        expand_entity(wrong_key, lookup=COLUMNS.get)


def test_a_lookup_carries_all_its_columns_but_the_key_by_default() -> None:
    """Without columns, a session's view of the lookup gives them; listed ones are checked."""
    spec = {**BASE, "lookups": [{"table": "plans", "on": "plan"}]}
    _, features = code_facts(expand_entity(spec, lookup=COLUMNS.get))
    carried = [c for c in COLUMNS["spark_catalog.silver.plans"] if c != "plan"]
    assert [f for f in features if f.startswith("plans_")] == [f"plans_{c}" for c in carried]
    typo = {**BASE, "lookups": [{"table": "plans", "on": "plan", "columns": ["teir"]}]}
    with pytest.raises(SpecError, match=r"^%%gold: lookups\[0\].columns: column 'teir' is not"):
        expand_entity(typo, lookup=COLUMNS.get)
    other_on = {**BASE, "lookups": [{"table": "plans", "on": "plan_id", "columns": ["tier"]}]}
    with pytest.raises(SpecError, match=r"^%%gold: lookups\[0\].on: column 'plan_id' is not in"):
        expand_entity(other_on, lookup=COLUMNS.get)


def test_a_lookup_is_joined_on_the_entity_column_and_checked_for_repeated_keys() -> None:
    spec = {**BASE, "attributes": [], "lookups": [{**BASE["lookups"][0], "key": "code"}]}
    tree = ast.parse(expand_entity(spec))
    calls = {ast.unparse(n) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert "entity_columns.join(plans_df, 'plan', 'left')" in calls
    assert "F.col('code').alias('plan')" in calls
    assert "entity_columns.drop('plan')" in calls  # read for the join only
    assert any(c.startswith("plans_df.where(known).groupBy('plan').count()") for c in calls)


def test_a_column_in_two_places_is_fine() -> None:
    source = {**BASE["events"][0], "numeric": ["feature", "minutes"], "categorical": ["feature"]}
    spec = {**BASE, "attributes": ["plan", "signup_date"], "events": [source]}
    code = expand_entity(spec)
    select = code.split("usage_events_df = ")[1].split(")\n")[0]
    assert select.count('F.col("feature")') == 1  # selected once, aggregated twice
    assert code_facts(code)[1] == expected_features(spec)


def test_as_of_and_today_are_the_cut_off_without_labels() -> None:
    spec = {k: v for k, v in BASE.items() if k != "labels"}
    assert 'F.to_date(F.lit("2026-03-31")).alias("cutoff_date")' in expand_entity(
        {**spec, "as_of": "2026-03-31"}
    )
    assert 'F.current_date().alias("cutoff_date")' in expand_entity(spec)


# --- property test ----------------------------------------------------------------------
IDENTIFIER = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True)
NAME = st.one_of(IDENTIFIER, TEXT)
WINDOW = st.one_of(
    st.integers(1, 3650),
    st.integers(-3, 0),
    st.integers(3651, 10**6),
    st.booleans(),
    st.sampled_from(ODD_NUMBERS),
    st.floats(1, 100),
    TEXT,
)
PLACES = [
    ("attributes",),
    ("tenure_from",),
    ("keys", 0),
    ("lookups", 0, "on"),
    ("lookups", 0, "key"),
    ("lookups", 0, "columns"),
    ("lookups", 0, "prefix"),
    ("events", 0, "time_col"),
    ("events", 0, "numeric"),
    ("events", 0, "categorical"),
    ("events", 0, "name"),
    ("events", 1, "key"),
    ("labels", "target"),
    ("labels", "key"),
    ("labels", "time_col"),
]


def _set(data: dict, path: tuple, value: object) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


@st.composite
def entity_specs(draw: st.DrawFn) -> dict:
    """Half the specs hold only identifiers and windows in range (they mostly expand); the
    others anything (they are mostly refused)."""
    spec = yaml.safe_load(yaml.safe_dump(BASE))  # a deep copy
    hostile = draw(st.booleans())
    name = NAME if hostile else IDENTIFIER
    if draw(st.booleans()):
        window = WINDOW if hostile else st.integers(1, 3650)
        spec["windows"] = draw(st.lists(window, max_size=5, unique=not hostile))
    for path in draw(st.lists(st.sampled_from(PLACES), min_size=1, max_size=4, unique=True)):
        many = path[-1] in ("attributes", "numeric", "categorical", "columns")
        _set(spec, path, draw(st.lists(name, max_size=3)) if many else draw(name))
    return spec


@settings(
    max_examples=150,  # each renders, compiles and formats both targets
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(spec=entity_specs())
def test_random_windows_and_names_compile_or_fail_in_one_line(spec: dict) -> None:
    body = yaml.safe_dump(spec, sort_keys=False)
    if judge("gold", "churn", body) != "code":  # judge checked the one line on both targets
        return
    windows, features = code_facts(expand_entity(spec))
    assert windows == spec.get("windows", [7, 30, 90])
    assert all(isinstance(w, int) and not isinstance(w, bool) for w in windows)
    assert all(1 <= w <= 3650 for w in windows) and len(set(windows)) == len(windows)
    assert features == expected_features(spec)


def test_windows_outside_the_range_are_refused() -> None:
    for bad in ([0], [3651], [7, 7], [], [math.inf], [True], ["7"]):
        with pytest.raises(SpecError) as err:
            expand_entity({**BASE, "windows": bad})
        assert str(err.value).startswith("%%gold: windows")
        assert "\n" not in str(err.value)

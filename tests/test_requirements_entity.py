"""Requirements as people write them: roles, foreign keys, the entity grain and labels (no Spark).

Every refusal is one line, before anything is planned or written.
"""

from __future__ import annotations

import pytest
import yaml
from conftest import ROOT
from hypothesis import event, given, settings
from hypothesis import strategies as st

from dbx_architect.errors import SpecError
from dbx_architect.expand import expand
from dbx_architect.outline import plan_from_text
from dbx_architect.outline.entity import CUTOFF
from dbx_architect.settings import DbxArchitect, Settings

LOCAL = Settings.from_config(DbxArchitect(), "local")
ACCOUNTS = (
    "  - {name: accounts, path: ./a/, format: json, keys: [account_id], load: full, schema: "
    "'account_id STRING, plan STRING, email STRING, signup_date DATE, seats INT'}\n"
)
USAGE = (
    "  - {name: usage, table: raw.usage, keys: [event_id], time_col: at, schema: "
    "'event_id STRING, account_id STRING, at TIMESTAMP, minutes DOUBLE, feature STRING'}\n"
)
LABELS = (
    "  - {name: labels, table: raw.labels, keys: [account_id, day], time_col: day, schema: "
    "'account_id STRING, day DATE, churned INT'}\n"
)
TASK = "target: churned\ntask: classification\n"
PII = "compliance: {pii: [manager_email]}\n"


def requirements(*sources: str, extra: str = "") -> str:
    return "use_case: c\nsources:\n" + "".join(sources) + extra + TASK


def stage(plan, magic: str) -> dict:
    return next(s.spec for s in plan.stages if s.magic == magic)


def test_foreign_keys_are_read_from_known_columns() -> None:
    """usage has account_id, the single key of accounts, as a plain column: events of accounts;
    labels hold the target and the key: labels. Numbers are summed, text counted distinct."""
    plan = plan_from_text(requirements(ACCOUNTS, USAGE, LABELS), LOCAL)
    assert plan.grain is not None
    assert plan.grain.roles == {
        "accounts": "entity",
        "usage": "events",
        "labels": "labels",
    }
    assert plan.grain.relates["usage"] == {"account_id": "accounts"}
    gold = stage(plan, "gold")
    assert gold["kind"] == "entity" and gold["entity"] == "accounts"
    assert gold["keys"] == ["account_id"]
    assert gold["attributes"] == ["plan", "email", "seats"]  # no key, no date
    assert gold["tenure_from"] == "signup_date"
    assert gold["events"] == [
        {"table": "usage", "time_col": "at", "numeric": ["minutes"], "categorical": ["feature"]}
    ]
    assert gold["windows"] == [7, 30, 90]
    assert gold["labels"] == {"table": "labels", "time_col": "day", "target": "churned"}
    zoo = stage(plan, "modelzoo")
    assert zoo["exclude"] == ["account_id", CUTOFF]
    assert zoo["time_col"] == CUTOFF and zoo["split"] == {"method": "time"}
    assert stage(plan, "deploy")["keys"] == ["account_id", CUTOFF]
    usage = next(s.spec for s in plan.stages if s.magic == "silver" and s.name == "usage")
    assert usage["keys"] == ["event_id"] and usage["cluster_by"] == ["account_id", "at"]


def test_pii_and_a_declared_key_column_stay_out_of_the_features() -> None:
    usage = USAGE.replace("time_col: at", "time_col: at, relates: {acct: accounts}").replace(
        "account_id STRING", "acct STRING"
    )
    body = requirements(ACCOUNTS, usage, LABELS, extra="compliance: {pii: [email]}\nwindows: 14\n")
    with pytest.raises(SpecError, match="windows"):  # a list, not a number
        plan_from_text(body, LOCAL)
    plan = plan_from_text(body.replace("windows: 14", "windows: [14, 60]"), LOCAL)
    gold = stage(plan, "gold")
    assert gold["attributes"] == ["plan", "seats"]
    assert gold["events"][0]["key"] == "acct"  # the events' own name for the entity key
    assert gold["windows"] == [14, 60]
    windows = {f.window for f in plan.features}
    assert {"14 days", "60 days"} <= windows
    names = {f.name for f in plan.features}
    assert {"usage_count_14d", "usage_minutes_mean_60d", "usage_recency_days"} <= names
    assert "tenure_days" in names and "email" not in names


def test_a_labels_table_lands_as_one_more_source() -> None:
    body = requirements(ACCOUNTS, USAGE, extra="labels: raw.churn_labels\ntime_col: label_date\n")
    plan = plan_from_text(body, LOCAL)
    added = plan.requirements.sources[-1]
    assert (added.name, added.table, added.keys) == (
        "churn_labels",
        "raw.churn_labels",
        ["account_id", "label_date"],
    )
    assert [s.name for s in plan.stages if s.magic == "bronze"][-1] == "churn_labels"
    assert stage(plan, "gold")["labels"] == {
        "table": "churn_labels",
        "time_col": "label_date",
        "target": "churned",
    }


def test_a_source_only_the_entity_refers_to_is_a_lookup() -> None:
    accounts = ACCOUNTS.replace("seats INT", "seats INT, plan_id STRING")
    plans = (
        "  - {name: plans, path: ./p.csv, keys: [plan_id], load: full, "
        "schema: 'plan_id STRING, price DOUBLE'}\n"
    )
    plan = plan_from_text(requirements(accounts, plans, USAGE, LABELS), LOCAL)
    assert plan.grain is not None and plan.grain.roles["plans"] == "lookup"
    assert plan.grain.entity.name == "accounts"
    assert "plan_id" not in stage(plan, "gold")["attributes"]  # a foreign key is no feature


PLANS = (
    "  - {name: plans, path: ./p.csv, keys: [plan_id], load: full, schema: 'plan_id STRING, "
    "price_per_seat DOUBLE, tier STRING, launched DATE, manager_email STRING'}\n"
)
WITH_PLAN_ID = ACCOUNTS.replace("seats INT", "seats INT, plan_id STRING")


def test_a_lookup_the_entity_refers_to_joins_its_numbers_and_text() -> None:
    """accounts has plan_id, the single key of plans: plans is joined on it; its date and its
    PII stay out, as with the attributes, and each column gets a feature definition."""
    body = requirements(WITH_PLAN_ID, PLANS, USAGE, LABELS, extra=PII)
    plan = plan_from_text(body, LOCAL)
    gold = stage(plan, "gold")
    assert gold["lookups"] == [
        {"table": "plans", "on": "plan_id", "columns": ["price_per_seat", "tier"]}
    ]
    features = {f.name: f for f in plan.features}
    assert features["plans_tier"].source == "silver.plans"
    assert "plans_launched" not in features and "plans_manager_email" not in features
    why = next(s.why for s in plan.stages if s.magic == "gold")
    assert "plans on plan_id" in why
    assert expand("gold", "c", "c", yaml.safe_dump(gold), LOCAL).code  # the cell expands


def test_a_declared_relation_names_the_lookups_key_when_it_differs() -> None:
    accounts = ACCOUNTS.replace("load: full,", "load: full, relates: {plan: plans},")
    plans = PLANS.replace("plan_id", "code")
    gold = stage(plan_from_text(requirements(accounts, plans, USAGE, LABELS), LOCAL), "gold")
    assert gold["lookups"][0]["on"] == "plan" and gold["lookups"][0]["key"] == "code"
    assert "plan" not in gold["attributes"]  # a foreign key is read for the join only


def test_a_lookup_of_the_events_is_left_in_silver() -> None:
    usage = USAGE.replace("feature STRING", "feature STRING, plan_id STRING")
    plans = PLANS.replace("load: full,", "load: full, role: lookup,")
    plan = plan_from_text(requirements(ACCOUNTS, usage, plans, LABELS), LOCAL)
    assert plan.grain is not None and plan.grain.roles["plans"] == "lookup"
    assert "lookups" not in stage(plan, "gold")
    assert "plans (lookup, not referred to by the entity) stay in Silver" in next(
        s.why for s in plan.stages if s.magic == "gold"
    )


def test_a_lookup_without_known_columns_is_not_joined() -> None:
    plans = "  - {name: plans, path: ./p.csv, keys: [plan_id], load: full}\n"
    plan = plan_from_text(requirements(WITH_PLAN_ID, plans, USAGE, LABELS), LOCAL)
    assert plan.grain is not None and plan.grain.roles["plans"] == "lookup"
    assert "lookups" not in stage(plan, "gold")  # its columns are known only once landed


@pytest.mark.parametrize("name", ["churn", "demand_forecast"])
def test_sources_sharing_key_names_plan_as_before(name) -> None:
    plan = plan_from_text((ROOT / "examples" / "requirements" / f"{name}.yaml").read_text(), LOCAL)
    assert plan.grain is None
    assert stage(plan, "gold").get("kind") != "entity"


def test_a_lookup_not_joined_leaves_the_gold_cell_as_it_was() -> None:
    """A lookup the entity does not refer to lands in Silver; Gold is the cell without it."""
    without = plan_from_text(requirements(ACCOUNTS, USAGE, LABELS), LOCAL)
    plans = PLANS.replace("load: full,", "load: full, role: lookup,")
    plan = plan_from_text(requirements(ACCOUNTS, USAGE, LABELS, plans), LOCAL)
    assert [s.name for s in plan.stages if s.magic == "silver"][-1] == "plans"
    assert stage(plan, "gold") == stage(without, "gold")
    assert [f.name for f in plan.features] == [f.name for f in without.features]


ACC_TWO_KEYS = ACCOUNTS.replace("keys: [account_id]", "keys: [account_id, plan]")
USERS = "  - {name: users, table: raw.users, keys: [user_id]}\n"
NOTES = "  - {name: notes, path: ./n/, format: csv, keys: [note_id], load: full}\n"
REFUSED = [
    (
        requirements(
            ACCOUNTS,
            USAGE.replace("time_col: at", "time_col: at, relates: {account_id: acounts}"),
            LABELS,
        ),
        "outline: sources: usage: relates: account_id: 'acounts' is not another source (did you "
        "mean 'accounts'?); use one of accounts, labels",
    ),
    (
        requirements(ACCOUNTS, USAGE, LABELS, NOTES),
        "outline: sources: notes relates to no other source; add relates: {<its column holding "
        "account_id>: accounts} (or role: lookup)",
    ),
    (
        requirements(
            ACCOUNTS,
            USERS,
            USAGE.replace("account_id STRING,", "account_id STRING, user_id STRING,"),
            LABELS,
        ),
        "outline: entity: accounts and users are both related to; name the model's grain with "
        "entity: <source> (or role: lookup on the other)",
    ),
    (
        requirements(ACCOUNTS, USAGE.replace(", time_col: at", ""), LABELS),
        "outline: sources: usage: an events source needs time_col (when each event happened; "
        "windows count back from each cut-off)",
    ),
    (
        requirements(
            ACCOUNTS, USAGE, LABELS.replace("churned INT", "status INT"), extra="labels: labels\n"
        ),
        "outline: sources: labels: the labels hold no column churned (the target); its columns: "
        "account_id, day, status",
    ),
    (
        requirements(ACCOUNTS, USAGE, LABELS.replace(", time_col: day", "")),
        "outline: sources: labels: labels need time_col, the date each label is known (features "
        "use only events before it)",
    ),
    (
        requirements(ACCOUNTS, USAGE, extra="labels: raw.churn_labels\n"),
        "outline: labels: 'raw.churn_labels' is a table; add time_col: the date each label is "
        "known (the cut-off)",
    ),
    (
        requirements(ACCOUNTS, USAGE, LABELS, extra="labels: label\n"),
        "outline: labels: 'label' is not a source (did you mean 'labels'?); name a source, or a "
        "table as schema.table",
    ),
    (
        requirements(ACCOUNTS, USAGE, LABELS, extra="entity: acount\n"),
        "outline: entity: 'acount' is not a source (did you mean 'accounts'?); use one of "
        "accounts, usage, labels",
    ),
    (
        requirements(ACC_TWO_KEYS, USAGE, LABELS, extra="entity: accounts\n"),
        "outline: sources: accounts: an entity needs exactly one key column (it has account_id, "
        "plan); features are computed per key and cut-off",
    ),
    (
        requirements(ACCOUNTS, USAGE),
        "outline: target: 'churned' is in no labels source nor in accounts; add labels: (the "
        "source or table holding churned and account_id)",
    ),
    (
        requirements(ACCOUNTS, USAGE, extra="labels: raw.bad-name\ntime_col: day\n"),
        "outline: labels: 'raw.bad-name': the table name 'bad-name' is not a valid identifier "
        "(letters, digits and underscores, not starting with a digit)",
    ),
    (
        requirements(ACCOUNTS, LABELS, extra="labels: labels\ntime_col: day\n").replace(
            "task: classification", "task: forecast"
        ),
        "outline: labels: a forecast learns from the history of the target itself",
    ),
    (
        requirements(ACCOUNTS, USAGE, LABELS, extra="windows: [7, 30, 7]\n"),
        "outline: windows: [7, 30, 7] lists a window twice",
    ),
]


@pytest.mark.parametrize(("body", "message"), REFUSED, ids=range(len(REFUSED)))
def test_inconsistent_requirements_are_one_line(body, message) -> None:
    with pytest.raises(SpecError) as caught:
        plan_from_text(body, LOCAL)
    assert str(caught.value) == message


NAMES = ["accounts", "usage", "labels", "account_id", "event_id", "day", "at", "raw.labels_2"]
SOURCES = [ACCOUNTS, USAGE, LABELS]


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(data=st.data())
def test_any_roles_and_relations_plan_or_fail_in_one_line(data) -> None:
    """Roles, foreign keys, entity and labels in any combination: a plan, or one line."""
    import yaml

    sources = []
    for text in SOURCES:
        source = yaml.safe_load(text.removeprefix("  - "))
        optional = {
            "role": st.sampled_from(["entity", "events", "labels", "lookup"]),
            "relates": st.dictionaries(st.sampled_from(NAMES[3:6]), st.sampled_from(NAMES[:3])),
            "time_col": st.sampled_from([None, *NAMES[3:7]]),
        }
        for key, strategy in optional.items():
            if data.draw(st.integers(0, 3)) == 0:  # one change in four keeps plans likely
                source[key] = data.draw(strategy)
        sources.append(source)
    body: dict = {"use_case": "c", "sources": sources, "target": "churned"}
    body["task"] = data.draw(st.sampled_from(["classification", "classification", "forecast"]))
    for key in ("entity", "labels", "time_col"):
        if data.draw(st.integers(0, 3)) == 0:
            body[key] = data.draw(st.sampled_from(NAMES))
    try:
        plan = plan_from_text(yaml.safe_dump(body), LOCAL)
    except SpecError as err:
        assert "\n" not in str(err) and str(err).startswith("outline: ")
        event("refused")
        return
    event("entity grain" if plan.grain else "as before")
    if plan.grain is not None:
        gold = next(s.spec for s in plan.stages if s.magic == "gold")
        assert gold["entity"] == plan.grain.entity.name and len(gold["keys"]) == 1

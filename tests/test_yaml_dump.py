"""What the outline and the forms write into a cell reads back as the same spec, and stays short
per line: collections in flow style on one line, or one item per line when that would be long."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dbx_architect.spec.yaml_body import LINE, dump_line, load_body

KEY = st.from_regex(r"[a-z_]{1,12}", fullmatch=True)
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT)
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(KEY, inner, max_size=6),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None, database=None)
@given(key=KEY, value=VALUE)
def test_every_dumped_value_reads_back_as_itself(key, value) -> None:
    assert load_body(dump_line(key, value)) == {key: value}


def test_a_long_list_of_mappings_goes_one_item_per_line() -> None:
    events = [
        {"table": "usage_events", "time_col": "event_time", "numeric": ["minutes", "sessions"]},
        {"table": "tickets", "time_col": "opened_at", "categorical": ["priority"]},
    ]
    text = dump_line("events", events)
    assert text.splitlines() == [
        "events:",
        "  - {table: usage_events, time_col: event_time, numeric: [minutes, sessions]}",
        "  - {table: tickets, time_col: opened_at, categorical: [priority]}",
    ]
    short = dump_line("keys", ["account_id", "cutoff_date"])
    assert short == "keys: [account_id, cutoff_date]" and len(short) <= LINE


def test_a_long_mapping_goes_one_key_per_line() -> None:
    sql = "sum(case when prediction = 1 and label = 1 then 600 else 0 end) - 20 * sum(prediction)"
    text = dump_line("kpis", {"net_retained": sql, "contacted": {"sql": "sum(prediction)"}})
    assert text.splitlines() == [
        "kpis:",
        f"  net_retained: {sql}",
        "  contacted: {sql: sum(prediction)}",
    ]

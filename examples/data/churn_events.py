"""Local data for examples/requirements/churn_events.yaml: accounts as JSON lines, support tickets
as CSV, app usage events and churn labels as Delta tables (raw.usage_events, raw.churn_labels).

Deterministic (seeded) and small: 500 accounts, 20,000 usage events, labels at five monthly
cut-offs. Accounts that churn use the app less, and open more tickets, in the weeks before.

    python examples/data/churn_events.py [FOLDER]        # files and tables (local Spark + Delta)

In a notebook with a session (``%dbx_spark``), from the folder the outline runs in::

    from churn_events import write
    write(Path("."), spark)
"""

from __future__ import annotations

import csv
import json
import random
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

START = date(2026, 1, 1)
DAYS = 180
CUTOFFS = [date(2026, month, 1) for month in (3, 4, 5, 6, 7)]
HORIZON = 30  # churned = the account leaves within this many days after the cut-off
PLANS = ("basic", "plus", "pro")
REGIONS = ("emea", "amer", "apac")
FEATURES = ("reports", "dashboards", "exports", "alerts", "sharing")


@dataclass(frozen=True)
class Account:
    account_id: str
    plan: str
    region: str
    seats: int
    signup: date
    leaves: date | None  # the day it churns, if it does (some after the last cut-off)

    def active(self, day: date) -> bool:
        return self.leaves is None or day < self.leaves

    def fading(self, day: date) -> bool:
        """In the five weeks before leaving, usage falls off."""
        return self.leaves is not None and (self.leaves - day).days <= 35


def accounts(rng: random.Random, count: int) -> list[Account]:
    out = []
    for i in range(count):
        plan = rng.choice(PLANS)
        risk = {"basic": 0.55, "plus": 0.35, "pro": 0.2}[plan]
        leaves = START + timedelta(days=rng.randint(60, DAYS + HORIZON + 15))
        leaves = leaves if rng.random() < risk else None
        out.append(
            Account(
                f"a{i:04d}",
                plan,
                rng.choice(REGIONS),
                rng.randint(1, 50),
                START - timedelta(days=rng.randint(30, 900)),
                leaves,
            )
        )
    return out


def usage_events(rng: random.Random, people: list[Account], count: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while len(rows) < count:
        account = rng.choice(people)
        day = START + timedelta(days=rng.randrange(DAYS))
        if not account.active(day) or (account.fading(day) and rng.random() < 0.7):
            continue
        at = datetime(day.year, day.month, day.day, rng.randrange(24), rng.randrange(60))
        rows.append(
            {
                "event_id": f"e{len(rows):06d}",
                "account_id": account.account_id,
                "event_time": at,
                "feature": rng.choice(FEATURES),
                "minutes": round(rng.expovariate(1 / 12), 2),
                "sessions": rng.randint(1, 4),
            }
        )
    return rows


def tickets(rng: random.Random, people: list[Account]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for account in people:
        for _ in range(rng.randint(0, 4)):
            day = START + timedelta(days=rng.randrange(DAYS))
            if account.active(day) and (account.fading(day) or rng.random() < 0.5):
                rows.append(
                    {
                        "ticket_id": f"t{len(rows):05d}",
                        "account_id": account.account_id,
                        "opened_at": f"{day.isoformat()} {rng.randrange(8, 18):02d}:00:00",
                        "priority": rng.choice(("low", "normal", "high")),
                        "minutes_to_close": rng.randint(5, 600),
                    }
                )
    return rows


def labels(people: list[Account]) -> list[dict[str, Any]]:
    """One row per account still active at each cut-off: does it leave within HORIZON days?"""
    return [
        {
            "account_id": a.account_id,
            "label_date": cutoff,
            "churned": int(a.leaves is not None and (a.leaves - cutoff).days <= HORIZON),
        }
        for cutoff in CUTOFFS
        for a in people
        if a.active(cutoff)
    ]


def write_files(root: Path, people: list[Account], opened: list[dict[str, Any]]) -> None:
    """landing/accounts/*.json (two exports, the second with corrections) and landing/tickets/."""
    folder, ticket_folder = root / "landing" / "accounts", root / "landing" / "tickets"
    folder.mkdir(parents=True, exist_ok=True)
    ticket_folder.mkdir(parents=True, exist_ok=True)
    half = len(people) // 2
    for name, part in (("accounts_1.json", people[:half]), ("accounts_2.json", people[half:])):
        with open(folder / name, "w") as out:
            for a in part:
                record = {
                    "account_id": a.account_id,
                    "email": f"owner{a.account_id}@example.com",
                    "plan": a.plan,
                    "region": a.region,
                    "seats": a.seats,
                    "signup_date": a.signup.isoformat(),
                }
                out.write(json.dumps(record) + "\n")
    with open(ticket_folder / "tickets.csv", "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(opened[0]))
        writer.writeheader()
        writer.writerows(opened)


def write_tables(
    spark: Any, events: list[dict[str, Any]], label_rows: list[dict[str, Any]]
) -> None:
    """raw.usage_events and raw.churn_labels as Delta tables, replaced on every run."""
    spark.sql("CREATE SCHEMA IF NOT EXISTS raw")
    for table, rows, ddl in (
        ("raw.usage_events", events, "event_id STRING, account_id STRING, event_time TIMESTAMP, "
         "feature STRING, minutes DOUBLE, sessions INT"),
        ("raw.churn_labels", label_rows, "account_id STRING, label_date DATE, churned INT"),
    ):  # fmt: skip
        frame = spark.createDataFrame([tuple(r.values()) for r in rows], ddl)
        frame.write.format("delta").mode("overwrite").saveAsTable(table)


def write(
    root: Path, spark: Any | None = None, count: int = 500, events: int = 20_000, seed: int = 7
) -> dict[str, int]:
    """Write the files under *root* and, with *spark*, the tables; the row counts of each."""
    rng = random.Random(seed)
    people = accounts(rng, count)
    used = usage_events(rng, people, events)
    opened = tickets(rng, people)
    label_rows = labels(people)
    write_files(root, people, opened)
    if spark is not None:
        write_tables(spark, used, label_rows)
    return {
        "accounts": len(people),
        "usage_events": len(used),
        "tickets": len(opened),
        "churn_labels": len(label_rows),
    }


if __name__ == "__main__":
    from dbx_architect.runtime.spark import start_local_spark

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(".")
    print(write(folder, start_local_spark(str(folder / ".dbx_architect"))))

"""Bad input: one message naming key and value, nothing replaced, nothing run, no traceback."""

from __future__ import annotations

import pytest
from conftest import run
from IPython.core.error import UsageError

# (table on the magic line, YAML body, the exact message the user sees)
BAD = [
    (
        "sales",
        "source: /landing/a.json\nschema_hints: id INT\nload: full\n",
        "%%bronze: schema_hints: only for Databricks file loads without schema (Auto Loader infers the other columns); with schema, put the types there",
    ),
    (
        "sales --target databricks",
        "source: /Volumes/main/raw/a/\nformat: json\nschema: id INT\nschema_hints: id BIGINT\n",
        "%%bronze: schema_hints: only for Databricks file loads without schema (Auto Loader infers the other columns); with schema, put the types there",
    ),
    (
        "sales --target databricks",
        "source: /Volumes/main/raw/a/\nformat: json\nschema_hints: id BIGINTT\n",
        "%%bronze: schema_hints: 'id BIGINTT' is not a Spark DDL column list like 'id INT, name STRING'",
    ),
    (
        "sales --target databricks",
        "source: ./landing/sales/\nformat: csv\nschema: id INT\n",
        "%%bronze: source: './landing/sales/' is relative, and Databricks compute has no working folder to resolve it against: give a volume (/Volumes/...), cloud (s3://, abfss://, gs://) or workspace (/Workspace/...) path",
    ),
    (
        "sales",
        "source: /a.csv\nschema: id INT\n  bad: [\n",
        "%%bronze: the YAML body does not parse: line 3, column 6: mapping values are not allowed here",
    ),
    (
        "sales",
        "source: [unclosed\n",
        "%%bronze: the YAML body does not parse: line 2, column 1: expected ',' or ']', but got '<stream end>'",
    ),
    (
        "sales",
        "- source: /a.csv\n",
        "%%bronze: the YAML body must be a mapping of key: value lines, not a list",
    ),
    (
        "sales",
        "source: /a.csv\nschema: id INT\nfromat: csv\n",
        "%%bronze: unknown key 'fromat' (did you mean 'format'?); allowed keys: source, format, options, schema, schema_hints, load, keys, partition_by, cluster_by, comment, owner, tags, column_tags, properties",
    ),
    ("sales", "source: /a.csv\nsource: /b.csv\n", "%%bronze: key 'source' is given twice (line 2)"),
    (
        "sales",
        "source: /a.csv\nschema: id INT\nkeys: id\n",
        "%%bronze: keys: expected a list, got 'id'",
    ),
    (
        "sales",
        "source: /a.csv\nschema: id INT\noptions: [header]\n",
        "%%bronze: options: expected a mapping of key: value, got ['header']",
    ),
    (
        "sales",
        "source: /a.csv\nschema: id INT\nload: append\n",
        "%%bronze: load: 'append' is not allowed; use one of incremental or full",
    ),
    (
        "sales",
        "source: /a.xml\n",
        "%%bronze: format: cannot infer the format of source '/a.xml' from its name; add format: csv, json, parquet or delta",
    ),
    (
        "sales",
        "source: /a/b/\nschema: id INT\n",
        "%%bronze: format: cannot infer the format of source '/a/b/' from its name; add format: csv, json, parquet or delta",
    ),
    (
        "sales",
        "source: /a.csv\nformat: xml\n",
        "%%bronze: format: 'xml' is not allowed; use one of csv, json, parquet, delta or table",
    ),
    (
        "sales",
        "source: /a.csv\n",
        "%%bronze: schema: required for an incremental csv load (the file stream needs explicit columns; on Databricks Auto Loader infers them, and with a session (%dbx_spark) they are read from the files), e.g. schema: id INT, amount DOUBLE",
    ),
    (
        "sales; DROP TABLE x",
        "source: /a.csv\nschema: id INT\n",
        "%%bronze: TABLE: 'sales; DROP TABLE x' is not a valid identifier (letters, digits and underscores, not starting with a digit)",
    ),
    (
        "`sales`",
        "source: /a.csv\nschema: id INT\n",
        "%%bronze: TABLE: '`sales`' is not a valid identifier (letters, digits and underscores, not starting with a digit)",
    ),
    (
        "main.bronze.sa'les",
        "source: /a.csv\nschema: id INT\n",
        '%%bronze: TABLE: "sa\'les" in "main.bronze.sa\'les" is not a valid identifier (letters, digits and underscores, not starting with a digit)',
    ),
    (
        "a.b.c.d",
        "source: /a.csv\nschema: id INT\n",
        "%%bronze: TABLE: 'a.b.c.d' has 4 parts; use table, schema.table or catalog.schema.table",
    ),
    (
        "",
        "source: /a.csv\nschema: id INT\n",
        "%%bronze: name the table on the magic line, e.g. %%bronze sales",
    ),
    (
        "sales",
        "source: main.raw.x; DROP TABLE y\n",
        "%%bronze: source: 'x; DROP TABLE y' in 'main.raw.x; DROP TABLE y' is not a valid identifier (letters, digits and underscores, not starting with a digit)",
    ),
    (
        "sales",
        'source: /a.csv\nschema: id INT\nkeys: ["id; DROP TABLE x"]\n',
        "%%bronze: keys[0]: 'id; DROP TABLE x' is not a valid identifier (letters, digits and underscores, not starting with a digit)",
    ),
    (
        "sales",
        'source: /a.csv\nschema: "id INT); DROP TABLE x; --"\n',
        "%%bronze: schema: 'id INT); DROP TABLE x; --' must be one column list, like 'id INT, name STRING'",
    ),
    (
        "sales",
        "source: /a.csv\nschema: id INT\nkeys: [amount]\n",
        "%%bronze: keys: column 'amount' is not in the table; columns: id",
    ),
    (
        "sales",
        "source: /a.csv\nschema: id INT\npartition_by: [id]\ncluster_by: [id]\n",
        "%%bronze: partition_by and cluster_by: use one of them, not both (liquid clustering replaces partitioning)",
    ),
    (
        "sales",
        'source: /a.csv\nschema: id INT\nowner: "x`; DROP"\n',
        "%%bronze: owner: 'x`; DROP' is not a valid principal (a user e-mail, group or service principal: letters, digits, spaces and _ . @ + -)",
    ),
    (
        "sales",
        'source: /a.csv\nschema: id INT\nproperties: {"a\'b": 1}\n',
        '%%bronze: properties: "a\'b" is not a valid table property name (like delta.appendOnly)',
    ),
    (
        "sales",
        'source: /a.csv\nschema: id INT\ncomment: "multi\\nline"\n',
        "%%bronze: comment: must be a single line of text",
    ),
    (
        "sales",
        "source: bronze.x\nschema: id INT\n",
        "%%bronze: schema: a Delta or table source brings its own columns; remove schema",
    ),
    (
        "sales",
        "source: /a.csv\nschema: id INT, _ingested_at TIMESTAMP\n",
        "%%bronze: schema: column '_ingested_at' is added by the load; rename it",
    ),
]


# (magic, name on the magic line, YAML body, the exact message)
BAD_TRANSFORM = [
    ("silver", "sales", "from: sales\n", "%%silver: missing key 'keys' (required)"),
    (
        "silver",
        "sales",
        "from: sales\nkeys: []\n",
        "%%silver: keys: give at least one column (the MERGE key)",
    ),
    ("silver", "sales", "keys: [id]\n", "%%silver: missing key 'from' (required)"),
    (
        "silver",
        "sales",
        "from: sales\nkeys: [id]\nexpect:\n  - {name: r, rule: amount + 1}\n",
        "%%silver: expect[0].rule: 'amount + 1' is not a boolean SQL expression (write a condition, e.g. amount >= 0)",
    ),
    (
        "silver",
        "sales",
        'from: sales\nkeys: [id]\nexpect:\n  - {name: r, rule: "amount > 0; DROP TABLE x"}\n',
        "%%silver: expect[0].rule: 'amount > 0; DROP TABLE x' must be one SQL expression",
    ),
    (
        "silver",
        "sales",
        "from: sales\nkeys: [id]\nexpect:\n  - {name: u, unique: []}\n",
        "%%silver: expect[0]: unique needs at least one column",
    ),
    (
        "silver",
        "sales",
        "from: sales\nkeys: [id]\nexpect:\n  - {name: r, range: {amount: [10, 1]}}\n",
        "%%silver: expect[0]: range: amount has min 10 > max 1",
    ),
    (
        "silver",
        "sales",
        "from: sales\nkeys: [id]\nexpect:\n  - {name: r, range: {amount: [1]}}\n",
        "%%silver: expect[0]: range: amount needs [min, max], got [1]",
    ),
    (
        "silver",
        "sales",
        "from: sales\nkeys: [id]\nexpect:\n  - {name: r, in: {store: []}}\n",
        "%%silver: expect[0]: in: store needs at least one allowed value",
    ),
    (
        "silver",
        "sales",
        "from: sales\nkeys: [id]\nexpect:\n  - {name: r, rule: a > 0, action: block}\n",
        "%%silver: expect[0].action: 'block' is not allowed; use one of warn, drop, quarantine or fail",
    ),
    (
        "silver",
        "sales",
        "from: sales\nkeys: [id]\nexpect:\n  - {name: r, rule: a > 0}\n  - {name: r, rule: b > 0}\n",
        "%%silver: expect: the name 'r' is used twice",
    ),
    (
        "silver",
        "sales",
        "from: sales\nkeys: [id]\nexpect:\n  - {name: r, rule: a > 0, not_null: [a]}\n",
        "%%silver: expect[0]: give exactly one of rule, not_null, unique, in, range (got rule, not_null)",
    ),
    (
        "silver",
        "sales",
        'from: sales\nkeys: [id]\nexpect:\n  - {name: "bad name", rule: a > 0}\n',
        "%%silver: expect[0].name: 'bad name' is not a valid identifier (letters, digits and underscores, not starting with a digit)",
    ),
    (
        "silver",
        "sales",
        "from: sales\nkeys: [id]\nfeatures:\n  - lag: {column: units, by: store}\n",
        "%%silver: features[0].lag: lag of units needs order (the column(s) that give time)",
    ),
    (
        "silver",
        "sales",
        "from: sales\nkeys: [id]\nfeatures:\n  - rolling: {column: units, order: day, window: 0}\n",
        "%%silver: features[0].rolling.window: must be at least 1, got 0",
    ),
    (
        "silver",
        "sales",
        "from: sales\nkeys: [id]\nfeatures:\n  - rolling: {column: units, order: day, window: 3, agg: median}\n",
        "%%silver: features[0].rolling.agg: 'median' is not allowed; use one of mean, sum, min, max, stddev or count (did you mean 'mean'?)",
    ),
    (
        "silver",
        "sales",
        "from: sales\nkeys: [id]\nfeatures:\n  - lgg: {column: units}\n",
        "%%silver: features[0]: unknown key 'lgg' (did you mean 'lag'?)",
    ),
    (
        "silver",
        "sales",
        "from: sales\nkeys: [id]\nfeatures:\n  - {date_parts: day, ratio: {name: r, num: a, den: b}}\n",
        "%%silver: features[0]: each feature is one of date_parts, lag, rolling, ratio, expr (got date_parts, ratio)",
    ),
    (
        "silver",
        "sales",
        'from: sales\nkeys: [id]\nfeatures:\n  - expr: {x: "(select 1)"}\n',
        "%%silver: features[0].expr.x: '(select 1)': subqueries are not allowed here",
    ),
    (
        "silver",
        "sales",
        "from: sales\nkeys: [id]\ncasts: {units: integr}\n",
        "%%silver: casts.units: 'integr' is not a Spark type (e.g. INT, DOUBLE, DATE)",
    ),
    (
        "silver",
        "sales",
        "from: sales\nkeys: [id]\nclean: {strip: [a]}\n",
        "%%silver: clean: unknown key 'strip' (did you mean 'trim'?)",
    ),
    (
        "silver",
        "sales",
        'from: "sales; DROP TABLE x"\nkeys: [id]\n',
        "%%silver: from: 'sales; DROP TABLE x' is not a valid identifier (letters, digits and underscores, not starting with a digit)",
    ),
    (
        "silver",
        "sales",
        "from: sales\nkeys: [id]\nload: append\n",
        "%%silver: load: 'append' is not allowed; use one of incremental or full",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nkeys: [account_id]\nevents: [{table: usage, time_col: t}]\n",
        "%%gold: entity: kind entity needs the Silver table with one row per key",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [account_id, plan]\nevents: [{table: usage, time_col: t}]\n",
        "%%gold: keys: kind entity needs exactly one key column (the entity key), got 2",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [account_id]\n",
        "%%gold: events: kind entity needs at least one event source, e.g. [{table: usage_events, time_col: event_time}]",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [account_id]\nevents: [{table: usage}]\n",
        "%%gold: missing key 'events[0].time_col' (required)",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [account_id]\nevents: [{table: usage, time_col: t}]\nwindows: [7, 0]\n",
        "%%gold: windows[1]: must be at least 1, got 0",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [account_id]\nevents: [{table: usage, time_col: t}]\nwindows: [7, 4000]\n",
        "%%gold: windows[1]: must be at most 3650, got 4000",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [account_id]\nevents: [{table: usage, time_col: t}]\nwindows: [30, 7, 30]\n",
        "%%gold: windows: 30 is given twice",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [account_id]\nevents: [{table: usage, time_col: t}]\nwindows: []\n",
        "%%gold: windows: give at least one window in days, e.g. [7, 30, 90]",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [account_id]\nevents: [{table: usage, time_col: t}]\nwindows: [7.5]\n",
        "%%gold: windows[0]: expected a whole number, got 7.5",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [account_id]\nevents: [{table: usage, time_col: t}]\nlabels: {table: churn, time_col: day}\n",
        "%%gold: missing key 'labels.target' (required)",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [account_id]\nevents: [{table: usage, time_col: t}]\nlabels: {table: churn, time_col: day, target: churned}\nas_of: 2026-01-31\n",
        "%%gold: as_of: with labels each label's date is the cut-off; drop as_of",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [account_id]\nevents: [{table: usage, time_col: t}]\nas_of: yesterday\n",
        "%%gold: as_of: expected a date like 2026-01-31, got 'yesterday'",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [account_id]\nevents: [{table: usage, time_col: t}]\ngroup_by: [plan]\n",
        "%%gold: group_by: not with kind entity (it reads entity and events)",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [account_id]\nevents: [{table: usage, time_col: t}]\nfrom: accounts\n",
        "%%gold: from: not with kind entity (it reads entity and events)",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [account_id]\nevents: [{table: usage, time_col: t}]\naggregates: {n: count(*)}\n",
        "%%gold: aggregates: not with kind entity (it reads entity and events)",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [account_id]\nevents: [{table: usage, time_col: t}]\nattributes: [account_id]\n",
        "%%gold: attributes: the column 'account_id' would be written twice",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [id]\nevents:\n  - {table: crm.usage, time_col: t}\n  - {table: web.usage, time_col: t}\n",
        "%%gold: events: the column 'usage_count_7d' would be written twice; give a source its own prefix with name",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [id]\nattributes: [plans_tier]\nlookups: [{table: plans, on: plan, columns: [tier]}]\nevents: [{table: usage, time_col: t}]\n",
        "%%gold: lookups: the column 'plans_tier' would be written twice; give the lookup its own prefix",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [id]\nlookups: [{table: plans, on: plan, columns: [x], prefix: plan}, {table: tiers, on: plan, columns: [x], prefix: plan}]\nevents: [{table: usage, time_col: t}]\n",
        "%%gold: lookups: the column 'plan_x' would be written twice; give the lookup its own prefix",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [id]\nlookups: [{table: plans, on: plan, columns: [plan, tier]}]\nevents: [{table: usage, time_col: t}]\n",
        "%%gold: lookups[0].columns: 'plan' is the lookup's key, the join column",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [id]\nlookups: [{table: plans, on: plan, columns: [tier, tier]}]\nevents: [{table: usage, time_col: t}]\n",
        "%%gold: lookups[0].columns: 'tier' is given twice",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [id]\nlookups: [{table: plans, on: plan}]\nevents: [{table: usage, time_col: t}]\n",
        "%%gold: lookups[0].columns: the columns of spark_catalog.silver.plans are not known here (no session sees the table); list the columns to carry",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [id]\nlookups: [{table: plans, columns: [tier]}]\nevents: [{table: usage, time_col: t}]\n",
        "%%gold: missing key 'lookups[0].on' (required)",
    ),
    (
        "gold",
        "churn",
        "from: sales\ngroup_by: [store]\naggregates: {u: sum(u)}\nlookups: [{table: plans, on: plan}]\n",
        "%%gold: lookups: only with kind: entity",
    ),
    (
        "gold",
        "churn",
        "kind: entity\nentity: accounts\nkeys: [id]\nevents: [{table: usage, time_col: t, key: acct, numeric: [id]}]\n",
        "%%gold: events[0]: column 'id' cannot be aggregated here: the feature table uses that name for the entity key",
    ),
    (
        "gold",
        "churn",
        "from: sales\ngroup_by: [store]\naggregates: {u: sum(u)}\nwindows: [7]\n",
        "%%gold: windows: only with kind: entity",
    ),
    (
        "gold",
        "weekly",
        "from: [sales, stores]\ngroup_by: [store]\naggregates: {u: sum(u)}\n",
        "%%gold: join: several tables in from need join: {on: [columns], how: ...}",
    ),
    (
        "gold",
        "weekly",
        "from: sales\njoin: {on: [store]}\ngroup_by: [store]\naggregates: {u: sum(u)}\n",
        "%%gold: join: needs at least two tables in from",
    ),
    (
        "gold",
        "weekly",
        "from: sales\ngroup_by: [store]\ngrain: week\naggregates: {u: sum(u)}\n",
        "%%gold: time_col: grain week needs the time column to truncate",
    ),
    (
        "gold",
        "weekly",
        "from: sales\ngroup_by: [store]\ngrain: year\ntime_col: day\naggregates: {u: sum(u)}\n",
        "%%gold: grain: 'year' is not allowed; use one of day, week or month",
    ),
    (
        "gold",
        "weekly",
        "from: sales\ngroup_by: [store]\naggregates: {u: units}\n",
        "%%gold: aggregates.u: 'units' is not an aggregate (use sum, avg, count, min, max, ...)",
    ),
    (
        "gold",
        "weekly",
        "from: sales\ngroup_by: [store]\n",
        "%%gold: aggregates: group_by needs at least one aggregate, e.g. units: sum(units)",
    ),
    (
        "gold",
        "weekly",
        "from: sales\naggregates: {u: sum(u)}\n",
        "%%gold: group_by: aggregates need group_by columns or a grain",
    ),
    (
        "gold",
        "weekly",
        "from: sales\nkind: features\n",
        "%%gold: keys: a features table needs its primary key columns",
    ),
    (
        "gold",
        "weekly",
        "kind: predictions\n",
        "%%gold: keys: a predictions table needs the id columns of the scored rows",
    ),
    ("gold", "weekly", "kind: aggregate\n", "%%gold: from: kind aggregate needs a table to read"),
    (
        "gold",
        "weekly",
        "from: sales\nkind: report\n",
        "%%gold: kind: 'report' is not allowed; use one of aggregate, features, predictions, evaluation, monitoring or entity",
    ),
    (
        "gold",
        "weekly",
        "from: sales\njoin: {using: [store]}\n",
        "%%gold: join: unknown key 'using'",
    ),
]


BAD_DEPLOY = [
    (
        "deploy",
        "demand",
        "table: scores\nkeys: [id]\nmodel: demand@@x\n",
        "%%deploy: model: 'demand@@x' is not NAME, NAME@alias or NAME/version",
    ),
    (
        "deploy",
        "demand",
        "table: scores\nkeys: [id]\npromote: true\n",
        "%%deploy: promote: needs a gate ({data, label, metric}) to pass first",
    ),
    (
        "deploy",
        "demand",
        "table: scores\nkeys: []\n",
        "%%deploy: keys: give the columns that identify a scored row (kept with it)",
    ),
    (
        "deploy",
        "demand",
        "table: scores\nkeys: [id]\nmodel: demand/3\nrollback: true\n",
        "%%deploy: model: a gate or a rollback works on aliases, not a fixed version",
    ),
]
BAD_MONITOR = [
    (
        "monitor",
        "demand",
        "trigger: {k: 4, n: 3}\n",
        "%%monitor: trigger: k (4) cannot exceed n (3)",
    ),
    (
        "monitor",
        "demand",
        "label: units\nlabel_table: actuals\n",
        "%%monitor: label_table: give keys, the columns that join it to the table",
    ),
    (
        "monitor",
        "demand",
        "label_table: actuals\nkeys: [id]\n",
        "%%monitor: label_table: also give label, the column that holds the truth",
    ),
    (
        "monitor",
        "demand",
        "lakehouse_monitoring: true\n",
        "%%monitor: lakehouse_monitoring: Lakehouse Monitoring exists only on Databricks; add --target databricks",
    ),
    (
        "monitor",
        "demand",
        "window: hour\n",
        "%%monitor: window: 'hour' is not allowed; use one of day, week or month",
    ),
    (
        "monitor",
        "demand",
        "ks_alpha: 1.5\n",
        "%%monitor: ks_alpha: must be less than 1.0, got 1.5",
    ),
    (
        "monitor",
        "demand",
        "model: demand@\n",
        "%%monitor: model: 'demand@' is not NAME, NAME@alias or NAME/version",
    ),
    (
        "monitor",
        "demand",
        "kpis: {gain: sum(prediction)}\n",
        "%%monitor: kpis: give label, the column that holds the truth (KPIs need it)",
    ),
    (
        "monitor",
        "demand",
        "label: units\nkpis: {gain: sum(prediction}\n",
        "%%monitor: kpis.gain: not valid SQL ('Expecting ). Line 1, Col: 14.')",
    ),
    (
        "monitor",
        "demand",
        "label: units\nkpis: {gain: (select 1)}\n",
        "%%monitor: kpis.gain: a KPI is one expression over the scored rows, not a query",
    ),
]
BAD_MODELZOO = [
    (
        "modelzoo",
        "demand",
        "table: demand\ntask: regression\n",
        "%%modelzoo: missing key 'target' (required)",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nfeatures: [units, price]\n",
        "%%modelzoo: features: 'units' is the target; it cannot be a feature",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nmodels: [logistic]\n",
        "%%modelzoo: models[1]: logistic is for classification, not regression",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\ncv: 1\n",
        "%%modelzoo: cv: must be at least 2, got 1",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nsplit: {test_size: 1.5}\n",
        "%%modelzoo: split.test_size: must be less than 1.0, got 1.5",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nsplit: {test_size: 0}\n",
        "%%modelzoo: split.test_size: must be more than 0.0, got 0",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nsplit: {method: group}\n",
        "%%modelzoo: split: group_col: a group split needs the column that holds the groups",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nsplit: {method: time}\n",
        "%%modelzoo: time_col: a time split needs the time column",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: forecast\n",
        "%%modelzoo: time_col: a forecast needs the time column (it splits by time)",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: clustering\n",
        "%%modelzoo: task: 'clustering' is not allowed; use one of regression, classification or forecast",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nmetric: accuracy\n",
        "%%modelzoo: metric: 'accuracy' is not a regression metric; use one of rmse, mae, r2",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nengine: spark\nmodels: [extra_trees]\n",
        "%%modelzoo: models[1]: extra_trees has no Spark ML estimator; engine: spark trains baseline, linear, random_forest, hist_gbm (or use engine: sklearn)",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: y\ntask: classification\nengine: spark\nmodels: [lightgbm]\n",
        "%%modelzoo: models[1]: lightgbm has no Spark ML estimator; engine: spark trains baseline, linear, logistic, random_forest, hist_gbm (or use engine: sklearn)",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nlags: [1]\n",
        "%%modelzoo: lags: lag features of the target are for task: forecast",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: forecast\ntime_col: day\nseries: [store]\n",
        "%%modelzoo: series: give lags too (series only groups the lag features)",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nkpis: {waste: sum(units}\n",
        "%%modelzoo: kpis.waste: not valid SQL ('Expecting ). Line 1, Col: 9.')",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nkpis: {waste: 'sum(label) from t'}\n",
        "%%modelzoo: kpis.waste: not valid SQL ('Invalid expression / Unexpected token. Line 1, Col: 15.')",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nkpis: {waste: (select 1)}\n",
        "%%modelzoo: kpis.waste: a KPI is one expression over the scored rows, not a query",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nkpis: {waste: median(label)}\n",
        "%%modelzoo: kpis.waste: unknown function 'median'; a KPI may use sum, avg, count, min, max, abs, coalesce, greatest, least, if, case",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nkpis: {waste: label - prediction}\n",
        "%%modelzoo: kpis.waste: column 'label' is outside an aggregate (e.g. sum(label))",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nkpis: {waste: avg(probability)}\n",
        "%%modelzoo: kpis.waste: probability is for classification (the positive class)",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nkpis: {rmse: sum(label)}\n",
        "%%modelzoo: kpis: 'rmse' is a metric; give the KPI another name",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\ncosts: {false_negative: 3, false_positive: 1}\n",
        "%%modelzoo: costs: a cost matrix is for task: classification (two classes)",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nengine: spark\ncosts: {false_negative: 3, false_positive: 1}\n",
        "%%modelzoo: costs: a cost matrix is for task: classification (two classes)",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nselect_by: profit\n",
        "%%modelzoo: select_by: 'profit' is not a regression metric; use one of rmse, mae, r2",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nkpis: {waste: sum(label)}\nselect_by: profit\n",
        "%%modelzoo: select_by: 'profit' is neither a regression metric nor a KPI; use one of rmse, mae, r2, waste",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nkpis: {waste: {sql: sum(label), goal: up}}\n",
        "%%modelzoo: kpis.waste.goal: 'up' is not allowed; use one of max or min",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: forecast\ntime_col: day\nlags: [0]\n",
        "%%modelzoo: lags[0]: must be at least 1, got 0",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nparams: {svm: {C: 1}}\n",
        "%%modelzoo: params: 'svm' is not one of the models (baseline, linear, random_forest, hist_gbm)",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nfeatures: [a]\nexclude: [b]\n",
        "%%modelzoo: features and exclude: give one of them",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\npromote_if: {metric: f1_weighted}\n",
        "%%modelzoo: promote_if.metric: 'f1_weighted' is not a regression metric; use one of rmse, mae, r2",
    ),
    (
        "modelzoo",
        "demand",
        'table: demand\ntarget: units\ntask: regression\nregister: "main.ml.bad name"\n',
        "%%modelzoo: register: 'bad name' is not a valid identifier (letters, digits and underscores, not starting with a digit)",
    ),
    (
        "modelzoo",
        "demand",
        "table: demand\ntarget: units\ntask: regression\nsample_rows: 10\n",
        "%%modelzoo: sample_rows: must be at least 100, got 10",
    ),
]


@pytest.mark.parametrize(
    ("magic", "name", "body", "message"), BAD_TRANSFORM + BAD_MODELZOO + BAD_DEPLOY + BAD_MONITOR
)
def test_bad_silver_and_gold_input(shell, magic: str, name: str, body: str, message: str) -> None:
    before = set(shell.user_ns)
    result = run(shell, f"%%{magic} {name} --run\n{body}")
    assert isinstance(result.error_in_exec, UsageError)
    assert str(result.error_in_exec) == message
    assert shell.replaced.calls == []
    assert set(shell.user_ns) - before <= {"_", "__", "___"}


@pytest.mark.parametrize(("name", "body", "message"), BAD)
def test_bad_bronze_input(shell, name: str, body: str, message: str) -> None:
    before = set(shell.user_ns)
    result = run(shell, f"%%bronze {name} --run\n{body}")
    assert isinstance(result.error_in_exec, UsageError)
    assert str(result.error_in_exec) == message
    assert shell.replaced.calls == []
    assert set(shell.user_ns) - before <= {"_", "__", "___"}


def test_empty_body_is_refused(shell) -> None:
    result = run(shell, "%%bronze sales\n")
    assert result.error_in_exec is not None
    assert shell.replaced.calls == []


def test_bad_option_on_the_magic_line(shell) -> None:
    result = run(shell, "%%bronze sales --target azure\nsource: /a.csv\nschema: id INT\n")
    assert isinstance(result.error_in_exec, UsageError)
    assert "invalid choice: 'azure'" in str(result.error_in_exec)
    assert shell.replaced.calls == []


def test_error_shows_one_line_and_no_traceback(shell, capsys) -> None:
    run(shell, "%%bronze sales\nsource: /a.csv\nfromat: csv\n")
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text
    assert [line for line in text.splitlines() if line.strip()] == [
        "UsageError: %%bronze: unknown key 'fromat' (did you mean 'format'?); allowed keys: "
        "source, format, options, schema, schema_hints, load, keys, partition_by, cluster_by, comment, owner, "
        "tags, column_tags, properties"
    ]


def test_run_without_spark_says_what_to_do(shell) -> None:
    result = run(shell, "%%bronze sales --run\nsource: /a.csv\nschema: id INT\n")
    assert str(result.error_in_exec) == (
        "--run needs a SparkSession named spark: run %dbx_spark first "
        "(on Databricks, spark is already there)"
    )
    assert shell.replaced.calls == []


def test_pipeline_and_run_do_not_mix(shell) -> None:
    result = run(
        shell, "%%silver sales --pipeline --run --target databricks\nfrom: s\nkeys: [id]\n"
    )
    assert str(result.error_in_exec) == (
        "--run: a Lakeflow pipeline source runs in a pipeline, not in the notebook; "
        "drop --run (or --pipeline)"
    )
    assert shell.replaced.calls == []


def test_pipeline_replaces_the_cell_on_databricks_target(shell) -> None:
    result = run(shell, "%%silver sales --pipeline --target databricks\nfrom: s\nkeys: [id]\n")
    assert result.error_in_exec is None
    text, replace = shell.replaced.calls[0]
    assert replace and "from pyspark import pipelines as dp" in text


@pytest.mark.parametrize("package", ["lightgbm", "xgboost"])
def test_model_whose_library_is_missing(shell, package: str) -> None:
    import importlib.util

    if importlib.util.find_spec(package) is not None:
        pytest.skip(f"{package} is installed here")
    body = f"table: demand\ntarget: units\ntask: regression\nmodels: [{package}]\n"
    result = run(shell, f"%%modelzoo demand\n{body}")
    assert str(result.error_in_exec) == (
        f"%%modelzoo: models[1]: {package} needs the {package} package (pip install {package})"
    )


def test_modelzoo_name_messages(shell) -> None:
    body = "table: t\ntarget: y\ntask: regression\n"
    assert str(run(shell, f"%%modelzoo\n{body}").error_in_exec) == (
        "%%modelzoo: name the model on the magic line, e.g. %%modelzoo demand"
    )
    assert str(run(shell, f"%%modelzoo demand-v2\n{body}").error_in_exec) == (
        "%%modelzoo: NAME: 'demand-v2' is not a valid identifier "
        "(letters, digits and underscores, not starting with a digit)"
    )

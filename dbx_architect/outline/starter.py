"""The requirements file ``dbx-architect new`` writes: every key, with what it means."""

STARTER = """\
# Requirements for dbx-architect outline (or a %%outline cell). Edit, then:
#   dbx-architect outline requirements.yaml -o my_use_case.ipynb   (or .py for Databricks)
use_case: demand forecast          # a few words: the notebook's title
# name: demand_forecast            # names tables, model, experiment (default: from use_case)
# catalog: main                    # default: the configured catalog
sources:                           # each becomes a Bronze and a Silver table
  - name: sales
    path: ./landing/sales/         # files (./..., /Volumes/..., s3://...), or table: raw.sales
    format: csv                    # csv | json | parquet | delta
    schema: store STRING, item STRING, day DATE, units INT, price DOUBLE
    keys: [store, item, day]       # identify a row; Silver MERGEs on them
    # load: full                   # a full snapshot each delivery (default: incremental)
    # role: events                 # entity | events | labels | lookup (inferred when absent)
    # relates: {store: stores}     # foreign keys {column: source} (inferred from known columns)
    # time_col: day                # events: when each happened; labels: when each is known
target: units                      # the column to predict
task: forecast                     # regression | classification | forecast
time_col: day
grain: week                        # day | week | month: Gold aggregates to it
group_by: [store, item]            # Gold's keys besides time (default: the first source's keys)
# entity: accounts                 # classification/regression per entity: its source
# windows: [7, 30, 90]             # days of events aggregated before each cut-off
# labels: churn_labels             # the source (or schema.table) holding target, dated
sla: daily by 06:00 UTC
latency: batch                     # batch | streaming
compliance:
  pii: []                          # columns with personal data: tagged, listed in the checklist
  retention_days: 30               # Delta history and deleted files kept this long
owners:
  data: data-engineering           # owns the tables
  ml: data-science                 # owns the model
  readers: [analysts]              # may read Gold
"""

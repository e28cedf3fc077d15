"""Forms built against a real local Spark catalog: pick, Use, run again, get the expansion."""

from __future__ import annotations

import itertools

import pytest
from conftest import run

from dbx_architect.expand import expand
from dbx_architect.runtime.catalog import spark_lookup
from dbx_architect.settings import DbxArchitect, Settings

pytestmark = pytest.mark.spark
_ids = itertools.count()


@pytest.fixture
def catalog(shell, spark):
    """A bronze and a gold schema of the test's own, with a table each."""
    n = next(_ids)
    bronze, gold = f"bronze_f{n}", f"gold_f{n}"
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {bronze}")
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {gold}")
    spark.sql(
        f"CREATE TABLE {bronze}.sales (store STRING, day DATE, units INT, "
        "_ingested_at TIMESTAMP) USING DELTA"
    )
    spark.sql(f"CREATE TABLE {bronze}.stores (store STRING, region STRING) USING DELTA")
    spark.sql(
        f"CREATE TABLE {gold}.weekly (store STRING, day DATE, units DOUBLE, price DOUBLE) "
        "USING DELTA"
    )
    shell.push({"spark": spark})
    return bronze, gold


def form_of(shell):
    return shell.magics_manager.registry["GenerateMagics"].last_form


def expected(magic: str, name: str, body: str, spark) -> str:
    settings = Settings.from_config(DbxArchitect(), "local")
    return expand(magic, name, name, body, settings, spark_lookup(spark)).cell


def test_silver_form_picks_a_table_and_columns_then_expands(shell, spark, catalog) -> None:
    bronze, _ = catalog
    assert run(shell, "%silver --form").success
    form = form_of(shell)
    assert "spark_catalog" in form.catalog_pick.options
    form.schema_pick.value = bronze
    assert form.table_pick.options == ("", "sales", "stores")
    form.table_pick.value = "sales"
    assert form.fields["keys"].widget.allowed_tags == ["store", "day", "units", "_ingested_at"]
    form.fields["keys"].widget.value = ["store", "day"]
    form.fields["comment"].widget.value = "Daily sales"
    assert form.message.value == ""
    assert "MERGE WITH SCHEMA EVOLUTION INTO" in form.preview.value
    form.use.click()
    assert "run this cell again" in form.message.value
    assert shell.replaced.calls == []  # a widget callback never edits cells

    body = f"from: spark_catalog.{bronze}.sales\nkeys: [store, day]\ncomment: Daily sales"
    assert form.body() == body
    assert run(shell, "%silver --form").success  # the next run expands what was stored
    assert shell.replaced.calls == [(expected("silver", "sales", body, spark), True)]


def test_modelzoo_form_validates_inline(shell, spark, catalog) -> None:
    _, gold = catalog
    run(shell, "%dbx_form modelzoo demand")
    form = form_of(shell)
    assert "choose the table first" in form.message.value and form.use.disabled
    form.schema_pick.value = gold
    form.table_pick.value = "weekly"
    assert form.fields["target"].widget.options == ("", "store", "day", "units", "price")
    form.fields["target"].widget.value = "units"
    form.fields["task"].widget.value = "regression"
    form.fields["metric"].widget.value = "accuracy"
    assert form.message.value == (
        "<span class=\"dbx-form-error\">%%modelzoo: metric: 'accuracy' is not a regression "
        "metric; use one of rmse, mae, r2</span>"
    )
    assert form.use.disabled
    form.fields["metric"].widget.value = "mae"
    form.fields["split"].widget.value = "{method: random, seed: 7}"
    assert not form.use.disabled
    form.use.click()
    body = (
        f"table: spark_catalog.{gold}.weekly\ntarget: units\ntask: regression\n"
        "split: {method: random, seed: 7}\nmetric: mae"
    )
    assert form.body() == body
    run(shell, "%dbx_form modelzoo")
    assert shell.replaced.calls[-1] == (expected("modelzoo", "demand", body, spark), True)


def test_gold_form_takes_several_tables(shell, spark, catalog) -> None:
    bronze, _ = catalog
    run(shell, "%%gold weekly_sales --form\ngrain: week\ntime_col: day\n")
    form = form_of(shell)
    assert form.fields["grain"].widget.value == "week"  # prefilled from the cell body
    form.schema_pick.value = bronze
    form.table_pick.value = ("sales", "stores")
    assert form.fields["time_col"].widget.value == "day"
    form.fields["join"].widget.value = "{on: [store], how: left}"
    form.fields["group_by"].widget.value = ["store", "region"]
    form.fields["aggregates"].widget.value = "{units: sum(units)}"
    assert form.message.value == "", form.message.value
    form.use.click()
    body = (
        f"from: [spark_catalog.{bronze}.sales, spark_catalog.{bronze}.stores]\n"
        "join: {on: [store], how: left}\ngroup_by: [store, region]\ngrain: week\n"
        "time_col: day\naggregates: {units: sum(units)}"
    )
    assert form.body() == body
    run(shell, "%%gold weekly_sales --form\ngrain: week\ntime_col: day\n")
    assert shell.replaced.calls[-1] == (expected("gold", "weekly_sales", body, spark), True)


def test_bronze_form_can_take_a_table_as_its_source(shell, spark, catalog) -> None:
    bronze, _ = catalog
    run(shell, "%bronze sales_copy --form")
    form = form_of(shell)
    form.schema_pick.value = bronze
    form.table_pick.value = "sales"
    form.fields["load"].widget.value = "full"
    assert form.fields["keys"].widget.allowed_tags == ["store", "day", "units", "_ingested_at"]
    form.fields["keys"].widget.value = ["store", "day"]
    assert form.message.value == "", form.message.value
    form.use.click()
    run(shell, "%bronze --form")
    body = f"source: spark_catalog.{bronze}.sales\nload: full\nkeys: [store, day]"
    assert shell.replaced.calls[-1] == (expected("bronze", "sales_copy", body, spark), True)


def test_without_a_session_the_form_takes_typed_names(shell) -> None:
    shell.user_ns.pop("spark", None)
    run(shell, "%bronze landing --form")
    form = form_of(shell)
    assert "no SparkSession" in form.widget.children[1].value
    form.table_text.value = "./landing/sales/"
    form.fields["format"].widget.value = "csv"
    form.fields["schema"].widget.value = "id INT, amount DOUBLE"
    assert form.message.value == "", form.message.value
    form.use.click()
    run(shell, "%bronze landing --form")
    assert shell.replaced.calls[-1][0].startswith("# %%bronze landing\n# source: ./landing/sales/")


def test_form_css_classes_are_stable(shell, spark, catalog) -> None:
    run(shell, "%dbx_form bronze")
    form = form_of(shell)
    assert {"dbx-form", "dbx-form-bronze"} <= set(form.widget._dom_classes)
    assert "dbx-form-use" in form.use._dom_classes
    assert "dbx-form-preview" in form.preview._dom_classes
    assert "dbx-form-table" in form.table_pick._dom_classes
    assert "dbx-form-field-keys" in form.fields["keys"].widget._dom_classes
    assert run(shell, "%dbx_form platinum").error_in_exec is not None


def test_deploy_form_picks_the_scored_table_and_keys(shell, spark, catalog) -> None:
    _, gold = catalog
    run(shell, "%deploy demand --form")
    form = form_of(shell)
    form.schema_pick.value = gold
    form.table_pick.value = "weekly"
    form.fields["keys"].widget.value = ["store", "day"]
    form.fields["model"].widget.value = "demand@challenger"
    assert form.message.value == "", form.message.value
    assert "spark_udf" in form.preview.value
    form.use.click()
    run(shell, "%deploy --form")
    body = f"table: spark_catalog.{gold}.weekly\nmodel: demand@challenger\nkeys: [store, day]"
    assert form.body() == body
    assert shell.replaced.calls[-1] == (expected("deploy", "demand", body, spark), True)


def test_monitor_form_picks_the_scored_table_and_its_time_column(shell, spark, catalog) -> None:
    _, gold = catalog
    run(shell, "%monitor demand --form")
    form = form_of(shell)
    assert form.message.value == "", form.message.value  # every key has a default
    form.schema_pick.value = gold
    form.table_pick.value = "weekly"
    assert form.fields["time_col"].widget.options[1:] == ("store", "day", "units", "price")
    form.fields["time_col"].widget.value = "day"
    form.fields["window"].widget.value = "week"
    form.fields["features"].widget.value = ["units", "price"]
    assert form.message.value == "", form.message.value
    assert "Bucketizer" in form.preview.value
    form.use.click()
    run(shell, "%monitor --form")
    body = form.body()
    assert body == (
        f"table: spark_catalog.{gold}.weekly\ntime_col: day\nwindow: week\nfeatures: [units, price]"
    )
    assert shell.replaced.calls[-1] == (expected("monitor", "demand", body, spark), True)

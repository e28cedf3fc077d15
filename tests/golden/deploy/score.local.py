# %%deploy score
# table: weekly_demand
# keys: [store, item, day]

import mlflow
from mlflow import MlflowClient
from pyspark.sql import functions as F
from pyspark.sql.types import NumericType

client = MlflowClient()
model_name = "score"
source_table = "spark_catalog.gold.weekly_demand"
predictions_table = "spark_catalog.gold.score_predictions"
keys = ["store", "item", "day"]


def version_of(alias):
    """The registered version behind an alias, or one clear message."""
    try:
        return client.get_model_version_by_alias(model_name, alias)
    except mlflow.exceptions.MlflowException:
        raise ValueError(
            f"{model_name} has no @{alias}: register and promote a model first (%%modelzoo)"
        ) from None


def scored_by(model_uri, df, where, carried, result_type):
    """The `carried` columns of df with the model's `prediction`, computed next to the data."""
    info = mlflow.models.get_model_info(model_uri)
    features = info.signature.inputs.input_names()
    missing = [c for c in features if c not in df.columns]
    if missing:
        raise ValueError(f"{where} lacks the model's features: {', '.join(missing)}")
    # The model's inputs as they were logged: numbers as doubles.
    inputs = [
        F.col(c).cast("double").alias(c)
        if isinstance(df.schema[c].dataType, NumericType)
        else F.col(c)
        for c in features
    ]
    if "spark" in info.flavors:
        # A Spark ML pipeline (%%modelzoo engine: spark) transforms the DataFrame on the
        # executors; as a Python UDF it would start a Spark session inside every worker.
        pipeline = mlflow.spark.load_model(model_uri)
        kept = [F.col(c).alias(f"_carried_{i}") for i, c in enumerate(carried)]
        return pipeline.transform(df.select(*kept, *inputs)).select(
            *[F.col(f"_carried_{i}").alias(c) for i, c in enumerate(carried)],
            F.col("prediction").cast(result_type).alias("prediction"),
        )
    predict = mlflow.pyfunc.spark_udf(
        spark, model_uri, result_type=result_type, env_manager="local"
    )
    return df.select(*carried, predict(*inputs).alias("prediction"))


# Score with @champion: the model runs next to the data (no driver loop).
version = version_of("champion")
model_uri = (
    f"models:/{model_name}/{version.version}"  # the exact version that scores, recorded per row
)
df = spark.table(source_table)
carried = [
    *keys,
    *(
        c
        for c in mlflow.models.get_model_info(model_uri).signature.inputs.input_names()
        if c not in keys
    ),
]
scored = (
    scored_by(model_uri, df, source_table, carried, "double")
    .withColumn("model_name", F.lit(model_name))
    .withColumn("model_version", F.lit(str(version.version)))
    .withColumn("model_alias", F.lit("champion"))
    .withColumn("scored_at", F.current_timestamp())
)

# The predictions table: the input keys, then the prediction and which model made it. A batch
# MERGEs on the keys and the model version, so scoring again updates instead of duplicating.
# The model's input columns are kept too: an inference log that %%monitor reads.
carried_columns = ",\n  ".join(
    f"`{f.name}` {f.dataType.simpleString()}" for f in scored.select(*carried).schema
)
spark.sql("CREATE SCHEMA IF NOT EXISTS spark_catalog.gold")
spark.sql(f"""
CREATE TABLE IF NOT EXISTS {predictions_table} (
  {carried_columns},
  prediction DOUBLE,
  model_name STRING,
  model_version STRING,
  model_alias STRING,
  scored_at TIMESTAMP
)
USING DELTA
COMMENT 'Predictions of {model_name}: one row per input key and model version.'
TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true')
""")
existing = {f.name: f.dataType.simpleString() for f in spark.table(predictions_table).schema}
conflicts = [
    f"{f.name} ({f.dataType.simpleString()} here, {existing[f.name]} there)"
    for f in scored.schema
    if f.name in existing and existing[f.name] != f.dataType.simpleString()
]
if conflicts:
    raise ValueError(f"{predictions_table} does not fit these predictions: {'; '.join(conflicts)}")
added = [f for f in scored.schema if f.name not in existing]
if added:  # a new model version with new input columns: they are added, older rows keep NULL
    new_columns = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in added)
    spark.sql(f"ALTER TABLE {predictions_table} ADD COLUMNS ({new_columns})")
scored.createOrReplaceTempView("_deploy_batch")
match = " AND ".join(f"t.`{c}` <=> s.`{c}`" for c in [*keys, "model_name", "model_version"])
columns = ", ".join(f"`{c}`" for c in scored.columns)
values = ", ".join(f"s.`{c}`" for c in scored.columns)
updates = ", ".join(f"t.`{c}` = s.`{c}`" for c in scored.columns)
spark.sql(
    f"MERGE INTO {predictions_table} AS t USING _deploy_batch AS s ON {match} "
    f"WHEN MATCHED THEN UPDATE SET {updates} "
    f"WHEN NOT MATCHED THEN INSERT ({columns}) VALUES ({values})"
)
rows = spark.table(predictions_table).where(F.col("model_version") == str(version.version)).count()
print(f"{predictions_table}: {rows} rows scored by {model_name} v{version.version} (@champion)")

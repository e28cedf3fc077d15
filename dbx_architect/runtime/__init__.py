"""The local runtime: a SparkSession with Delta Lake, a persistent metastore, MLflow on SQLite."""

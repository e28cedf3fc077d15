"""Reader and writer option names generated code may use, each with the page documenting it.

Spark compares option names case-insensitively, and so does the checker. A reader's or
writer's format picks the groups that apply (:data:`FORMATS`); with no ``.format(...)`` in the
chain, a reader may use any reader group and a writer writes Delta (the Databricks default).
"""

from __future__ import annotations

AUTO_LOADER = (
    "https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/options"
)
SPARK = "https://spark.apache.org/docs/latest/"
DELTA_STREAM = "https://docs.databricks.com/aws/en/structured-streaming/delta-lake"
CDF = "https://docs.databricks.com/aws/en/delta/delta-change-data-feed"
IDEMPOTENT = DELTA_STREAM + "#idempotent-table-writes-in-foreachbatch"


def _group(url: str, *names: str) -> dict[str, str]:
    return {name: url for name in names}


GROUPS: dict[str, dict[str, str]] = {
    "cloudFiles": _group(
        AUTO_LOADER,
        "cloudFiles.allowOverwrites", "cloudFiles.backfillInterval", "cloudFiles.format",
        "cloudFiles.includeExistingFiles", "cloudFiles.inferColumnTypes",
        "cloudFiles.maxBytesPerTrigger", "cloudFiles.maxFileAge", "cloudFiles.maxFilesPerTrigger",
        "cloudFiles.partitionColumns", "cloudFiles.schemaEvolutionMode", "cloudFiles.schemaHints",
        "cloudFiles.schemaLocation", "cloudFiles.useStrictGlobber", "cloudFiles.validateOptions",
        "cloudFiles.useNotifications", "cloudFiles.cleanSource",
        "cloudFiles.cleanSource.retentionDuration", "cloudFiles.useManagedFileEvents",
        "cloudFiles.useIncrementalListing", "rescuedDataColumn",
    ),
    "files": _group(
        SPARK + "sql-data-sources-generic-options.html",
        "pathGlobFilter", "recursiveFileLookup", "modifiedBefore", "modifiedAfter",
        "ignoreCorruptFiles", "ignoreMissingFiles",
    ),
    "csv": _group(
        SPARK + "sql-data-sources-csv.html#data-source-option",
        "sep", "delimiter", "encoding", "charset", "quote", "quoteAll", "escape",
        "escapeQuotes", "comment", "header", "inferSchema", "preferDate",
        "enforceSchema", "ignoreLeadingWhiteSpace", "ignoreTrailingWhiteSpace", "nullValue",
        "nanValue", "positiveInf", "negativeInf", "dateFormat", "timestampFormat",
        "timestampNTZFormat", "enableDateTimeParsingFallback", "maxColumns",
        "maxCharsPerColumn", "mode", "columnNameOfCorruptRecord", "multiLine",
        "charToEscapeQuoteEscaping", "samplingRatio", "emptyValue", "locale", "lineSep",
        "unescapedQuoteHandling", "compression",
    ),
    "json": _group(
        SPARK + "sql-data-sources-json.html#data-source-option",
        "timeZone", "primitivesAsString", "prefersDecimal", "allowComments",
        "allowUnquotedFieldNames", "allowSingleQuotes", "allowNumericLeadingZeros",
        "allowBackslashEscapingAnyCharacter", "mode", "columnNameOfCorruptRecord",
        "dateFormat", "timestampFormat", "timestampNTZFormat", "multiLine",
        "allowUnquotedControlChars", "encoding", "lineSep", "samplingRatio",
        "dropFieldIfAllNull", "locale", "allowNonNumericNumbers", "compression",
        "ignoreNullFields", "singleVariantColumn",
    ),
    "parquet": _group(
        SPARK + "sql-data-sources-parquet.html#data-source-option",
        "datetimeRebaseMode", "int96RebaseMode", "mergeSchema", "compression",
    ),
    "delta_read": {
        **_group(CDF, "readChangeFeed", "startingVersion", "endingVersion", "startingTimestamp",
                 "endingTimestamp"),
        **_group(DELTA_STREAM, "maxFilesPerTrigger", "maxBytesPerTrigger", "ignoreDeletes",
                 "ignoreChanges", "skipChangeCommits", "withEventTimeOrder"),
        **_group("https://docs.databricks.com/aws/en/delta/history", "versionAsOf",
                 "timestampAsOf"),
    },  # fmt: skip
    "delta_write": {
        **_group(IDEMPOTENT, "txnAppId", "txnVersion"),
        **_group("https://docs.databricks.com/aws/en/delta/update-schema", "mergeSchema",
                 "overwriteSchema"),
        **_group("https://docs.databricks.com/aws/en/delta/selective-overwrite", "replaceWhere",
                 "partitionOverwriteMode"),
        **_group("https://docs.databricks.com/aws/en/delta/custom-metadata", "userMetadata"),
    },  # fmt: skip
    "stream_write": _group(
        "https://docs.databricks.com/aws/en/structured-streaming/checkpoints",
        "checkpointLocation",
    ),
}  # fmt: skip
FILE_FORMATS = ("csv", "json", "parquet")
READ_GROUPS = ("cloudFiles", "files", *FILE_FORMATS, "delta_read")
FORMATS: dict[tuple[str, str], tuple[str, ...]] = {
    ("read", "cloudFiles"): ("cloudFiles", "files", *FILE_FORMATS),
    **{("read", f): ("files", f) for f in FILE_FORMATS},
    ("read", "delta"): ("delta_read",),
    ("write", "delta"): ("delta_write", "stream_write"),
    **{("write", f): (f, "stream_write") for f in FILE_FORMATS},
}


def known(side: str, fmt: str | None) -> dict[str, str] | None:
    """Option name (lower case) -> documentation page, for a reader or writer of *fmt*;
    None when the format is one the list does not cover (no check then)."""
    if fmt is None:
        groups = READ_GROUPS if side == "read" else FORMATS[("write", "delta")]
    elif (side, fmt) in FORMATS:
        groups = FORMATS[(side, fmt)]
    else:
        return None
    return {name.lower(): url for group in groups for name, url in GROUPS[group].items()}

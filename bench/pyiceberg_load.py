"""PyIceberg side of `npm run bench` (bench/run.js runs it under /usr/bin/time).

    python bench/pyiceberg_load.py load  <file.ndjson> <warehouse-dir> <schema.json> [--partition-day FIELD]
    python bench/pyiceberg_load.py count <warehouse-dir> <ns.name>
    python bench/pyiceberg_load.py count-metadata <vN.metadata.json>

`load` does what a PyIceberg user would: pyarrow.json.read_json with the table's Arrow schema ->
a SqlCatalog (sqlite) table with the same Iceberg schema -> table.append, PyIceberg's defaults
otherwise (zstd Parquet, like floe). It prints one JSON line with its phase timings.
`count` is kept out of the timed process on purpose: it scans the table back so a failed or
partial append cannot pass for a fast one. `count-metadata` does the same for a floe table.
"""

import json
import sys
import time


def _catalog(warehouse):
    from pyiceberg.catalog.sql import SqlCatalog

    return SqlCatalog("bench", uri=f"sqlite:///{warehouse}/catalog.db", warehouse=f"file://{warehouse}")


def _count(table):
    # One narrow column is enough to count rows through a real scan (manifests -> Parquet files).
    return table.scan(selected_fields=("unique_key",)).to_arrow().num_rows


def load(ndjson, warehouse, schema_path, partition_day=None):
    t0 = time.perf_counter()
    import pyarrow.json as pj
    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.schema import Schema
    from pyiceberg.transforms import DayTransform

    with open(schema_path, encoding="utf-8") as f:
        schema = Schema.model_validate_json(f.read())
    arrow_schema = schema.as_arrow()
    t_import = time.perf_counter()

    table_in = pj.read_json(
        ndjson,
        parse_options=pj.ParseOptions(explicit_schema=arrow_schema, unexpected_field_behavior="error"),
    )
    # read_json drops the not-null flags and field ids; cast back so required columns stay required.
    table_in = table_in.cast(arrow_schema)
    t_read = time.perf_counter()

    spec = PartitionSpec()
    if partition_day:
        source = schema.find_field(partition_day)
        spec = PartitionSpec(
            PartitionField(source_id=source.field_id, field_id=1000, transform=DayTransform(), name=f"{partition_day}_day")
        )
    catalog = _catalog(warehouse)
    catalog.create_namespace("bench")
    name = "bench.nyc311_pyiceberg" + ("_day" if partition_day else "")
    table = catalog.create_table(name, schema=schema, partition_spec=spec)
    t_create = time.perf_counter()

    table.append(table_in)
    t_append = time.perf_counter()

    summary = table.current_snapshot().summary
    print(
        json.dumps(
            {
                "table": name,
                "rows_in": table_in.num_rows,
                "added_records": int(summary["added-records"]),
                "added_files": int(summary["added-data-files"]),
                "added_bytes": int(summary["added-files-size"]),
                "import_s": t_import - t0,
                "read_json_s": t_read - t_import,
                "create_s": t_create - t_read,
                "append_s": t_append - t_create,
                "metadata_location": table.metadata_location,
            }
        )
    )


def count(warehouse, name):
    print(json.dumps({"rows": _count(_catalog(warehouse).load_table(name))}))


def count_metadata(metadata_location):
    from pyiceberg.table import StaticTable

    print(json.dumps({"rows": _count(StaticTable.from_metadata(metadata_location))}))


def main(argv):
    if len(argv) >= 4 and argv[0] == "load":
        day = None
        if "--partition-day" in argv:
            day = argv[argv.index("--partition-day") + 1]
        load(argv[1], argv[2], argv[3], day)
    elif len(argv) == 3 and argv[0] == "count":
        count(argv[1], argv[2])
    elif len(argv) == 2 and argv[0] == "count-metadata":
        count_metadata(argv[1])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

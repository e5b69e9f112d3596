"""Independent readers for floe's interop tests.

One invocation does one job and prints one JSON document on stdout:

    python readers.py <command> '<json options>'

Commands
  pyiceberg-scan  {"table": path, "filter"?: str, "columns"?: [str], "snapshot_id"?: str}
  duckdb-scan     {"table": path, "columns"?: [str], "where"?: sql}
  scan-both       {"table": path, "duckdb_table"?: path}  -> {"pyiceberg": …, "duckdb": …}
  plan-files      {"table": path, "filter"?: str}
  plan-check      {"table": path, "filter": str}  -> all files, kept files, each file's rows
  parquet-meta    {"path": data file}  -> field ids, physical/logical types, codecs, encodings
  avro-schema     {"path": file, "records"?: bool}
  pyiceberg-write {"warehouse": dir, "identifier": "ns.t", "schema": iceberg schema json,
                   "partition"?: [{"source": name, "transform": str, "name": str}],
                   "properties"?: {...}, "appends": [[row, ...], ...]}   (harness self-test only)

`table` is a metadata JSON path or a table directory with metadata/version-hint.text.

Values are printed in a canonical, type-exact form chosen by the ICEBERG type of the column
(read from the table metadata), so that the TypeScript side can derive the same form from the
values floe wrote and compare exactly:
  boolean -> true/false      int -> JSON number       long -> decimal string
  float/double -> JSON number; "NaN", "Infinity", "-Infinity", "-0" for the special values
  decimal(P,S) -> decimal string of the UNSCALED integer (value * 10^S)
  date -> JSON number of days since 1970-01-01
  time -> string of microseconds since midnight
  timestamp/timestamptz -> string of microseconds since 1970-01-01T00:00:00Z
  string -> string   uuid -> canonical lower-case 8-4-4-4-12   fixed/binary -> lower-case hex
  struct -> object by field name   list -> array   map -> array of [key, value] pairs in file order
  null -> null
Arrays are converted column-wise through Arrow casts, not through Python datetime objects, so
timestamps outside Python's year 1..9999 range and int64 extremes stay exact.
"""

from __future__ import annotations

import json
import math
import os
import sys
import uuid
from decimal import Decimal
from typing import Any

MAX_SAFE = 2**53 - 1


def fail(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.exit(3)


# ---------------------------------------------------------------- canonical values


def canon_float(x: float | None) -> Any:
    if x is None:
        return None
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0.0 and math.copysign(1.0, x) < 0:
        return "-0"
    return x


def unscaled(d: Decimal | None, scale: int) -> Any:
    if d is None:
        return None
    sign, digits, exponent = d.as_tuple()
    if not isinstance(exponent, int):
        return f"<non-finite decimal {d}>"
    n = int("".join(map(str, digits)) or "0")
    shift = exponent + scale
    if shift >= 0:
        n = n * 10**shift
    else:
        q, r = divmod(n, 10 ** (-shift))
        if r != 0:
            return f"<decimal {d} does not fit scale {scale}>"
        n = q
    return str(-n if sign else n)


def to_micros(arr: Any) -> list[Any]:
    """time64/timestamp arrays of any unit -> micros as int (exact or an error marker)."""
    import pyarrow as pa

    unit = arr.type.unit
    # Casting to int64 yields the stored instant (UTC for zoned timestamps), whatever the zone.
    values = arr.cast(pa.int64()).to_pylist()
    factor = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": None}[unit]
    out: list[Any] = []
    for v in values:
        if v is None:
            out.append(None)
        elif factor is None:
            out.append(str(v // 1000) if v % 1000 == 0 else f"<{v}ns not whole micros>")
        else:
            out.append(str(v * factor))
    return out


def canon_uuid(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, (bytes, bytearray)):
        return str(uuid.UUID(bytes=bytes(v)))
    return str(uuid.UUID(str(v)))


def canon_array(itype: Any, arr: Any) -> list[Any]:
    """One Arrow array (not chunked) -> canonical Python values, directed by the Iceberg type."""
    import pyarrow as pa
    from pyiceberg import types as T

    if isinstance(arr.type, pa.ExtensionType):
        # e.g. arrow.uuid: the storage (fixed_size_binary(16)) carries the value.
        arr = arr.storage
    if isinstance(itype, T.BooleanType):
        return arr.to_pylist()
    if isinstance(itype, T.IntegerType):
        return arr.cast(pa.int64()).to_pylist()
    if isinstance(itype, T.LongType):
        return [None if v is None else str(v) for v in arr.cast(pa.int64()).to_pylist()]
    if isinstance(itype, (T.FloatType, T.DoubleType)):
        return [canon_float(v) for v in arr.to_pylist()]
    if isinstance(itype, T.DecimalType):
        return [unscaled(v, itype.scale) for v in arr.to_pylist()]
    if isinstance(itype, T.DateType):
        if pa.types.is_date64(arr.type):
            return [None if v is None else v // 86_400_000 for v in arr.cast(pa.int64()).to_pylist()]
        return arr.cast(pa.int32()).to_pylist()
    if isinstance(itype, (T.TimeType, T.TimestampType, T.TimestamptzType)):
        return to_micros(arr)
    if isinstance(itype, T.StringType):
        if pa.types.is_binary(arr.type) or pa.types.is_large_binary(arr.type):
            return [None if v is None else v.decode("utf-8") for v in arr.to_pylist()]
        return arr.to_pylist()
    if isinstance(itype, T.UUIDType):
        return [canon_uuid(v) for v in arr.to_pylist()]
    if isinstance(itype, (T.FixedType, T.BinaryType)):
        return [None if v is None else bytes(v).hex() for v in arr.to_pylist()]
    if isinstance(itype, T.StructType):
        valid = arr.is_valid().to_pylist()
        children = {}
        for f in itype.fields:
            children[f.name] = canon_array(f.field_type, arr.field(f.name))
        return [
            {name: children[name][i] for name in children} if valid[i] else None for i in range(len(arr))
        ]
    if isinstance(itype, T.ListType):
        values = canon_array(itype.element_type, arr.values)
        offsets = arr.offsets.to_pylist()
        valid = arr.is_valid().to_pylist()
        return [values[offsets[i] : offsets[i + 1]] if valid[i] else None for i in range(len(arr))]
    if isinstance(itype, T.MapType):
        keys = canon_array(itype.key_type, arr.keys)
        items = canon_array(itype.value_type, arr.items)
        offsets = arr.offsets.to_pylist()
        valid = arr.is_valid().to_pylist()
        return [
            [[keys[j], items[j]] for j in range(offsets[i], offsets[i + 1])] if valid[i] else None
            for i in range(len(arr))
        ]
    return [f"<unsupported iceberg type {itype}>"] * len(arr)


def canon_table(iceberg_schema: Any, table: Any) -> dict[str, Any]:
    """An Arrow table whose columns are named like top-level Iceberg fields -> canonical rows."""
    columns: dict[str, list[Any]] = {}
    arrow_types: dict[str, str] = {}
    for name in table.column_names:
        field = iceberg_schema.find_field(name)
        chunked = table.column(name)
        arr = chunked.combine_chunks() if chunked.num_chunks != 1 else chunked.chunk(0)
        if chunked.num_chunks == 0:
            import pyarrow as pa

            arr = pa.array([], type=chunked.type)
        columns[name] = canon_array(field.field_type, arr)
        arrow_types[name] = str(chunked.type)
    rows = [{name: columns[name][i] for name in table.column_names} for i in range(table.num_rows)]
    return {"columns": table.column_names, "arrowTypes": arrow_types, "rows": rows}


# ---------------------------------------------------------------- readers


def static_table(location: str) -> Any:
    from pyiceberg.table import StaticTable

    return StaticTable.from_metadata(location)


def pyiceberg_scan(opts: dict[str, Any]) -> dict[str, Any]:
    table = static_table(opts["table"])
    kwargs: dict[str, Any] = {}
    if opts.get("filter"):
        kwargs["row_filter"] = opts["filter"]
    if opts.get("columns"):
        kwargs["selected_fields"] = tuple(opts["columns"])
    if opts.get("snapshot_id") is not None:
        kwargs["snapshot_id"] = int(opts["snapshot_id"])
    arrow = table.scan(**kwargs).to_arrow()
    out = canon_table(table.schema(), arrow)
    out["metadataLocation"] = table.metadata_location
    return out


def duckdb_connect() -> Any:
    """DuckDB with the iceberg + avro extensions from the duckdb-ext-* wheels, never the network."""
    import duckdb
    import duckdb_ext  # namespace package installed by the duckdb-ext-iceberg / -avro wheels

    ext_dir = os.path.join(list(duckdb_ext.__path__)[0], "extensions")
    con = duckdb.connect(
        config={
            "autoinstall_known_extensions": "false",
            "autoload_known_extensions": "false",
            "allow_community_extensions": "false",
        }
    )
    # DuckDB looks for <extension_directory>/v<version>/<platform>/<name>.duckdb_extension:
    # exactly the layout the wheels ship. The files are signed, so unsigned loading stays off.
    con.execute("SET extension_directory = ?", [ext_dir])
    con.execute("LOAD avro")
    con.execute("LOAD iceberg")
    con.execute("SET TimeZone = 'UTC'")
    return con


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def duckdb_scan(opts: dict[str, Any]) -> dict[str, Any]:
    location = opts["table"]
    # The schema (for canonical typing) comes from the same metadata DuckDB reads.
    schema = static_table(location).schema()
    con = duckdb_connect()
    cols = ", ".join(quote_ident(c) for c in opts["columns"]) if opts.get("columns") else "*"
    sql = f"SELECT {cols} FROM iceberg_scan(?)"
    if opts.get("where"):
        sql += f" WHERE {opts['where']}"
    rel = con.execute(sql, [location])
    arrow = rel.fetch_arrow_table() if hasattr(rel, "fetch_arrow_table") else rel.arrow()
    out = canon_table(schema, arrow)
    out["duckdbTypes"] = {d[0]: str(d[1]) for d in (con.execute(f"DESCRIBE {sql}", [location]).fetchall())}
    return out


def scan_both(opts: dict[str, Any]) -> dict[str, Any]:
    """Both readers in one process (saves a Python start-up per comparison)."""
    return {
        "pyiceberg": pyiceberg_scan({"table": opts["table"]}),
        "duckdb": duckdb_scan({"table": opts.get("duckdb_table") or opts["table"]}),
    }


def plan_files(opts: dict[str, Any]) -> dict[str, Any]:
    table = static_table(opts["table"])
    kwargs: dict[str, Any] = {}
    if opts.get("filter"):
        kwargs["row_filter"] = opts["filter"]
    tasks = table.scan(**kwargs).plan_files()
    return {"files": sorted(t.file.file_path for t in tasks)}


def plan_check(opts: dict[str, Any]) -> dict[str, Any]:
    """plan_files with and without the filter, plus every file's own rows (read with pyarrow
    directly, bypassing Iceberg) so the caller can work out which files really hold matches."""
    import pyarrow.parquet as pq

    table = static_table(opts["table"])
    schema = table.schema()
    all_files = sorted(t.file.file_path for t in table.scan().plan_files())
    kept = sorted(t.file.file_path for t in table.scan(row_filter=opts["filter"]).plan_files())
    rows_by_file = {}
    for path in all_files:
        rows_by_file[path] = canon_table(schema, pq.read_table(local_path(path)))["rows"]
    return {"all": all_files, "kept": kept, "rowsByFile": rows_by_file}


def local_path(path: str) -> str:
    from urllib.parse import unquote

    return unquote(path[len("file://") :]) if path.startswith("file://") else path


def parquet_meta(opts: dict[str, Any]) -> dict[str, Any]:
    """What a Parquet reader sees in one data file: field ids, physical/logical types, codecs."""
    import pyarrow.parquet as pq

    f = pq.ParquetFile(local_path(opts["path"]))
    md = f.metadata
    columns = []
    for i in range(len(f.schema)):
        c = f.schema.column(i)
        columns.append(
            {
                "path": c.path,
                "physicalType": c.physical_type,
                "logicalType": str(c.logical_type),
                "convertedType": c.converted_type,
                "maxDefinitionLevel": c.max_definition_level,
            }
        )
    field_ids = {}
    for field in f.schema_arrow:
        meta = field.metadata or {}
        fid = meta.get(b"PARQUET:field_id")
        field_ids[field.name] = int(fid) if fid is not None else None
    codecs = sorted({md.row_group(r).column(c).compression for r in range(md.num_row_groups) for c in range(md.num_columns)})
    encodings = {}
    for c in range(md.num_columns):
        name = md.row_group(0).column(c).path_in_schema if md.num_row_groups else str(c)
        encodings[name] = sorted({e for r in range(md.num_row_groups) for e in md.row_group(r).column(c).encodings})
    return {
        "numRows": md.num_rows,
        "numRowGroups": md.num_row_groups,
        "createdBy": md.created_by,
        "columns": columns,
        "fieldIds": field_ids,
        "codecs": codecs,
        "encodings": encodings,
        "keyValueMetadata": {k.decode(): v.decode("utf-8", "replace") for k, v in (md.metadata or {}).items()},
    }


def jsonable(v: Any) -> Any:
    """Avro records -> JSON; ints beyond 2^53 become strings so JavaScript keeps them exact."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v if -MAX_SAFE <= v <= MAX_SAFE else str(v)
    if isinstance(v, float):
        return canon_float(v)
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).hex()
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return str(v)


def avro_schema(opts: dict[str, Any]) -> dict[str, Any]:
    import fastavro

    with open(opts["path"], "rb") as f:
        reader = fastavro.reader(f)
        metadata = {}
        for k, raw in reader.metadata.items():
            if isinstance(raw, (bytes, bytearray)):
                try:
                    metadata[k] = raw.decode("utf-8")
                except UnicodeDecodeError:
                    metadata[k] = "hex:" + raw.hex()
            else:
                metadata[k] = raw
        records = [jsonable(r) for r in reader]
    out: dict[str, Any] = {
        # writer_schema is fastavro's parse of the header; rawSchema is the header JSON verbatim.
        "writerSchema": reader.writer_schema,
        "rawSchema": json.loads(metadata["avro.schema"]),
        "metadata": metadata,
        "codec": reader.codec,
        "recordCount": len(records),
    }
    if opts.get("records"):
        out["records"] = records
    return out


# ---------------------------------------------------------------- self-test writer


def pyiceberg_write(opts: dict[str, Any]) -> dict[str, Any]:
    """Writes a table with PyIceberg itself, so the readers can be proven before floe writes."""
    import pyarrow as pa
    from pyiceberg.catalog.sql import SqlCatalog
    from pyiceberg.io.pyarrow import schema_to_pyarrow
    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.schema import Schema
    from pyiceberg.transforms import parse_transform

    warehouse = opts["warehouse"]
    os.makedirs(warehouse, exist_ok=True)
    catalog = SqlCatalog("selftest", uri=f"sqlite:///{warehouse}/catalog.db", warehouse=f"file://{warehouse}")
    ns, name = opts["identifier"].rsplit(".", 1)
    catalog.create_namespace_if_not_exists(ns)
    schema = Schema.model_validate(opts["schema"])
    spec_fields = []
    for i, p in enumerate(opts.get("partition", [])):
        source = schema.find_field(p["source"])
        spec_fields.append(
            PartitionField(source_id=source.field_id, field_id=1000 + i, transform=parse_transform(p["transform"]), name=p["name"])
        )
    table = catalog.create_table(
        f"{ns}.{name}",
        schema=schema,
        partition_spec=PartitionSpec(*spec_fields),
        properties=opts.get("properties", {}),
    )
    arrow_schema = schema_to_pyarrow(schema, include_field_ids=False)
    for rows in opts["appends"]:
        columns = {f.name: [decode_input(f.field_type, r.get(f.name)) for r in rows] for f in schema.fields}
        table.append(pa.Table.from_pydict(columns, schema=arrow_schema))
    return {"metadataLocation": table.metadata_location, "location": table.location()}


def decode_input(itype: Any, v: Any) -> Any:
    """The canonical form (as printed above) -> the Python value PyArrow wants (self-test only)."""
    import datetime as dt
    from pyiceberg import types as T

    if v is None:
        return None
    if isinstance(itype, (T.FloatType, T.DoubleType)):
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf, "-0": -0.0}.get(v, v) if isinstance(v, str) else float(v)
    if isinstance(itype, T.LongType):
        return int(v)
    if isinstance(itype, T.DecimalType):
        return Decimal(f"{int(v)}E-{itype.scale}")  # exact: no 28-digit context rounding
    if isinstance(itype, T.DateType):
        return dt.date(1970, 1, 1) + dt.timedelta(days=v)
    if isinstance(itype, T.TimeType):
        us = int(v)
        return dt.time(us // 3_600_000_000, us // 60_000_000 % 60, us // 1_000_000 % 60, us % 1_000_000)
    if isinstance(itype, T.TimestampType):
        return dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=int(v))
    if isinstance(itype, T.TimestamptzType):
        return dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=int(v))
    if isinstance(itype, T.UUIDType):
        return uuid.UUID(v).bytes
    if isinstance(itype, (T.FixedType, T.BinaryType)):
        return bytes.fromhex(v)
    if isinstance(itype, T.StructType):
        return {f.name: decode_input(f.field_type, v.get(f.name)) for f in itype.fields}
    if isinstance(itype, T.ListType):
        return [decode_input(itype.element_type, x) for x in v]
    if isinstance(itype, T.MapType):
        return [(decode_input(itype.key_type, k), decode_input(itype.value_type, x)) for k, x in v]
    return v


COMMANDS = {
    "pyiceberg-scan": pyiceberg_scan,
    "duckdb-scan": duckdb_scan,
    "scan-both": scan_both,
    "plan-files": plan_files,
    "plan-check": plan_check,
    "parquet-meta": parquet_meta,
    "avro-schema": avro_schema,
    "pyiceberg-write": pyiceberg_write,
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        fail(f"usage: readers.py <{'|'.join(COMMANDS)}> '<json options>'  (options also accepted on stdin)")
    raw = sys.argv[2] if len(sys.argv) > 2 else sys.stdin.read()
    result = COMMANDS[sys.argv[1]](json.loads(raw) if raw.strip() else {})
    sys.stdout.write(json.dumps(result, ensure_ascii=False, allow_nan=False))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

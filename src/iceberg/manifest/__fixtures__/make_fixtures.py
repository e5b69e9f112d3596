"""Regenerates the PyIceberg-written manifests that pyiceberg.test.ts reads.

Run: .cache/venv/bin/python src/iceberg/manifest/__fixtures__/make_fixtures.py
Writes pyiceberg-list.avro (the second snapshot's manifest list) and pyiceberg-m<N>.avro (its
manifests, in list order), plus expected.json describing what they must decode to.
"""
import datetime
import decimal
import json
import os
import shutil
import tempfile

import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.io.pyarrow import PyArrowFileIO
from pyiceberg.manifest import read_manifest_list
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import IdentityTransform
from pyiceberg.types import DecimalType, LongType, NestedField, StringType, TimestamptzType

HERE = os.path.dirname(os.path.abspath(__file__))
work = tempfile.mkdtemp()
catalog = SqlCatalog("fx", uri=f"sqlite:///{work}/cat.db", warehouse=f"file://{work}/wh")
catalog.create_namespace("db")
schema = Schema(
    NestedField(1, "id", LongType(), required=True),
    NestedField(2, "created", TimestamptzType(), required=False),
    NestedField(3, "borough", StringType(), required=False),
    NestedField(4, "amount", DecimalType(9, 2), required=False),
)
spec = PartitionSpec(
    # Identity only: PyIceberg needs the pyiceberg-core wheel (not installed) for other transforms on append.
    PartitionField(source_id=2, field_id=1000, transform=IdentityTransform(), name="created"),
    PartitionField(source_id=3, field_id=1001, transform=IdentityTransform(), name="borough"),
    PartitionField(source_id=1, field_id=1002, transform=IdentityTransform(), name="id"),
    PartitionField(source_id=4, field_id=1003, transform=IdentityTransform(), name="amount"),
)
table = catalog.create_table("db.t", schema=schema, partition_spec=spec)
arrow_schema = schema.as_arrow()
utc = datetime.timezone.utc


def batch(ids, days, boroughs, amounts):
    return pa.Table.from_pydict(
        {
            "id": ids,
            "created": [None if d is None else datetime.datetime(2024, 3, 1, 12, tzinfo=utc) + datetime.timedelta(days=d) for d in days],
            "borough": boroughs,
            "amount": [None if a is None else decimal.Decimal(a) for a in amounts],
        },
        schema=arrow_schema,
    )


table.append(batch([1, 2], [0, 0], ["QUEENS", "QUEENS"], ["1.50", "1.50"]))
table.append(batch([3, 9007199254740993], [-400, None], ["BRONX", None], ["-2.25", None]))
table = catalog.load_table("db.t")
snap = table.current_snapshot()
io = PyArrowFileIO()
shutil.copyfile(snap.manifest_list.replace("file://", ""), os.path.join(HERE, "pyiceberg-list.avro"))
expected = {"snapshot_id": str(snap.snapshot_id), "sequence_number": snap.sequence_number, "manifests": []}
for i, m in enumerate(read_manifest_list(io.new_input(snap.manifest_list))):
    shutil.copyfile(m.manifest_path.replace("file://", ""), os.path.join(HERE, f"pyiceberg-m{i}.avro"))
    entries = []
    for e in m.fetch_manifest_entry(io, discard_deleted=False):
        p = e.data_file.partition
        entries.append(
            {
                "status": int(e.status),
                "snapshot_id": str(e.snapshot_id),
                "sequence_number": e.sequence_number,
                "record_count": e.data_file.record_count,
                # created is micros since epoch (int), amount a Decimal: both as strings for JSON.
                "partition": [None if p[0] is None else str(p[0]), p[1], str(p[2]), None if p[3] is None else str(p[3])],
            }
        )
    entries.sort(key=lambda x: int(x["partition"][2]))
    expected["manifests"].append(
        {
            "added_snapshot_id": str(m.added_snapshot_id),
            "sequence_number": m.sequence_number,
            "added_files_count": m.added_files_count,
            "entries": entries,
        }
    )
with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
shutil.rmtree(work)

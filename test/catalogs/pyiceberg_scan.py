"""Loads a table through a PyIceberg catalog (rest, glue) or from a metadata file, scans it, and
prints {"rows": [[id, name], ...], "snapshots": n, "metadata_location": ...} as JSON.
Options come as JSON on stdin: {"properties": {...catalog properties...}, "table": "ns.t"} or
{"metadata": "<metadata json location>"}."""
import json
import sys

from pyiceberg.catalog import load_catalog
from pyiceberg.table import StaticTable

opts = json.load(sys.stdin)
if "metadata" in opts:
    table = StaticTable.from_metadata(opts["metadata"])
else:
    catalog = load_catalog("floe_test", **opts["properties"])
    table = catalog.load_table(opts["table"])
rows = table.scan().to_arrow().to_pylist()
out = sorted([[r["id"], r["name"]] for r in rows], key=lambda r: r[0])
print(json.dumps({
    "rows": out,
    "snapshots": len(table.metadata.snapshots),
    "metadata_location": table.metadata_location,
}))

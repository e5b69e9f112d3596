"""Regenerates the fastavro-written container files that container.test.ts reads.

Run: .cache/venv/bin/python src/iceberg/avro/__fixtures__/make_fixtures.py
"""
import os
import struct
import zlib

import fastavro
import fastavro._write_py as fastavro_py
import pyarrow as pa

# The venv has no cramjam: give fastavro's pure-Python writer a snappy block writer built on
# pyarrow's raw snappy. Avro's snappy framing is the compressed block + big-endian CRC32 of the input.
def _snappy_block(encoder, block_bytes, compression_level):
    data = pa.compress(block_bytes, codec="snappy", asbytes=True)
    encoder.write_long(len(data) + 4)
    encoder._fo.write(data)
    encoder._fo.write(struct.pack(">I", zlib.crc32(block_bytes) & 0xFFFFFFFF))


fastavro_py.BLOCK_WRITERS["snappy"] = _snappy_block

HERE = os.path.dirname(os.path.abspath(__file__))

SCHEMA = {
    "type": "record",
    "name": "thing",
    "fields": [
        {"name": "id", "type": "long", "field-id": 1},
        {"name": "name", "type": ["null", "string"], "default": None, "field-id": 2},
        {"name": "tags", "type": {"type": "map", "values": "long"}, "field-id": 3},
        {"name": "blob", "type": "bytes", "field-id": 4},
        {"name": "score", "type": "double", "field-id": 5},
        {
            "name": "pairs",
            "type": {
                "type": "array",
                "logicalType": "map",
                "items": {
                    "type": "record",
                    "name": "k6_v7",
                    "fields": [
                        {"name": "key", "type": "int", "field-id": 6},
                        {"name": "value", "type": "long", "field-id": 7},
                    ],
                },
            },
            "field-id": 8,
        },
    ],
}


def records():
    for i in range(300):
        yield {
            "id": (-1) ** i * (2**62 + i * 7919),
            "name": None if i % 3 == 0 else "ünïcødé-%d" % i,
            "tags": {"a": i, "b": -(2**63)},
            "blob": bytes([i % 256, 0, 255]),
            "score": i / 8.0,
            "pairs": [{"key": i, "value": 2**63 - 1}],
        }


for codec in ("null", "deflate", "snappy"):
    path = os.path.join(HERE, "fastavro-%s.avro" % codec)
    with open(path, "wb") as out:
        fastavro_py.writer(
            out,
            fastavro.parse_schema(SCHEMA),
            records(),
            codec=codec,
            sync_interval=2000,
            metadata={"iceberg.test": "from fastavro"},
        )

"""Validates the JSON document on stdin against a JSON schema file (argv[1]).

Prints one JSON object per violation ({"path": ..., "message": ...}) and exits 1 when there is any,
0 when the document is valid. Used by test/deploy/compose.test.ts.
"""
import json
import sys

from jsonschema import Draft7Validator


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    Draft7Validator.check_schema(schema)
    doc = json.load(sys.stdin)
    errors = sorted(Draft7Validator(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errors:
        print(json.dumps({"path": "/".join(str(p) for p in e.absolute_path), "message": e.message}))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

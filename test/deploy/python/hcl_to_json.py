"""Parses every *.tf file of a directory (argv[1]) with python-hcl2 and prints one JSON object:
{"<file name>": <python-hcl2's dict of that file>}. Used by test/deploy/terraform.test.ts.

With python-hcl2 8.x: string literals come without their quotes, expressions as "${...}" strings
(e.g. "${aws_s3_bucket.lake.arn}"), blocks as lists of dicts (a labelled block as
{label: {label2: body}}), comments dropped.
"""
import json
import os
import sys

import hcl2
from hcl2 import SerializationOptions

OPTIONS = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)


def main() -> int:
    root = sys.argv[1]
    out = {}
    for name in sorted(os.listdir(root)):
        if name.endswith(".tf"):
            with open(os.path.join(root, name), encoding="utf-8") as f:
                out[name] = hcl2.load(f, serialization_options=OPTIONS)
    json.dump(out, sys.stdout, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())

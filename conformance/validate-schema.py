#!/usr/bin/env python3
"""Validates every fixture, case and client case of the suite against its JSON Schema (draft 2020-12).

Usage: validate-schema.py PROJECT_DIR. Exit 0 all valid, 1 an invalid file (each printed with the
JSON pointer of the error), 77 when the jsonschema package is missing (ctest SKIP).
The C loader (`ecsconf run --list`) checks more than the schema can (fixture references, captures
defined before use, capabilities of control steps); this script keeps the schema honest for editors.
"""
import glob
import json
import os
import sys

if len(sys.argv) != 2 or sys.argv[1] in ("--help", "-h"):
    print(__doc__.strip())
    sys.exit(0 if sys.argv[1:] in (["--help"], ["-h"]) else 2)

try:
    import jsonschema
except ImportError:
    print("SKIP: python3 has no jsonschema package")
    sys.exit(77)


def main(root):
    failures = 0
    count = 0
    for folder, schema_name in (("fixtures", "fixture.schema.json"), ("conformance", "case.schema.json"),
                                ("client-cases", "client-case.schema.json")):
        with open(os.path.join(root, folder, schema_name), encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        for path in sorted(glob.glob(os.path.join(root, folder, "**", "*.json"), recursive=True)):
            if path.endswith(".schema.json"):
                continue
            count += 1
            with open(path, encoding="utf-8") as f:
                try:
                    doc = json.load(f)
                except json.JSONDecodeError as e:
                    print(f"{path}:{e.lineno}:{e.colno}: {e.msg}")
                    failures += 1
                    continue
            for error in validator.iter_errors(doc):
                pointer = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in error.absolute_path)
                print(f"{path}: {pointer or '/'}: {error.message[:300]}")
                failures += 1
    print(f"{count} files checked, {failures} schema errors")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

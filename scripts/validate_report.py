#!/usr/bin/env python3
"""Validates pyinspect JSON reports against docs/report.schema.json (section schemas under docs/schema/).

Usage: validate_report.py REPORT.json [...]   Exit 0 when every report is valid; one line per problem otherwise.
"""
import json
import os
import sys

import jsonschema
from jsonschema.validators import Draft202012Validator

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs")


def load_schema():
    with open(os.path.join(DOCS, "report.schema.json")) as handle:
        schema = json.load(handle)
    store = {}
    section_dir = os.path.join(DOCS, "schema")
    if os.path.isdir(section_dir):
        for name in sorted(os.listdir(section_dir)):
            if name.endswith(".json"):
                with open(os.path.join(section_dir, name)) as handle:
                    section = json.load(handle)
                store[section.get("$id", name)] = section
                store[name] = section
    return schema, store


def _validator(schema, store):
    try:
        from referencing import Registry, Resource
        registry = Registry().with_resources(
            [(uri, Resource.from_contents(contents)) for uri, contents in store.items()])
        return Draft202012Validator(schema, registry=registry)
    except ImportError:
        resolver = jsonschema.RefResolver.from_schema(schema, store=store)
        return Draft202012Validator(schema, resolver=resolver)


def main(paths):
    schema, store = load_schema()
    Draft202012Validator.check_schema(schema)
    validator = _validator(schema, store)
    # `pyinspect diff --json` writes {"diff": {...}}: checked against docs/schema/diff.schema.json (services).
    diff_validator = _validator({"$ref": "https://pyinspect.dev/schema/diff.schema.json"}, store)
    failures = 0
    for path in paths:
        with open(path) as handle:
            report = json.load(handle)
        chosen = diff_validator if isinstance(report, dict) and set(report) == {"diff"} else validator
        for error in chosen.iter_errors(report.get("diff", report) if chosen is diff_validator else report):
            failures += 1
            where = "/".join(str(part) for part in error.absolute_path) or "(root)"
            print(f"{path}: {where}: {error.message}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

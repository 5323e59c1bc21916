"""The published JSON Schema matches the models, and real output validates against it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from reportkit import extract
from reportkit.models import ErrorRecord, output_schema

SCHEMA = Path(__file__).parent.parent / "schema" / "report.schema.json"


def test_published_schema_is_current():
    assert json.loads(SCHEMA.read_text()) == output_schema(), "run: reportkit schema -o schema/report.schema.json"


def test_output_and_error_records_validate(captions):
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    for item in captions.values():
        validator.validate(json.loads(extract(item["text"], item["id"]).model_dump_json()))
    validator.validate(json.loads(ErrorRecord(source="a.jsonl", line=3, error="not valid JSON").model_dump_json()))
    bad = json.loads(extract("Calcific tendinitis.").model_dump_json())
    bad["findings"][0]["kind"] = "stone"
    assert list(validator.iter_errors(bad))

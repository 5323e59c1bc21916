"""Examples shown at the end of every command's ``--help``, as ruff and sqlite-utils show theirs.

One table for the whole command line, so a new command without an example is caught by one test
(tests/test_cli_polish.py) and the examples can be read together.
"""

from __future__ import annotations

import typer

# command path (as typed after ``reportkit``; "" is the top level) -> example command lines
EXAMPLES: dict[str, tuple[str, ...]] = {
    "": ("reportkit extract examples/shoulder_mri.txt",
         "reportkit lint examples/draft_shoulder.txt",
         "reportkit audit run audit-run examples/archive/archive.jsonl.gz"),
    "extract": ("reportkit extract examples/shoulder_mri.txt",
                "reportkit extract examples/reports.jsonl --format table",
                "reportkit extract reports/ --workers 2 -o findings.jsonl"),
    "eval": ("reportkit eval tests/gold/corpus.gold.jsonl --split work --by source --by category --confusion",
             "reportkit eval tests/gold/corpus.gold.jsonl --split work --misses"),
    "audit-sample": ("reportkit audit-sample corpus_mri.jsonl corpus_us.jsonl --out review.csv --seed 1",),
    "audit-score": ("reportkit audit-score review.csv --json",),
    "advice-sample": ("reportkit advice-sample corpus.jsonl -o advice.csv --per-type 20",),
    "advice-score": ("reportkit advice-score advice.csv",),
    "advice-show": ("reportkit advice-show advice.csv 3 7 --corpus corpora/",),
    "report": ("reportkit report examples/shoulder_mri.txt",
               "reportkit report examples/knee_radiograph.txt -f html -o knee.html",
               "reportkit report examples/reports.jsonl -f fhir -o fhir/"),
    "terms": ("reportkit terms", "reportkit terms tendinitis", "reportkit terms M11.0"),
    "lint": ("reportkit lint examples/draft_shoulder.txt",
             "reportkit lint drafts/ --fix --show-fixes",
             "reportkit lint drafts/ --statistics",
             "reportkit lint - --fix < draft.txt > fixed.txt",
             "reportkit lint drafts/ --format sarif --fail-on error > lint.sarif"),
    "rule": ("reportkit rule --all", "reportkit rule RK301", "reportkit rule laterality-conflict"),
    "schema": ("reportkit schema -o report.schema.json",),
    "postprocess": ("reportkit postprocess examples/draft_knee_postprocess.txt --format text",
                    "reportkit postprocess draft.txt --exam '{\"modality\": \"MR\", \"side\": \"right\"}' --fhir"),
    "serve": ("reportkit serve --port 8000",
              "REPORTKIT_TOKEN=secret reportkit serve --host 0.0.0.0 --workers 4"),
    "audit": ("reportkit audit run audit-run examples/archive/archive.jsonl.gz",
              "reportkit audit summary audit-run",
              "reportkit audit query audit-run \"SELECT count(*) FROM reports\""),
    "audit run": ("reportkit audit run audit-run examples/archive/archive.jsonl.gz",
                  "reportkit audit run audit-run archive.csv --columns id=ACC,text=REPORT -q",
                  "reportkit audit run audit-run archive/ --engine dask --scheduler tcp://10.0.0.5:8786"),
    "audit query": ("reportkit audit query audit-run \"SELECT diagnosis, count(*) FROM findings GROUP BY 1\"",),
    "audit tables": ("reportkit audit tables audit-run",),
    "audit export": ("reportkit audit export audit-run --format csv -o audit-csv",),
    "audit summary": ("reportkit audit summary audit-run -o qa/",),
}


def examples_epilog(path: str) -> str | None:
    """The ``Examples:`` block of the command at ``path``, its brackets escaped for rich markup."""
    lines = EXAMPLES.get(path)
    return "Examples:\n" + "\n".join(f"  {line}".replace("[", "\\[") for line in lines) if lines else None


def add_examples(app: typer.Typer, path: str = "") -> None:
    """Put each command's examples at the end of its ``--help`` (the app's registered commands and groups)."""
    app.info.epilog = examples_epilog(path)
    for command in app.registered_commands:
        name = command.name or command.callback.__name__.lower().replace("_", "-")
        command.epilog = examples_epilog(f"{path} {name}".strip())
    for group in app.registered_groups:
        add_examples(group.typer_instance, f"{path} {group.name}".strip())

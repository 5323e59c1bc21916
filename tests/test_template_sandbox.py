"""User templates are code from outside: they get plain data, a sandbox that cannot change it,
and bounds on what they may build; every refused template is a usage error (exit 2)."""

from __future__ import annotations

import jinja2
import pytest
from typer.testing import CliRunner

from reportkit.cli import app
from reportkit.render.templates import environment

runner = CliRunner()
REPORT = ("RIGHT SHOULDER RADIOGRAPHS. FINDINGS: Amorphous calcific deposit in the supraspinatus tendon, 8 mm. "
          "No calcification in the subscapularis tendon.")
PLAIN = (str, int, float, bool, type(None), dict, list)


def run_template(tmp_path, body: str, fmt: str = "text"):
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    name = {"text": "report.txt.j2", "md": "report.md.j2", "html": "report.html.j2"}[fmt]
    (folder / name).write_text(body + "\n")
    return runner.invoke(app, ["report", "-", "--format", fmt, "--templates", str(folder)], input=REPORT)


def test_a_pickle_payload_through_a_model_method_is_refused(tmp_path):
    marker = tmp_path / "pwned.txt"
    payload = ('{{ report.parse_raw("cposix\\nsystem\\n(S\'id > ' + str(marker)
               + '\'\\ntR.", proto="pickle", allow_pickle=True) }}')
    result = run_template(tmp_path, payload)
    assert result.exit_code == 2
    assert not marker.exists()


@pytest.mark.parametrize("expression", [
    'report.parse_file("/etc/hostname")', "report.model_dump()", "report.schema_json()",
    "items[0].finding.model_copy()", "items[0].assessment.json()", "items[0].mentions[0].construct()",
    "report.result.findings[0].model_validate_json('{}')",
])
def test_no_model_method_is_reachable(tmp_path, expression):
    result = run_template(tmp_path, "{{ " + expression + " }}")
    assert result.exit_code == 2, result.stdout


def test_every_value_and_callable_a_template_can_reach_is_plain_data(tmp_path, monkeypatch):
    contexts = []
    generate = jinja2.Template.generate

    def recording(self, *args, **kwargs):
        contexts.append(kwargs)
        return generate(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Template, "generate", recording)
    for fmt in ("text", "md", "html"):
        result = runner.invoke(app, ["report", "-", "--format", fmt], input=REPORT)
        assert result.exit_code == 0, result.stderr
    assert len(contexts) == 3 and contexts[0]["items"], "the report has a deposit to render"
    sandbox = environment(None)
    callables: set[tuple[str, str]] = set()
    stack = [value for context in contexts for value in context.values()]
    while stack:
        value = stack.pop()
        assert isinstance(value, PLAIN), type(value)
        for name in dir(value):
            attribute = getattr(value, name)
            if callable(attribute) and sandbox.is_safe_attribute(value, name, attribute):
                callables.add((type(value).__name__, name))
        if isinstance(value, dict):
            stack += [*value.keys(), *value.values()]
        elif isinstance(value, list):
            stack += value
    # only the read-only methods of builtin types remain: nothing that changes data, reads files or runs code
    changing = {"append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "popitem", "sort",
                "reverse"}
    assert {name for _, name in callables} & changing == set()
    assert {kind for kind, _ in callables} <= {"str", "int", "float", "bool", "NoneType", "dict", "list"}


@pytest.mark.parametrize("body", [
    '{{ "x" * 10**9 }}',
    "{{ range(10**7) | list | length }}",
    '{{ "x" | center(10**9) }}',
    '{% macro grow(s, n) %}{{ grow(s ~ s, n - 1) if n else s | length }}{% endmacro %}{{ grow("x", 40) }}',
    "{% macro again() %}{{ again() }}{% endmacro %}{{ again() }}",
    "{{ ((10 ** 10) ** 64) ** 64 }}",
    '{% for i in range(100000) %}{% for j in range(100) %}xxxxxxxxxx{% endfor %}{% endfor %}',
    '{{ (["y" * 4000000] * 2) | join("") }}',
    '{{ 2 | join("") }}',
    '{% set ns = namespace(s="x") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}',
])
def test_templates_that_grow_without_bound_or_fail_are_usage_errors(tmp_path, body):
    result = run_template(tmp_path, body)
    assert result.exit_code == 2, result.stdout[:200]
    assert "template" in result.stderr


def test_a_normal_user_template_still_renders(tmp_path):
    body = ("{{ report.id }}: {% for it in items %}{{ it.finding.text }} ({{ it.finding.site }}, "
            "{{ it.finding.laterality }}){% endfor %}; negatives {{ negatives | length }}")
    result = run_template(tmp_path, body)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("stdin: calcific deposit (supraspinatus")
    assert "right" in result.stdout and "negatives 1" in result.stdout

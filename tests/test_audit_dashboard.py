"""The audit summary: figures from the store, and a dashboard that renders offline in Chromium."""

from __future__ import annotations

import subprocess

from test_audit_engine import archive, local_store  # noqa: F401 - shared fixtures
from typer.testing import CliRunner

from reportkit.cli.audit import audit_app

runner = CliRunner()


def test_summary_prints_figures_and_writes_a_dashboard_without_report_text(local_store, tmp_path):  # noqa: F811
    result = runner.invoke(audit_app, ["summary", str(local_store), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "reports: 120" in result.stdout and "Deposits by kind: present, negated and hedged:" in result.stdout
    html = (tmp_path / "dashboard.html").read_text(encoding="utf-8")
    assert "The joint space is preserved" not in html  # report text never reaches the dashboard
    assert "RK201" in html and "http://" not in html.split("<script>")[0]


def test_dashboard_renders_its_charts_in_headless_chromium(local_store, tmp_path, chromium):  # noqa: F811
    browser = chromium
    assert runner.invoke(audit_app, ["summary", str(local_store), "-o", str(tmp_path)]).exit_code == 0
    page = tmp_path / "dashboard.html"
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
             "--disable-background-networking", "--disable-component-update", "--enable-logging=stderr", "--v=0",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000"]
    done = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=180)
    charts = done.stdout.count('js-plotly-plot')
    assert charts >= 5
    assert done.stdout.count('class="main-svg"') >= charts  # plotly drew each chart
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert not console, console

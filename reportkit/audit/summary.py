"""Audit figures by SQL over the store, printed as text and drawn as a self-contained HTML dashboard.

A *finding* here is a present deposit: one the report affirms, neither negated nor hedged (hypothetical
mentions are queries and never make a deposit). Negated and hedged deposits are counted beside them,
never as findings. Every chart and axis is labelled in words; codes appear only after the words.

Rates over time go by the month of the study date the readers carry (``reports.exam_date``); reports
without one are counted separately and said so. The dashboard embeds plotly.js inline (opens offline),
draws each chart once the page is laid out and redraws it when its box changes size. It shows report
ids for drill-down, never report text. Radiograph correlation reads the ``correlations`` table that
each run fills (:mod:`reportkit.audit.radiographs`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from reportkit import __version__
from reportkit.audit.store import Store

# each deposit's assertion: negated (every mention says absent), hedged (every mention hedges), else present
ASSERTED = ("(SELECT *, CASE WHEN negated THEN 'negated' WHEN coalesce((data::JSON->>'uncertain')::BOOLEAN, false) "
            "THEN 'hedged' ELSE 'present' END AS assertion FROM deposits)")
ASSERTIONS = ("present", "negated", "hedged")
PRESENT = f"(SELECT * FROM {ASSERTED} WHERE assertion = 'present')"
# the exam's modality, as radiograph correlation reads it: the archive's, else the one the text names
EXAM_MODALITY = "coalesce(archive_modality, CASE WHEN len(modality) = 1 THEN modality[1] END)"
CORRELATED_MODALITIES = "('MRI', 'ultrasound')"
# each report's correlation over its present deposits' mentions (one verdict per exam, so they agree)
REPORT_CORRELATION = (
    "SELECT d.rid, CASE WHEN bool_or(c.status = 'not_correlated') THEN 'not_correlated' "
    "WHEN bool_or(c.status = 'unknown') THEN 'unknown' ELSE 'correlated' END AS status "
    f"FROM {PRESENT} d JOIN correlations c ON c.rid = d.rid AND list_contains(d.findings, c.finding_idx) GROUP BY 1")
DRILL_LIMIT = 50  # report ids listed per row

KIND_WORDS = {"foreign_body": "foreign body"}
LOCATION_WORDS = {"soft_tissue": "soft tissue", "articular": "joint (articular)", "other": "other location",
                  None: "location not stated"}
DIAGNOSIS_WORDS = {
    "HADD": "calcific tendinopathy (HADD)", "CPPD": "CPPD crystal deposition",
    "calcinosis_SSc": "calcinosis in systemic sclerosis", "calcinosis_dermatomyositis": "calcinosis in dermatomyositis",
    "other": "another diagnosis",
}
MODALITY_WORDS = {"MRI": "MRI", "CT": "CT", "nuclear_medicine": "nuclear medicine"}
CORRELATION_WORDS = {"correlated": "radiograph found", "not_correlated": "no radiograph in the window",
                     "unknown": "could not be checked (metadata missing)"}


def words(value: str | None, table: dict | None = None) -> str:
    """A stored value as words: from ``table`` when it names it, else its underscores as spaces."""
    if table and value in table:
        return table[value]
    return "not stated" if value is None else str(value).replace("_", " ")


@dataclass
class Chart:
    """One chart: categories along x, one or more named series of values, all labelled in words.

    ``hover`` gives each series' per-point detail (e.g. "3 of 12 reports"); ``note`` what the chart leaves
    out (reports without a study date, deposits without a diagnosis).
    """

    title: str
    x_title: str
    y_title: str
    x: list[str]
    series: dict[str, list[float | int | None]]
    kind: Literal["bar", "line"] = "bar"
    note: str = ""
    hover: dict[str, list[str]] = field(default_factory=dict)

    def rows(self, series: str | None = None) -> list[tuple[str, float | int | None]]:
        """(category, value) of one series (the first by default)."""
        values = self.series[series or next(iter(self.series))]
        return list(zip(self.x, values, strict=True))


@dataclass
class Summary:
    """The audit's figures: headline numbers, charts, drill-down rows of report ids, the run that made them."""

    headline: dict[str, float | int | None]
    charts: list[Chart]
    drill_down: dict[str, list[tuple[str, int, list[str]]]] = field(default_factory=dict)
    run: dict[str, str] = field(default_factory=dict)

    def chart(self, title: str) -> Chart:
        """The chart with this title (KeyError if there is none)."""
        for chart in self.charts:
            if chart.title == title:
                return chart
        raise KeyError(title)


def terminology_codes() -> list[str]:
    """The codes of the lint rules about terminology (reportkit.lint.rules.terminology)."""
    import reportkit.lint.rules  # noqa: F401 - registers the rules
    from reportkit.lint.registry import rules

    return [code for code, rule in rules().items() if rule.check.__module__.endswith(".terminology")]


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _count_chart(con, title: str, x_title: str, sql: str, labels: dict | None = None, y_title: str = "reports",
                 note: str = "") -> Chart:
    rows = con.execute(sql).fetchall()
    return Chart(title, x_title, y_title, [words(k, labels) for k, _ in rows], {y_title: [int(v) for _, v in rows]},
                 note=note)


def _by_assertion(con, title: str, x_title: str, column: str, labels: dict | None) -> Chart:
    """Deposits by ``column``, one series per assertion (present first)."""
    rows = con.execute(f"SELECT {column} AS k, assertion, count(*) FROM {ASSERTED} GROUP BY 1, 2").fetchall()
    counts: dict[str | None, dict[str, int]] = {}
    for key, assertion, n in rows:
        counts.setdefault(key, dict.fromkeys(ASSERTIONS, 0))[assertion] = int(n)
    keys = sorted(counts, key=lambda k: (-counts[k]["present"], -sum(counts[k].values()), str(k)))
    return Chart(title, x_title, "deposits", [words(k, labels) for k in keys],
                 {a: [counts[k][a] for k in keys] for a in ASSERTIONS})


def _headline(con, terminology: str) -> dict[str, float | int | None]:
    def one(sql: str):
        return con.execute(sql).fetchone()[0]

    reports = one("SELECT count(*) FROM reports")
    with_present = one(f"SELECT count(DISTINCT rid) FROM {PRESENT}")
    assertions = dict(con.execute(f"SELECT assertion, count(*) FROM {ASSERTED} GROUP BY 1").fetchall())
    followed = one(f"SELECT count(DISTINCT rid) FROM recommendations WHERE rid IN (SELECT rid FROM {PRESENT})")
    misuse = one(f"SELECT count(DISTINCT rid) FROM diagnostics WHERE code IN {terminology}")
    return {
        "reports": reports,
        "records that could not be read": one("SELECT count(*) FROM errors"),
        "reports with a finding (a present deposit)": with_present,
        "present deposits (affirmed, not hedged)": assertions.get("present", 0),
        "negated deposits (said to be absent)": assertions.get("negated", 0),
        "hedged deposits (possible, not affirmed)": assertions.get("hedged", 0),
        "reports with terminology misuse (%)": _percent(misuse, reports),
        "reports with a finding given a follow-up recommendation (%)": _percent(followed, with_present),
        "reports skipped by the pre-filter (%)": _percent(one("SELECT count(*) FROM reports WHERE prefiltered"),
                                                          reports),
        "reports without a study date": one("SELECT count(*) FROM reports WHERE exam_date IS NULL"),
    }


def _monthly_rate(rows: list[tuple], months: list[str]) -> tuple[list[float | None], list[str], tuple[int, int]]:
    """Per month: the share (%), its hover text, and the (part, whole) of the undated reports."""
    by_month = {month: (int(part), int(whole)) for month, part, whole in rows}
    shares = [_percent(*by_month.get(m, (0, 0))) for m in months]
    hover = [f"{by_month.get(m, (0, 0))[0]} of {by_month.get(m, (0, 0))[1]} reports" for m in months]
    return shares, hover, by_month.get(None, (0, 0))


def _undated_note(part: int, whole: int, undated: int, what: str) -> str:
    if not undated:
        return ""
    return f"{undated} reports have no study date and are counted separately: among them, {part} of {whole} {what}."


def _rates_over_time(con, terminology: str, has_correlations: bool, undated: int) -> list[Chart]:
    months = [m for (m,) in con.execute("SELECT DISTINCT strftime(exam_date, '%Y-%m') FROM reports "
                                        "WHERE exam_date IS NOT NULL ORDER BY 1").fetchall()]
    month = "strftime(r.exam_date, '%Y-%m')"
    charts = []
    if has_correlations:
        # MRI/US reports with a present MSK deposit; lacking: a mention of one has no radiograph in the window
        rows = con.execute(f"""
            WITH checked AS (
              SELECT r.rid, {month} AS month, bool_or(coalesce(c.status = 'not_correlated', false)) AS lacking
              FROM reports r JOIN {PRESENT} d ON d.rid = r.rid AND d.scope = 'msk'
              LEFT JOIN correlations c ON c.rid = d.rid AND list_contains(d.findings, c.finding_idx)
              WHERE {EXAM_MODALITY} IN {CORRELATED_MODALITIES} GROUP BY 1, 2)
            SELECT month, count(*) FILTER (WHERE lacking), count(*) FROM checked GROUP BY 1""").fetchall()
        shares, hover, undated_rate = _monthly_rate(rows, months)
        charts.append(Chart(
            "MRI and ultrasound reports with an MSK finding that lack radiograph correlation, by month",
            "month of study", "share of reports (%)", months, {"lacking radiograph correlation": shares},
            kind="line", hover={"lacking radiograph correlation": hover},
            note=_undated_note(*undated_rate, undated, "MRI/US reports with an MSK finding lack "
                                                   "radiograph correlation")))
    rows = con.execute(f"""
        SELECT {month}, count(*) FILTER (WHERE rid IN (SELECT rid FROM diagnostics WHERE code IN {terminology})),
               count(*) FROM reports r GROUP BY 1""").fetchall()
    shares, hover, undated_rate = _monthly_rate(rows, months)
    charts.append(Chart(
        "Reports with terminology misuse, by month", "month of study", "share of reports (%)", months,
        {"with terminology misuse": shares}, kind="line", hover={"with terminology misuse": hover},
        note=_undated_note(*undated_rate, undated, "reports have terminology misuse")))
    return charts


def compute_summary(store: Store) -> Summary:
    """Run every figure's query over the store."""
    import reportkit.lint.rules  # noqa: F401 - registers the rules
    from reportkit.lint.registry import rules

    con = store.con
    codes = terminology_codes()
    terminology = "(" + ", ".join(f"'{c}'" for c in codes) + ")" if codes else "(NULL)"
    has_correlations = "correlations" in store.tables()
    rule_words = {code: f"{rule.name.replace('-', ' ')} ({code})" for code, rule in rules().items()}
    undated = con.execute("SELECT count(*) FROM reports WHERE exam_date IS NULL").fetchone()[0]
    no_diagnosis = con.execute(f"SELECT count(*) FROM {PRESENT} WHERE diagnosis IS NULL").fetchone()[0]

    charts = [
        *_rates_over_time(con, terminology, has_correlations, undated),
        _by_assertion(con, "Deposits by kind: present, negated and hedged", "kind of deposit", "kind", KIND_WORDS),
        _by_assertion(con, "Deposits by location: present, negated and hedged", "location", "location_category",
                      LOCATION_WORDS),
        _count_chart(con, "Present deposits by diagnosis", "diagnosis",
                     f"SELECT diagnosis, count(*) FROM {PRESENT} WHERE diagnosis IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1",
                     DIAGNOSIS_WORDS, y_title="present deposits",
                     note=f"{no_diagnosis} present deposits name no diagnosis and are not shown." if no_diagnosis else ""),
        _count_chart(con, "Reports by modality named in the text", "modality",
                     "SELECT m, count(*) FROM (SELECT unnest(modality) AS m FROM reports) GROUP BY 1 ORDER BY 2 DESC, 1",
                     MODALITY_WORDS),
        _count_chart(con, "Reports by month of study", "month of study",
                     "SELECT strftime(exam_date, '%Y-%m'), count(*) FROM reports WHERE exam_date IS NOT NULL "
                     "GROUP BY 1 ORDER BY 1", note=f"{undated} reports without a study date are not shown." if undated else ""),
        _count_chart(con, "Lint diagnostics by rule", "lint rule",
                     "SELECT code, count(*) FROM diagnostics GROUP BY 1 ORDER BY 2 DESC, 1", rule_words,
                     y_title="diagnostics"),
        _count_chart(con, "Reports given each follow-up recommendation", "recommendation",
                     "SELECT rec_id, count(DISTINCT rid) FROM recommendations GROUP BY 1 ORDER BY 2 DESC, 1"),
    ]
    drill = {
        "Reports per lint rule": _drill(con, "SELECT code, count(DISTINCT rid), list(DISTINCT report_id "
                                             "ORDER BY report_id) FROM diagnostics GROUP BY 1 ORDER BY 1", rule_words),
        "Reports per recommendation": _drill(con, "SELECT rec_id, count(DISTINCT rid), list(DISTINCT report_id "
                                                  "ORDER BY report_id) FROM recommendations GROUP BY 1 ORDER BY 1"),
    }
    if has_correlations:
        charts.append(_count_chart(
            con, "Radiograph correlation of MRI/US reports with a finding", "radiograph correlation",
            f"SELECT status, count(*) FROM ({REPORT_CORRELATION}) GROUP BY 1 ORDER BY 1", CORRELATION_WORDS))
        drill["Reports with a finding without radiograph correlation"] = _drill(
            con, f"SELECT c.status, count(*), list(r.id ORDER BY r.id) FROM ({REPORT_CORRELATION}) c "
                 "JOIN reports r USING (rid) WHERE c.status <> 'correlated' GROUP BY 1 ORDER BY 1",
            CORRELATION_WORDS)
    run = con.execute("SELECT version, lexicon_checksum, max(ended)::VARCHAR FROM runs GROUP BY 1, 2 "
                      "ORDER BY 3 DESC NULLS LAST LIMIT 1").fetchone()
    info = {"version": run[0], "lexicon checksum": run[1][:12], "last run ended": str(run[2])} if run else {}
    return Summary(_headline(con, terminology), [c for c in charts if c.x], drill, info)


def _drill(con, sql: str, labels: dict | None = None) -> list[tuple[str, int, list[str]]]:
    """(label, count, ids) rows; the SQL gives the ids as a list, since an id may hold spaces."""
    return [(words(k, labels), int(n), list(ids or [])[:DRILL_LIMIT]) for k, n, ids in con.execute(sql).fetchall()]


def format_summary(summary: Summary) -> str:
    """The figures as plain text."""
    out = [f"{name}: {'-' if value is None else value}" for name, value in summary.headline.items()]
    for chart in summary.charts:
        out.append(f"\n{chart.title}:")
        names = list(chart.series)
        out.append(f"  {chart.x_title:<48} " + " ".join(f"{n:>12}" for n in names))
        for i, label in enumerate(chart.x):
            values = ("-" if chart.series[n][i] is None else chart.series[n][i] for n in names)
            out.append(f"  {label:<48} " + " ".join(f"{v:>12}" for v in values))
        if chart.note:
            out.append(f"  ({chart.note})")
    return "\n".join(out)


LONG_LABEL = 14  # characters: a bar chart with a longer label lies horizontally
CHART_HEIGHT = 380  # px; the page reserves it, so drawing a chart never moves the others
SERIES_COLOURS = {"present": "#1f77b4", "negated": "#b0b0b0", "hedged": "#f0a030"}


def _figure(chart: Chart) -> dict:
    """The chart as plotly figure JSON: no fixed width, so it takes its box's width when drawn.

    Bars with long labels (lint rules, recommendations, diagnoses) lie horizontally, so the labels read across.
    """
    import plotly.graph_objects as go

    across = chart.kind == "bar" and max(len(label) for label in chart.x) > LONG_LABEL
    categories = {"title": {"text": chart.x_title}, "automargin": True, "type": "category"}
    values = {"title": {"text": chart.y_title}, "automargin": True, "rangemode": "tozero"}
    figure = go.Figure()
    for name, series in chart.series.items():
        common = {"name": name, "hovertext": chart.hover.get(name)}
        if chart.kind == "line":
            figure.add_trace(go.Scatter(x=chart.x, y=series, mode="lines+markers", connectgaps=False, **common))
        elif across:
            figure.add_trace(go.Bar(x=series, y=chart.x, orientation="h", marker_color=SERIES_COLOURS.get(name),
                                    **common))
        else:
            figure.add_trace(go.Bar(x=chart.x, y=series, marker_color=SERIES_COLOURS.get(name), **common))
    # the title and note are the page's own (they wrap); the figure keeps its axis titles
    figure.update_layout(
        autosize=True, height=CHART_HEIGHT, barmode="group", showlegend=len(chart.series) > 1,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "xanchor": "left"},
        margin={"l": 60, "r": 20, "t": 30, "b": 40},
        xaxis=values if across else categories,
        yaxis={**categories, "autorange": "reversed"} if across else values)
    return json.loads(figure.to_json())


def write_dashboard(summary: Summary, target: Path) -> Path:
    """Write a self-contained HTML dashboard (plotly.js inline, no network)."""
    from jinja2 import Environment, PackageLoader, select_autoescape
    from markupsafe import Markup
    from plotly.offline import get_plotlyjs

    env = Environment(loader=PackageLoader("reportkit.templates", "."), autoescape=select_autoescape(["j2", "html"]))
    # inside <script type="application/json">: "</" must not close the element
    figures = json.dumps([_figure(c) for c in summary.charts]).replace("</", "<\\/")
    html = env.get_template("audit_dashboard.html.j2").render(
        summary=summary, figures=Markup(figures), chart_height=CHART_HEIGHT, limit=DRILL_LIMIT, plotly_js=Markup(get_plotlyjs()),
        version=__version__, generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
    # written beside the target and renamed: a full disk leaves the previous dashboard whole, never half of one
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_text(html, encoding="utf-8")
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target

"""Audit figures by SQL over the store, printed as text and drawn as a self-contained HTML dashboard.

Every figure is a query below; the dashboard embeds plotly.js inline (opens offline) and shows
report ids for drill-down, never report text. Radiograph correlation reads the ``correlations``
table that each run fills (:mod:`reportkit.audit.radiographs`; rid, finding_idx, status:
correlated | not_correlated | unknown, radiograph_accession).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from reportkit import __version__
from reportkit.audit.store import Store

FINDINGS = "findings WHERE NOT is_query"
COUNTS = {
    "Findings by kind": f"SELECT kind, count(*) FROM {FINDINGS} GROUP BY 1 ORDER BY 2 DESC, 1",
    "Findings by location": f"SELECT coalesce(location_category, 'unknown'), count(*) FROM {FINDINGS} "
                            "GROUP BY 1 ORDER BY 2 DESC, 1",
    "Findings by diagnosis": f"SELECT coalesce(diagnosis, 'none'), count(*) FROM {FINDINGS} GROUP BY 1 "
                             "ORDER BY 2 DESC, 1",
    "Reports by modality named": "SELECT m, count(*) FROM (SELECT unnest(modality) AS m FROM reports) "
                                 "GROUP BY 1 ORDER BY 2 DESC, 1",
    "Reports by month": "SELECT coalesce(strftime(exam_date, '%Y-%m'), 'no date'), count(*) FROM reports "
                        "GROUP BY 1 ORDER BY 1",
    "Lint diagnostics by code": "SELECT code || ' ' || name, count(*) FROM diagnostics GROUP BY 1 ORDER BY 2 DESC, 1",
    "Follow-up recommendations": "SELECT rec_id, count(DISTINCT rid) FROM recommendations GROUP BY 1 ORDER BY 2 DESC, 1",
}
RATES = {
    "reports": "SELECT count(*) FROM reports",
    "errors": "SELECT count(*) FROM errors",
    "reports with a finding": "SELECT count(*) FROM reports WHERE n_findings > 0",
    "findings": f"SELECT count(*) FROM {FINDINGS}",
    "negated findings (%)": f"SELECT round(100 * avg(negated::INT), 1) FROM {FINDINGS}",
    "hedged findings (%)": f"SELECT round(100 * avg(uncertain::INT), 1) FROM {FINDINGS}",
    "reports skipped by the pre-filter (%)": "SELECT round(100 * avg(prefiltered::INT), 1) FROM reports",
    "reports with terminology misuse (%)": "SELECT round(100 * count(DISTINCT d.rid) / nullif((SELECT count(*) "
                                           "FROM reports), 0), 1) FROM diagnostics d WHERE code LIKE 'RK2%'",
    "reports with a finding given a follow-up recommendation (%)":
        "SELECT round(100 * count(DISTINCT r.rid) / nullif((SELECT count(*) FROM reports WHERE n_findings > 0), 0), 1)"
        " FROM recommendations r",
}
DRILL_DOWN = {
    "Reports per lint code": "SELECT code, count(DISTINCT rid), string_agg(DISTINCT report_id, ' ' ORDER BY "
                             "report_id) FROM diagnostics GROUP BY 1 ORDER BY 1",
    "Reports per recommendation": "SELECT rec_id, count(DISTINCT rid), string_agg(DISTINCT report_id, ' ' ORDER BY "
                                  "report_id) FROM recommendations GROUP BY 1 ORDER BY 1",
}
CORRELATION = ("SELECT status, count(*) FROM correlations GROUP BY 1 ORDER BY 1",
               "SELECT c.status, count(DISTINCT c.rid), string_agg(DISTINCT r.id, ' ' ORDER BY r.id) FROM "
               "correlations c JOIN reports r USING (rid) WHERE c.status <> 'correlated' GROUP BY 1 ORDER BY 1")
DRILL_LIMIT = 50  # report ids listed per row


@dataclass
class Summary:
    """The audit's figures: headline numbers, counts to chart, drill-down rows of report ids."""

    headline: dict[str, float | int | None]
    counts: dict[str, list[tuple[str, int]]]
    drill_down: dict[str, list[tuple[str, int, list[str]]]] = field(default_factory=dict)
    run: dict[str, str] = field(default_factory=dict)


def compute_summary(store: Store) -> Summary:
    """Run every figure's query over the store."""
    con = store.con
    headline = {name: con.execute(sql).fetchone()[0] for name, sql in RATES.items()}
    counts = {name: [(str(k), int(v)) for k, v in con.execute(sql).fetchall()] for name, sql in COUNTS.items()}
    drill = {name: [(str(k), int(n), (ids or "").split()[:DRILL_LIMIT]) for k, n, ids in con.execute(sql).fetchall()]
             for name, sql in DRILL_DOWN.items()}
    if "correlations" in store.tables():
        counts["Radiograph correlation of MRI/US findings"] = [
            (str(k), int(v)) for k, v in con.execute(CORRELATION[0]).fetchall()]
        drill["Findings without radiograph correlation"] = [
            (str(k), int(n), (ids or "").split()[:DRILL_LIMIT]) for k, n, ids in con.execute(CORRELATION[1]).fetchall()]
    run = con.execute("SELECT version, lexicon_checksum, max(ended)::VARCHAR FROM runs GROUP BY 1, 2 "
                      "ORDER BY 3 DESC NULLS LAST LIMIT 1").fetchone()
    info = {"version": run[0], "lexicon checksum": run[1][:12], "last run ended": str(run[2])} if run else {}
    return Summary(headline, counts, drill, info)


def format_summary(summary: Summary) -> str:
    """The figures as plain text."""
    out = [f"{name}: {'-' if value is None else value}" for name, value in summary.headline.items()]
    for name, rows in summary.counts.items():
        out.append(f"\n{name}:")
        out += [f"  {label:<40} {count:>8}" for label, count in rows] or ["  (none)"]
    return "\n".join(out)


def _bar(title: str, rows: list[tuple[str, int]]) -> str:
    import plotly.graph_objects as go

    figure = go.Figure(go.Bar(x=[r[0] for r in rows], y=[r[1] for r in rows]))
    figure.update_layout(title=title, height=360, margin={"l": 50, "r": 20, "t": 50, "b": 100})
    return figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})


def write_dashboard(summary: Summary, target: Path) -> Path:
    """Write a self-contained HTML dashboard (plotly.js inline, no network)."""
    from jinja2 import Environment, PackageLoader, select_autoescape
    from markupsafe import Markup
    from plotly.offline import get_plotlyjs

    env = Environment(loader=PackageLoader("reportkit.templates", "."), autoescape=select_autoescape(["j2", "html"]))
    charts = [Markup(_bar(name, rows)) for name, rows in summary.counts.items() if rows]
    html = env.get_template("audit_dashboard.html.j2").render(
        summary=summary, charts=charts, limit=DRILL_LIMIT, plotly_js=Markup(get_plotlyjs()), version=__version__,
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
    target.write_text(html, encoding="utf-8")
    return target

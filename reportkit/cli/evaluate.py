"""`reportkit eval`: score the pipeline (or given predictions) against a gold JSONL file."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from reportkit.cli.common import LexiconOption, lexicon_arg, usage_error


def _print_table(summary: dict, with_modality: bool) -> None:
    typer.echo(f"items: {summary['items']}")
    typer.echo(f"{'mentions':<22}{'P':>8}{'R':>8}{'F1':>8}{'TP':>6}{'FP':>6}{'FN':>6}")
    rows = [("untyped", summary["mentions_untyped"]), ("typed", summary["mentions_typed"])]
    rows += [(f"  {k}", v) for k, v in summary["typed_by_kind"].items()]
    for name, s in rows:
        typer.echo(f"{name:<22}{s['precision']:>8.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}"
                   f"{s['tp']:>6}{s['fp']:>6}{s['fn']:>6}")
    typer.echo(f"{'attribute':<22}{'accuracy':>10}{'n':>8}")
    for name, a in summary["attributes"].items():
        typer.echo(f"{name:<22}{a['accuracy']:>10.3f}{a['correct']:>4}/{a['total']:<4}")
    if with_modality:
        m = summary["modality_sets"]
        typer.echo(f"{'modality (per item)':<22}{m['accuracy']:>10.3f}{m['correct']:>4}/{m['total']:<4}")


def _print_groups(title: str, reports: dict) -> None:
    """One line per group: typed mention scores and the attributes users feel most."""
    typer.echo(f"\nby {title}")
    columns = ("negated", "laterality_all", "location_category_all", "diagnosis")
    typer.echo(f"{'':<14}{'items':>6}{'gold':>6}{'P':>7}{'R':>7}{'F1':>7}" + "".join(f"{c[:13]:>14}" for c in columns))
    for name, report in reports.items():
        typed = report.typed
        cells = "".join(f"{report.attributes[c].value:>8.3f}{report.attributes[c].total:>6}" for c in columns)
        typer.echo(f"{name:<14}{report.items:>6}{typed.tp + typed.fn:>6}"
                   f"{typed.precision:>7.3f}{typed.recall:>7.3f}{typed.f1:>7.3f}{cells}")


def _print_categories(report) -> None:
    from reportkit.evaluation import CATEGORY_ATTRIBUTES

    for attribute in CATEGORY_ATTRIBUTES:
        typer.echo(f"\nby {attribute} (a hit: matched, same value)")
        typer.echo(f"{'':<28}{'P':>7}{'R':>7}{'F1':>7}{'TP':>5}{'FP':>5}{'FN':>5}")
        for value, s in report.by_category(attribute).items():
            typer.echo(f"{value:<28}{s.precision:>7.3f}{s.recall:>7.3f}{s.f1:>7.3f}{s.tp:>5}{s.fp:>5}{s.fn:>5}")


def _print_confusion(report) -> None:
    from reportkit.evaluation import CONFUSION_ATTRIBUTES

    for attribute in CONFUSION_ATTRIBUTES:
        table = report.confusion(attribute)
        golds = sorted({g for g, _ in table})
        preds = sorted({p for _, p in table})
        typer.echo(f"\nconfusion: {attribute} (rows gold, columns predicted)")
        typer.echo(f"{'':<20}" + "".join(f"{p[:12]:>13}" for p in preds))
        for g in golds:
            typer.echo(f"{g[:20]:<20}" + "".join(f"{table[(g, p)] or '.':>13}" for p in preds))


GROUPS = ("source", "stratum", "note_kind", "category")


def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold JSONL in the shared/eval schema, or a pointer gold file.")],
    pred: Annotated[Path | None, typer.Option("--pred", help="Score these predictions instead of running the pipeline.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    show_misses: Annotated[bool, typer.Option("--misses", help="List every missed, spurious or mislabelled mention.")] = False,
    corpus: Annotated[Path | None, typer.Option("--corpus", help="Corpus folder a pointer gold file refers to "
                                                "(default ../shared/corpus).")] = None,
    split: Annotated[str | None, typer.Option("--split", help="Score only the gold items of this split "
                                              "(a pointer gold file's 'work' or 'locked').")] = None,
    by: Annotated[list[str] | None, typer.Option("--by", help=f"Also break the scores down by: {', '.join(GROUPS)} "
                                                 "(repeatable).")] = None,
    confusion: Annotated[bool, typer.Option("--confusion", help="Print gold-by-predicted tables for kind, "
                                            "location category and side.")] = False,
    lexicons: LexiconOption = None,
) -> None:
    """Precision/recall/F1 for mentions (overlap match, typed and untyped) and attribute accuracy."""
    from reportkit.evaluation import (
        EvalError,
        load_gold,
        load_predictions,
        predict,
        score,
        score_by,
        source_of,
        unpredicted,
    )

    if unknown := [b for b in by or [] if b not in GROUPS]:
        raise usage_error(f"--by takes {', '.join(GROUPS)}, not {', '.join(unknown)}")
    try:
        gold_items = load_gold(gold, corpus)
        if split is not None:
            gold_items = [item for item in gold_items if item.get("split") == split]
            if not gold_items:
                raise EvalError(f"{gold}: no gold item is in split {split!r}")
        modalities = None
        if pred is None:
            predictions, modalities = predict(gold_items, lexicon_dir=lexicon_arg(lexicons))
        else:
            predictions = load_predictions(pred)
            if missing := unpredicted(gold_items, predictions):
                typer.echo(f"warning: {pred} has no prediction for {missing} of {len(gold_items)} gold items; "
                           "they count as missed", err=True)
        report = score(gold_items, predictions, modalities)
    except EvalError as exc:
        raise usage_error(str(exc)) from exc
    groupers = {"source": source_of, "stratum": lambda item: str(item.get("stratum")),
                "note_kind": lambda item: str(item.get("note_kind"))}
    grouped = {b: score_by(gold_items, predictions, groupers[b]) for b in by or [] if b in groupers}
    summary = report.summary()
    if as_json:
        summary |= {f"by_{b}": {name: r.summary() for name, r in reports.items()} for b, reports in grouped.items()}
        if confusion:
            from reportkit.evaluation import CONFUSION_ATTRIBUTES

            summary["confusion"] = {a: [{"gold": g, "predicted": p, "count": n}
                                        for (g, p), n in sorted(report.confusion(a).items())]
                                    for a in CONFUSION_ATTRIBUTES}
        typer.echo(json.dumps(summary, indent=2))
    else:
        _print_table(summary, with_modality=modalities is not None and report.modality.total > 0)
        for b, reports in grouped.items():
            _print_groups(b, reports)
        if "category" in (by or []):
            _print_categories(report)
        if confusion:
            _print_confusion(report)
    if show_misses:
        from reportkit.evaluation import NULL_SCORED

        for miss in report.misses:
            g = f"gold={miss.gold['span']!r}" if miss.gold else ""
            p = f"pred={miss.pred.get('text', '')!r}" if miss.pred else ""
            values = ""
            if miss.gold and miss.pred and miss.what.startswith("wrong "):
                attribute = miss.what.removeprefix("wrong ")
                attribute = NULL_SCORED.get(attribute, attribute)
                values = f" ({attribute}: gold {miss.gold.get(attribute)!r}, predicted {miss.pred.get(attribute)!r})"
            typer.echo(f"{miss.item}: {miss.what}{values} {g} {p}".rstrip())


def audit_sample(
    corpus: Annotated[list[Path], typer.Argument(help="Unlabelled JSONL corpus files (id, text), one stratum each.")],
    out: Annotated[Path, typer.Option("--out", help="Review sheet to write (CSV; ids and offsets, no text).")],
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random sample.")] = 0,
    found: Annotated[int, typer.Option("--found", help="Found mentions to sample, split across files.")] = 150,
    sentences: Annotated[int, typer.Option("--sentences", help="Trigger sentences to sample.")] = 100,
    show: Annotated[bool, typer.Option("--show", help="Also print each sampled row's text here, for the reviewer.")] = False,
    lexicons: LexiconOption = None,
) -> None:
    """Write a seeded self-audit review sheet: found mentions and trigger sentences with nothing found."""
    from reportkit.lexicon import load_lexicon
    from reportkit.selfaudit import SheetError, draw_sheet, read_corpus, trigger_regex, write_sheet

    lexicon_dir = lexicon_arg(lexicons)
    triggers = trigger_regex(load_lexicon(lexicon_dir).concepts.audit_triggers)
    try:
        corpora = [read_corpus(path, lexicon_dir) for path in corpus]
    except SheetError as exc:
        raise usage_error(str(exc)) from exc
    rows = draw_sheet(corpora, triggers, seed, found, sentences)
    write_sheet(rows, out)
    typer.echo(f"wrote {len(rows)} rows to {out}", err=True)
    if show:
        texts = {(c.name, rid): text for c in corpora for rid, text in c.texts.items()}
        for row in rows:
            text = texts[(row["file"], row["id"])]
            before = text[max(0, row["start"] - 150) : row["start"]].replace("\n", " / ")
            after = text[row["end"] : row["end"] + 80].replace("\n", " / ")
            middle = text[row["start"] : row["end"]].replace("\n", " / ")
            attrs = " ".join(f"{k}={row.get(k, '')}" for k in ("kind", "negated", "uncertain", "location_category",
                                                                "laterality", "laterality_source", "diagnosis"))
            typer.echo(f"#{row['row']} {row['sample']} {row['id']}@{row['start']} {attrs if row['sample'] == 'found' else ''}")
            typer.echo(f"   ...{before}[[{middle}]]{after}...")


def audit_score(
    sheet: Annotated[Path, typer.Argument(help="A filled review sheet from `reportkit audit-sample`.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the estimates as JSON.")] = False,
) -> None:
    """Estimated precision (overall and per file), recall and wrong-side rate from a filled review sheet."""
    from reportkit import selfaudit

    summary = _scored_sheet(selfaudit, sheet, as_json)
    if summary is None:
        return
    typer.echo(f"{'file':<12}{'precision':>10}{'tp/judged':>11}{'recall':>8}{'missed/sent':>13}{'wrong side':>12}")
    for name, f in summary["files"].items():
        typer.echo(f"{name:<12}{f['precision']:>10.3f}{f['tp']:>6}/{f['judged']:<4}{f['recall']:>8.3f}"
                   f"{f['missed']:>7}/{f['sentences']:<5}{f['wrong_side']:>6}/{f['judged']:<5}")
    typer.echo(f"precision: {summary['precision_sample']:.3f} in the sample ({summary['tp']}/{summary['judged']}), "
               f"{summary['precision_weighted']:.3f} weighted by found counts")
    typer.echo(f"recall (estimated, trigger sentences): {summary['recall']:.3f} "
               f"({summary['missed']} missed in {summary['sentences']} sentences)")
    typer.echo(f"wrong side: {summary['wrong_side_rate']:.3f} ({summary['wrong_side']}/{summary['judged']})")


def advice_sample(
    corpus: Annotated[list[Path], typer.Argument(help="Unlabelled JSONL corpus files (id, text).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Review sheet to write (CSV; ids, offsets and "
                                                          "reportkit's advice, no report text).")],
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random sample.")] = 0,
    per_type: Annotated[int, typer.Option("--per-type", min=1, help="Items to sample of each advice type "
                                                                    "(all of a type that has fewer).")] = 10,
    lexicons: LexiconOption = None,
) -> None:
    """Write a seeded advice review sheet (stratified by advice type) and print the advice counts."""
    from reportkit.advice_audit import collect, draw_sheet, write_sheet
    from reportkit.selfaudit import SheetError

    try:
        advice = collect(corpus, lexicon_arg(lexicons))
    except SheetError as exc:
        raise usage_error(str(exc)) from exc
    rows = draw_sheet(advice, seed, per_type)
    write_sheet(rows, out)
    counts = advice.counts()
    sampled = Counter(row["advice_type"] for row in rows)
    typer.echo(f"{'advice type':<44}{'items':>7}{'per 1,000':>11}{'sampled':>9}")
    for advice_type, count in sorted(counts.items()):
        typer.echo(f"{advice_type:<44}{count:>7}{advice.per_thousand(count):>11.1f}{sampled[advice_type]:>9}")
    total = sum(counts.values())
    typer.echo(f"{'all advice':<44}{total:>7}{advice.per_thousand(total):>11.1f}{len(rows):>9}")
    typer.echo(f"reports: {advice.reports}")
    typer.echo(f"wrote {len(rows)} rows to {out}", err=True)


def advice_score(
    sheet: Annotated[Path, typer.Argument(help="A filled sheet from `reportkit advice-sample`.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the estimates as JSON.")] = False,
) -> None:
    """Precision of the advice per type and overall, with Wilson 95 % intervals, from a filled review sheet.

    Doubtful items are left out of precision and counted as wrong in the worst case.
    """
    from reportkit import advice_audit

    summary = _scored_sheet(advice_audit, sheet, as_json)
    if summary is None:
        return

    def figure(e: dict) -> str:
        value = "-" if e["precision"] is None else f"{e['precision']:.3f}"
        return f"{value} [{e['low']:.3f}, {e['high']:.3f}]"

    typer.echo(f"{'advice type':<44}{'N':>6}{'right':>7}{'wrong':>7}{'doubt':>7}  {'precision [95% CI]':<24}"
               f"worst case (doubtful = wrong)")
    for name, t in summary["types"].items():
        typer.echo(f"{name:<44}{t['stratum_size']:>6}{t['right']:>7}{t['wrong']:>7}{t['doubtful']:>7}  "
                   f"{figure(t):<24}{figure(t['worst_case'])}")
    o, w = summary["overall"], summary["weighted"]
    typer.echo(f"{'overall (sample)':<44}{'':>6}{o['right']:>7}{o['wrong']:>7}{o['doubtful']:>7}  "
               f"{figure(o):<24}{figure(o['worst_case'])}")
    typer.echo(f"{'overall (weighted by stratum size)':<44}{'':>6}{'':>21}  {figure(w):<24}{figure(w['worst_case'])}")
    typer.echo("precision = right / (right + wrong); doubtful items are left out of it and counted as wrong in the "
               "worst case. Wilson 95 % intervals; the weighted one on Kish's effective sample size "
               f"({w['effective_n']}).")


def advice_show(
    sheet: Annotated[Path, typer.Argument(help="A sheet from `reportkit advice-sample`.")],
    rows: Annotated[list[int] | None, typer.Argument(help="Row numbers to show (default: every row).")] = None,
    corpus_dir: Annotated[Path, typer.Option("--corpus", help="Folder holding the sheet's corpus files.")] = Path(
        "../shared/corpus"),
    full: Annotated[bool, typer.Option("--full", help="Print the whole report, not just the sentence.")] = False,
    width: Annotated[int, typer.Option("--width", min=20, help="Characters of context either side at most.")] = 200,
) -> None:
    """Print each sheet row's advice and the report sentence it is about, read from the corpus now (never stored)."""
    from reportkit.advice_audit import context, parse_spans, read_sheet, read_texts
    from reportkit.selfaudit import SheetError

    try:
        sheet_rows = read_sheet(sheet)
        wanted = set(rows or [])
        chosen = [r for r in sheet_rows if not wanted or int(r["row"]) in wanted]
        if wanted - {int(r["row"]) for r in chosen}:
            raise SheetError(f"{sheet}: no row {sorted(wanted - {int(r['row']) for r in chosen})}")
        texts: dict[str, dict[str, str]] = {}
        for row in chosen:
            if row["file"] not in texts:
                path = corpus_dir / row["file"]
                if not path.is_file():
                    raise SheetError(f"{sheet}: row {row['row']}: no corpus file {path}")
                texts[row["file"]] = read_texts(path)
    except ValueError as exc:  # SheetError, or a row number that is not a number
        raise usage_error(str(exc)) from exc
    for row in chosen:
        text = texts[row["file"]].get(row["id"])
        typer.echo(f"#{row['row']} {row['advice_type']} ({row['file']} {row['id']} @{row['start']}-{row['end']})")
        typer.echo(f"   advice: {row['advice']}")
        if text is None:
            typer.echo("   (the record is not in the corpus file)")
            continue
        start, end = int(row["start"]), int(row["end"])
        if full:
            typer.echo("   " + f"{text[:start]}[[{text[start:end]}]]{text[end:]}".replace("\n", "\n   "))
        else:
            typer.echo("   ..." + context(text, start, end, width).replace("\n", " / ") + "...")
        for s, e in parse_spans(row["evidence"]):
            if (s, e) != (start, end):
                typer.echo(f"   evidence @{s}-{e}: {text[s:e]!r}")


def _scored_sheet(module, sheet: Path, as_json: bool) -> dict | None:
    """A filled sheet scored by ``module`` (read_sheet, score_sheet, summarise); printed as JSON (then None)
    when asked. A bad sheet is a usage error naming the file and row."""
    from reportkit.selfaudit import SheetError

    try:
        summary = module.summarise(module.score_sheet(module.read_sheet(sheet), str(sheet)))
    except SheetError as exc:
        raise usage_error(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return None
    return summary

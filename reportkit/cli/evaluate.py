"""`reportkit eval`: score the pipeline (or given predictions) against a gold JSONL file."""

from __future__ import annotations

import json
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


def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold JSONL in the shared/eval schema.")],
    pred: Annotated[Path | None, typer.Option("--pred", help="Score these predictions instead of running the pipeline.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    show_misses: Annotated[bool, typer.Option("--misses", help="List every missed, spurious or mislabelled mention.")] = False,
    lexicons: LexiconOption = None,
) -> None:
    """Precision/recall/F1 for mentions (overlap match, typed and untyped) and attribute accuracy."""
    from reportkit.evaluation import EvalError, evaluate_pipeline, load_gold, load_predictions, score, unpredicted

    try:
        if pred is None:
            report = evaluate_pipeline(gold, lexicon_dir=lexicon_arg(lexicons))
        else:
            gold_items, predictions = load_gold(gold), load_predictions(pred)
            if missing := unpredicted(gold_items, predictions):
                typer.echo(f"warning: {pred} has no prediction for {missing} of {len(gold_items)} gold items; "
                           "they count as missed", err=True)
            report = score(gold_items, predictions)
    except EvalError as exc:
        raise usage_error(str(exc)) from exc
    summary = report.summary()
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
    else:
        _print_table(summary, with_modality=pred is None)
    if show_misses:
        for miss in report.misses:
            g = f"gold={miss.gold['span']!r}" if miss.gold else ""
            p = f"pred={miss.pred.get('text', '')!r}" if miss.pred else ""
            typer.echo(f"{miss.item}: {miss.what} {g} {p}".rstrip())


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
    from reportkit.selfaudit import SheetError, read_sheet, score_sheet, summarise

    try:
        summary = summarise(score_sheet(read_sheet(sheet), str(sheet)))
    except SheetError as exc:
        raise usage_error(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
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

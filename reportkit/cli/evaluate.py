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

"""`reportkit terms`: browse the terminology lexicon."""

from __future__ import annotations

from typing import Annotated

import typer

from reportkit.cli.common import LexiconOption, lexicon_arg


def terms(
    query: Annotated[str | None, typer.Argument(help="Filter by words in the term, synonyms or definition, or by a code (M75.3).")] = None,
    lexicons: LexiconOption = None,
) -> None:
    """List terminology concepts: preferred term, category, synonyms, deprecated terms and verified codes."""
    from reportkit.lexicon import load_lexicon

    needle = (query or "").lower()
    shown = 0
    for term in load_lexicon(lexicon_arg(lexicons)).terminology.terms:
        haystack = " ".join([term.id, term.preferred, term.definition, *term.synonyms, *term.deprecated,
                             *(m.term for m in term.misused), *(c.code for c in term.codes)]).lower()
        if needle and needle not in haystack:
            continue
        shown += 1
        typer.echo(f"{term.preferred}  [{term.category.replace('_', ' ')}]")
        typer.echo(f"  {term.definition}")
        if term.synonyms:
            typer.echo(f"  synonyms: {', '.join(term.synonyms)}")
        if term.deprecated:
            typer.echo(f"  deprecated: {', '.join(term.deprecated)}")
        for misuse in term.misused:
            typer.echo(f"  misused: '{misuse.term}': {misuse.advice}")
        for code in term.codes:
            typer.echo(f"  {code.system} {code.code} {code.display}")
            conditions = [f"site: {', '.join(code.when_site)}" if code.when_site else "",
                          f"not site: {', '.join(code.unless_site)}" if code.unless_site else "",
                          f"documented: {', '.join(code.when_document)}" if code.when_document else ""]
            if any(conditions):
                typer.echo(f"    only when {'; '.join(c for c in conditions if c)}")
            typer.echo(f"    verified: {code.verified_by}")
        typer.echo(f"  source: {term.source}")
    if not shown:
        typer.echo(f"no term matches '{query}'", err=True)
        raise typer.Exit(1)

"""Build the pipeline (:func:`build_pipeline`, once per process :func:`get_pipeline`) and turn a Doc into its record
(:func:`to_result`); the flow is in :mod:`reportkit.pipeline`."""

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import spacy
from medspacy.context import ConText
from medspacy.target_matcher import TargetMatcher
from spacy.language import Language
from spacy.tokens import Doc

from reportkit.lexicon import load_lexicon
from reportkit.models import MAX_REPORT_CHARS, ReportResult
from reportkit.pipeline import factories as _factories  # noqa: F401 - the factories, entry points installed or not
from reportkit.pipeline.extensions import (
    MENTION_GROUP,
    assertion_scopes,
    context_span_attrs,
    register_extensions,
)
from reportkit.pipeline.fast import medspacy_components as _medspacy_components  # noqa: F401 - scope test, both builds
from reportkit.pipeline.fast.tokenizer import TextKeepingTokenizer
from reportkit.pipeline.rules import context_rules, fold_spelling, target_rules
from reportkit.startup import start_up_built

__all__ = ["CONTEXT", "build_pipeline", "get_pipeline", "to_result"]

CONTEXT = "medspacy_context"  # the ConText component's name in the pipeline


def build_pipeline(lexicon_dir: str | None = None, plain: bool = False, ents: bool = False) -> Language:
    """Assemble the pipeline from ``spacy.blank("en")``; nothing is downloaded.

    ``plain``: the same components without the fast paths (spaCy's and medspaCy's own code), for reference.
    ``ents``: the mentions in ``doc.ents`` too (they are always in ``doc.spans["reportkit_findings"]``).
    The same pipeline can be assembled by hand: ``nlp.add_pipe(name)`` for each name of :data:`ORDER`.
    """
    register_extensions()
    lexicon = load_lexicon(lexicon_dir)
    fast = not plain
    nlp = spacy.blank("en")
    fold_spelling(nlp)
    nlp.max_length = MAX_REPORT_CHARS  # deliberate: no parser or NER here; the readers enforce it
    if fast:
        with _phrases_tokenised_once(nlp):
            _add_components(nlp, lexicon, lexicon_dir, fast, ents)
        # after the components: their phrases are tokenised once each, not also chunk by chunk to warm the cache
        nlp.tokenizer = TextKeepingTokenizer(nlp.tokenizer)
    else:
        _add_components(nlp, lexicon, lexicon_dir, fast, ents)
    return nlp


@contextmanager
def _phrases_tokenised_once(nlp: Language) -> Iterator[None]:
    """While the components are made, ``nlp.make_doc`` gives one Doc per distinct text: the lexicons repeat many
    phrases across components (a site's terms are cues, anatomy and deposit words), and each would be tokenised,
    and its words looked up, again. The Docs are only read (their words' ids), and dropped once the pipeline is
    built."""
    docs: dict[str, Doc] = {}
    make_doc = nlp.make_doc

    def phrase_doc(text: str) -> Doc:
        doc = docs.get(text)
        if doc is None:
            doc = docs[text] = make_doc(text)
        return doc

    nlp.make_doc = phrase_doc  # type: ignore[method-assign]
    try:
        yield
    finally:
        del nlp.make_doc


def _add_components(nlp: Language, lexicon, lexicon_dir: str | None, fast: bool, ents: bool) -> None:
    nlp.add_pipe("reportkit_sections", config={"lexicon_dir": lexicon_dir, "fast": fast})
    if fast:  # reportkit's matcher and ConText load the lexicon's rules themselves
        nlp.add_pipe("reportkit_target_matcher", name="medspacy_target_matcher", config={"lexicon_dir": lexicon_dir})
    else:
        matcher = cast(TargetMatcher, nlp.add_pipe(
            "medspacy_target_matcher", config={"result_type": "group", "span_group_name": MENTION_GROUP}))
        matcher.add(target_rules(lexicon))
    nlp.add_pipe("reportkit_gates", config={"lexicon_dir": lexicon_dir, "fast": fast})
    if fast:
        nlp.add_pipe("reportkit_context", name=CONTEXT, config={"lexicon_dir": lexicon_dir})
    else:
        context = cast(ConText, nlp.add_pipe("medspacy_context", config={
            "rules": None, "input_span_type": "group", "span_group_name": MENTION_GROUP,
            "span_attrs": context_span_attrs()}))
        context.add(context_rules(lexicon))
    nlp.add_pipe("reportkit_linker", config={"lexicon_dir": lexicon_dir, "fast": fast})
    nlp.add_pipe("reportkit_deposits", config={"lexicon_dir": lexicon_dir})
    nlp.add_pipe("reportkit_findings", config={"ents": ents})


@functools.cache
def get_pipeline(lexicon_dir: str | None = None, plain: bool = False) -> Language:
    """The pipeline for this process, built on first use (``plain``: see :func:`build_pipeline`)."""
    nlp = build_pipeline(lexicon_dir, plain)
    start_up_built()
    return nlp


def to_result(doc: Doc, report_id: str) -> ReportResult:
    """Convert an annotated Doc to the output record (no spaCy objects leave here)."""
    return ReportResult(
        id=report_id,
        findings=doc._.rk_findings,
        queries=doc._.rk_queries,
        modality=doc._.rk_modality,
        sections=doc._.rk_sections,
        assertion_scopes=assertion_scopes(doc),
        deposits=doc._.rk_deposits or [],
    )

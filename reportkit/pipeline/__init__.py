"""Build the spaCy/medspaCy pipeline once and run it on report text.

Flow (each step a registered spaCy component, configured by ``lexicons/``)::

    spacy.blank("en") tokenizer
    -> reportkit_sections   headers (lexicons/sections.yaml), line breaks and query marks start sentences;
                            spaCy's rule sentencizer on ".", "!" and blank lines for the rest
    -> medspacy_target_matcher  concept terms (lexicons/concepts.yaml)
    -> reportkit_gates      report-level gates: typo patterns, implicit-atherosclerosis context, citation lines
    -> medspacy_context     negation, hedging, history, hypotheticals (lexicons/context.yaml)
    -> reportkit_linker     fold, site, side, cues, size, modality -> Finding records
    -> reportkit_deposits   mentions of one deposit grouped, restatements inherit site -> Deposit records

Entry point: :func:`get_pipeline` (built once per process) and :func:`to_result` (Doc -> record).
Only :mod:`reportkit.engine` runs it; the public calls (`extract`, `extract_many`, `analyse`) go through it.
"""

import functools

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from reportkit.lexicon import load_lexicon
from reportkit.models import MAX_REPORT_CHARS, ReportResult
from reportkit.pipeline import context as _context  # noqa: F401 - registers the reportkit_context factory
from reportkit.pipeline import deposits as _deposits  # noqa: F401 - registers the reportkit_deposits factory
from reportkit.pipeline import gates as _gates  # noqa: F401 - registers the reportkit_gates factory
from reportkit.pipeline import linking as _linking  # noqa: F401 - registers the reportkit_linker factory
from reportkit.pipeline import sections as _sections  # noqa: F401 - registers the reportkit_sections factory
from reportkit.pipeline.extensions import MENTION_GROUP, assertion_scopes, context_span_attrs, register_extensions
from reportkit.pipeline.patterns import gate_token_patterns
from reportkit.pipeline.rules import context_rules, target_rules
from reportkit.pipeline.tokenizer import TextKeepingTokenizer

__all__ = ["CONTEXT", "MENTION_GROUP", "build_pipeline", "get_pipeline", "to_result"]

CONTEXT = "medspacy_context"  # the ConText component's name in the pipeline


def build_pipeline(lexicon_dir: str | None = None) -> Language:
    """Assemble the pipeline from ``spacy.blank("en")``; nothing is downloaded."""
    register_extensions()
    lexicon = load_lexicon(lexicon_dir)
    nlp = spacy.blank("en")
    nlp.tokenizer = TextKeepingTokenizer(nlp.tokenizer)
    nlp.max_length = MAX_REPORT_CHARS  # deliberate: no parser or NER here; the readers enforce it
    nlp.add_pipe("reportkit_sections", config={"lexicon_dir": lexicon_dir})
    matcher = nlp.add_pipe(
        "medspacy_target_matcher", config={"result_type": "group", "span_group_name": MENTION_GROUP}
    )
    gate_token_patterns(matcher._TargetMatcher__matcher, nlp.vocab)
    matcher.add(target_rules(lexicon))
    nlp.add_pipe("reportkit_gates", config={"lexicon_dir": lexicon_dir})
    context = nlp.add_pipe(
        "reportkit_context",
        name=CONTEXT,
        config={
            "rules": None,
            "input_span_type": "group",
            "span_group_name": MENTION_GROUP,
            "span_attrs": context_span_attrs(),
        },
    )
    gate_token_patterns(context._ConText__matcher, nlp.vocab)
    context.add(context_rules(lexicon))
    nlp.add_pipe("reportkit_linker", config={"lexicon_dir": lexicon_dir})
    nlp.add_pipe("reportkit_deposits", config={"lexicon_dir": lexicon_dir})
    return nlp


@functools.cache
def get_pipeline(lexicon_dir: str | None = None) -> Language:
    """The pipeline for this process, built on first use."""
    return build_pipeline(lexicon_dir)


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

"""Build the spaCy/medspaCy pipeline once and run it on report text.

Flow (each step a registered spaCy component, configured by ``lexicons/``)::

    spacy.blank("en") tokenizer
    -> reportkit_sections   headers (lexicons/sections.yaml) and line breaks start sentences
    -> sentencizer          spaCy's rule sentencizer on . and ! (PyRuSH costs ~400x more per doc)
    -> medspacy_target_matcher  concept terms (lexicons/concepts.yaml)
    -> medspacy_context     negation, hedging, history, hypotheticals (lexicons/context.yaml)
    -> reportkit_linker     fold, site, side, cues, size, modality, diagnosis -> Finding records

Entry point: :func:`get_pipeline` (built once per process) and :func:`to_result` (Doc -> record).
The public calls (`extract`, `extract_many`, `analyse`) are in :mod:`reportkit.api`.
"""

import functools
import re
import warnings

import spacy
from medspacy.context import ConTextRule
from medspacy.target_matcher import TargetRule
from spacy.language import Language
from spacy.tokens import Doc, Span

from reportkit.lexicon import Lexicon, load_lexicon
from reportkit.models import ReportResult, Section

MENTION_GROUP = "reportkit_mentions"

# medspaCy's matchers warn on every document when a rule family (token patterns) is empty.
warnings.filterwarnings("ignore", message=r"\[W036\]", category=UserWarning)

# ConText category -> the Span extension it sets (the QUESTION one is ours).
CONTEXT_ATTRIBUTES = {
    "NEGATED_EXISTENCE": {"is_negated": True},
    "POSSIBLE_EXISTENCE": {"is_uncertain": True},
    "HISTORICAL": {"is_historical": True},
    "HYPOTHETICAL": {"is_hypothetical": True},
    "QUESTION": {"rk_is_question": True},
}

for _attr in ("is_negated", "is_uncertain", "is_historical", "is_hypothetical", "rk_is_question"):
    if not Span.has_extension(_attr):
        Span.set_extension(_attr, default=False)
if not Doc.has_extension("rk_sections"):
    Doc.set_extension("rk_sections", default=None)


@Language.factory("reportkit_sections", default_config={"lexicon_dir": None})
def make_sectionizer(nlp: Language, name: str, lexicon_dir: str | None):
    return Sectionizer(load_lexicon(lexicon_dir))


class Sectionizer:
    """Find section headers, store ``doc._.rk_sections`` and mark sentence starts.

    A header is a known title at a line start or after whitespace, followed by a colon
    (or alone on its line). A line break also starts a sentence unless the line plainly
    runs on (a word before it and a lower-case word or number after it).
    """

    def __init__(self, lexicon: Lexicon) -> None:
        by_title = {t: s.category for s in lexicon.sections.sections for t in s.titles}
        self._category_of = by_title
        alternation = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in sorted(by_title, key=len, reverse=True))
        self._header = re.compile(
            rf"(?:^|(?<=\s))(?:#+[ \t]*)?(?P<title>{alternation})[ \t]*(?::|\r?$)", re.IGNORECASE | re.MULTILINE
        )

    def find_sections(self, text: str) -> list[Section]:
        sections: list[Section] = []
        for m in self._header.finditer(text):
            title = m.group("title")
            category = self._category_of[re.sub(r"\s+", " ", title.lower())]
            sections.append(Section(category=category, title=title, start=m.start("title"), end=len(text)))
        if not sections or sections[0].start > 0 and text[: sections[0].start].strip():
            sections.insert(0, Section(category="unheaded", title=None, start=0, end=len(text)))
        for current, following in zip(sections, sections[1:], strict=False):
            current.end = following.start
        return sections

    def __call__(self, doc: Doc) -> Doc:
        sections = self.find_sections(doc.text)
        doc._.rk_sections = sections
        starts = {s.start for s in sections if s.title}
        for token in doc:
            if token.idx in starts and token.i > 0:
                token.is_sent_start = True
        for token in doc[1:]:
            # a query mark opening a clause ("swelling. ? pseudogout") belongs to what follows
            if token.text.startswith("?") and doc[token.i - 1].text in {".", ":", ";"} and token.i + 1 < len(doc):
                token.is_sent_start = True
                doc[token.i + 1].is_sent_start = False
        for token in doc[:-1]:
            if not (token.is_space and "\n" in token.text):
                continue
            nxt = doc[token.i + 1]
            prev = doc[token.i - 1] if token.i > 0 else None
            runs_on = prev is not None and not prev.is_punct and (nxt.text[:1].islower() or nxt.text[:1].isdigit())
            if not runs_on and not nxt.is_space:
                nxt.is_sent_start = True
        return doc


def _target_rules(lexicon: Lexicon) -> list[TargetRule]:
    rules = []
    for concept in lexicon.concepts.concepts:
        rules += [TargetRule(literal=term, category=concept.id) for term in concept.terms]
        rules += [
            TargetRule(literal=f"{concept.literal} pattern {i}", category=concept.id, pattern=pattern)
            for i, pattern in enumerate(concept.patterns)
        ]
    return rules


def _context_rules(lexicon: Lexicon) -> list[ConTextRule]:
    return [
        ConTextRule(
            literal=rule.literal,
            category=rule.category,
            direction=rule.direction,
            pattern=rule.pattern,
            max_scope=rule.max_scope,
        )
        for rule in lexicon.context.rules
    ]


def build_pipeline(lexicon_dir: str | None = None) -> Language:
    """Assemble the pipeline from ``spacy.blank("en")``; nothing is downloaded."""
    import reportkit.linking  # noqa: F401 - registers the reportkit_linker factory

    lexicon = load_lexicon(lexicon_dir)
    nlp = spacy.blank("en")
    nlp.add_pipe("reportkit_sections", config={"lexicon_dir": lexicon_dir})
    # "?" marks a query in dictation ("? pseudogout"), so it must not end the sentence.
    nlp.add_pipe("sentencizer", config={"punct_chars": [".", "!", "\n\n"]})
    matcher = nlp.add_pipe(
        "medspacy_target_matcher", config={"result_type": "group", "span_group_name": MENTION_GROUP}
    )
    matcher.add(_target_rules(lexicon))
    context = nlp.add_pipe(
        "medspacy_context",
        config={
            "rules": None,
            "input_span_type": "group",
            "span_group_name": MENTION_GROUP,
            "span_attrs": CONTEXT_ATTRIBUTES,
        },
    )
    context.add(_context_rules(lexicon))
    nlp.add_pipe("reportkit_linker", config={"lexicon_dir": lexicon_dir})
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
    )

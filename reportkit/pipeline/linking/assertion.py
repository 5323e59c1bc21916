"""Assertion: ConText flags on a finding's terms -> negated / uncertain / historical / hypothetical, with triggers."""

from dataclasses import dataclass

from spacy.language import Language

from reportkit.lexicon import Lexicon
from reportkit.models import Evidence, Section
from reportkit.pipeline.doc_text import doc_text
from reportkit.pipeline.extensions import CONTEXT_CATEGORIES
from reportkit.pipeline.linking.context import Group, cite
from reportkit.pipeline.linking.index import SortedCues
from reportkit.pipeline.linking.phrases import Phrases


@dataclass
class Assertion:
    """How a finding is asserted, and the trigger words that say so."""

    negated: bool
    uncertain: bool
    historical: bool
    hypothetical: bool
    evidence: list[Evidence]


class AssertionReader:
    """Reads the ConText modifiers of a group's terms; a question in a question section (indication) is hypothetical,
    and so is an affirmed mention in generic teaching prose whose sentence names no patient anchor."""

    def __init__(self, nlp: Language, lexicon: Lexicon) -> None:
        self._negated_concepts = {c.id for c in lexicon.concepts.concepts if c.negated}
        self._question_sections = {s.category for s in lexicon.sections.sections if s.questions}
        self._generic_sections = {s.category for s in lexicon.sections.sections if s.generic_prose}
        self._past_history_titles = {t for s in lexicon.sections.sections if s.past_history for t in s.titles}
        linking = lexicon.linking
        self._anchors = Phrases(nlp, linking.patient_anchors) if linking.patient_anchors else None
        self._verbs = {t.lower for verb in linking.statement_verbs for t in nlp.make_doc(verb)}

    def __call__(self, group: Group, section: Section, words: list[int], sentence: tuple[int, int],
                 sites: SortedCues | None = None) -> Assertion:
        """``words``: the lower-cased word ids of the document (:mod:`.phrases`), ``sentence`` the token range of
        the group's sentence; ``sites``: the document's site cues, to tell a hedge between two places (the site is
        in doubt, not the finding)."""
        flags = {meaning.role: False for meaning in CONTEXT_CATEGORIES.values()}
        evidence: list[Evidence] = []
        reason_for_study = False
        for span in group.spans:
            # ConText sets a span's flag for each modifier it links to the span: read the modifiers once
            for modifier in span._.modifiers:
                meaning = CONTEXT_CATEGORIES.get(modifier.category)
                if meaning and meaning.role == "uncertainty" and _between_sites(sites, *modifier.modifier_span):
                    continue
                if meaning:
                    flags[meaning.role] = True
                    reason_for_study |= bool((modifier.rule.metadata or {}).get("reason_for_study"))
                    m_start, m_end = modifier.modifier_span
                    evidence.append(cite(span.doc[m_start:m_end], meaning.role))
        question = flags["question"]
        negated = flags["negation"] or any(s.label_ in self._negated_concepts for s in group.spans)
        # the indication's questions, and what it names as followed up, say why the study was done
        asks = section.category in self._question_sections and (question or reason_for_study)
        hypothetical = (flags["hypothetical"] or asks
                        or (not negated and self._generic(section, words, *sentence)))
        return Assertion(
            negated=negated,
            # what the text denies is not also hedged: the hedge of a sentence does not reach a stated absence
            uncertain=not negated and (flags["uncertainty"] or (question and not hypothetical)),
            historical=flags["historical"] or self._past_history(section, group),
            hypothetical=hypothetical,
            evidence=evidence,
        )

    def _past_history(self, section: Section, group: Group) -> bool:
        """Is the group listed in the patient's past history ("PMH: renal stones")? Its deposits are not the study's.
        The list ends with its line: a note's next part may open with a title no lexicon knows ("XR PELVIS:")."""
        if section.title is None or " ".join(section.title.lower().split()) not in self._past_history_titles:
            return False
        start = group.spans[0].start_char
        return "\n" not in doc_text(group.spans[0].doc)[section.start:start]

    def _generic(self, section: Section, words: list[int], start: int, end: int) -> bool:
        """A statement in generic prose that speaks of no patient or case: it teaches, it reports no finding.
        A statement of absence is left to the case (the discussion weighs what this lesion lacks), and so is a
        verbless line (a summary of the case's findings)."""
        if section.category not in self._generic_sections:
            return False  # read first: the sentence's words are copied only for generic prose
        sentence_words = words[start:end]
        return (not self._verbs.isdisjoint(sentence_words)
                and not (self._anchors is not None and self._anchors.found_in(sentence_words)))


def _between_sites(sites: SortedCues | None, start: int, end: int) -> bool:
    """Does the trigger at tokens ``start:end`` stand between two site words ("left paraesophageal versus
    intrapulmonary node")? Then it weighs two places for one certain finding (conventions: a hedge on the site
    alone leaves the finding certain)."""
    return bool(sites) and bool(sites.ending(start - 1, start)) and bool(sites.starting(end, end + 1))

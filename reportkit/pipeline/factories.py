"""reportkit's spaCy factories, registered without importing the components: the ``spacy_factories`` entry points.

spaCy imports every installed package's ``spacy_factories`` entry points whenever it makes a pipeline,
``spacy.blank("en")`` included. So this module imports nothing but spaCy's ``Language``: each factory imports its
component (and with it medspaCy and the lexicons) only when its pipe is added, and a spaCy pipeline made where
reportkit is installed does not pay for reportkit. This is the components' only registration; names, default
configs, assigned attributes and arguments are theirs, so a saved pipeline's config is unchanged.
"""

from typing import TYPE_CHECKING

from spacy.language import Language

if TYPE_CHECKING:
    from reportkit.pipeline.deposits import DepositGrouper
    from reportkit.pipeline.fast.medspacy_components import PrefilteredTargetMatcher, SentenceConText
    from reportkit.pipeline.gates import DocumentGates
    from reportkit.pipeline.linking.linker import FindingLinker
    from reportkit.pipeline.sections import Sectionizer
    from reportkit.pipeline.spans import FindingSpans

# Copies of reportkit.pipeline.extensions' MENTION_GROUP and context_span_attrs(), which live in a module that
# imports the pipeline; tests/test_startup.py checks that they are equal.
MENTION_GROUP = "reportkit_mentions"
CONTEXT_SPAN_ATTRS = {
    "NEGATED_EXISTENCE": {"is_negated": True},
    "POSSIBLE_EXISTENCE": {"is_uncertain": True},
    "HISTORICAL": {"is_historical": True},
    "HYPOTHETICAL": {"is_hypothetical": True},
    "QUESTION": {"rk_is_question": True},
}


@Language.factory("reportkit_sections", default_config={"lexicon_dir": None, "fast": True},
                  assigns=["doc._.rk_sections", "token.is_sent_start"])
def make_sectionizer(nlp: Language, name: str, lexicon_dir: str | None, fast: bool) -> "Sectionizer":
    """:class:`reportkit.pipeline.sections.Sectionizer` configured by ``sections.yaml``."""
    from reportkit.pipeline.sections import make_sectionizer

    return make_sectionizer(nlp, name, lexicon_dir, fast)


@Language.factory(
    "reportkit_target_matcher",
    default_config={"result_type": "group", "span_group_name": MENTION_GROUP, "lexicon_dir": None},
    assigns=["doc.spans"],
)
def make_target_matcher(nlp: Language, name: str, result_type: str, span_group_name: str,
                        lexicon_dir: str | None = None) -> "PrefilteredTargetMatcher":
    """medspaCy's TargetMatcher holding the lexicon's concept terms, behind the token prefilter."""
    from reportkit.pipeline.fast.medspacy_components import PrefilteredTargetMatcher

    return PrefilteredTargetMatcher(nlp, name, result_type, span_group_name, lexicon_dir)


@Language.factory("reportkit_gates", default_config={"lexicon_dir": None, "fast": True}, assigns=["doc.spans"])
def make_gates(nlp: Language, name: str, lexicon_dir: str | None, fast: bool) -> "DocumentGates":
    """:class:`reportkit.pipeline.gates.DocumentGates` configured by ``concepts.yaml``."""
    from reportkit.pipeline.gates import make_gates

    return make_gates(nlp, name, lexicon_dir, fast)


@Language.factory(
    "reportkit_context",
    default_config={"input_span_type": "group", "span_group_name": MENTION_GROUP,
                    "span_attrs": CONTEXT_SPAN_ATTRS, "lexicon_dir": None},
    assigns=["doc._.context_graph"],
)
def make_context(nlp: Language, name: str, input_span_type: str, span_group_name: str, span_attrs: dict | None,
                 lexicon_dir: str | None = None) -> "SentenceConText":
    """medspaCy's ConText with the lexicon's modifier rules, run sentence by sentence."""
    from reportkit.pipeline.fast.medspacy_components import SentenceConText

    return SentenceConText(nlp, name, input_span_type, span_group_name, span_attrs, lexicon_dir)


@Language.factory("reportkit_linker", default_config={"lexicon_dir": None, "fast": True},
                  assigns=["doc._.rk_findings", "doc._.rk_queries", "doc._.rk_modality"])
def make_linker(nlp: Language, name: str, lexicon_dir: str | None, fast: bool) -> "FindingLinker":
    """:class:`reportkit.pipeline.linking.linker.FindingLinker` configured by the lexicons."""
    from reportkit.pipeline.linking.linker import make_linker

    return make_linker(nlp, name, lexicon_dir, fast)


@Language.factory("reportkit_deposits", default_config={"lexicon_dir": None}, assigns=["doc._.rk_deposits"])
def make_deposit_grouper(nlp: Language, name: str, lexicon_dir: str | None) -> "DepositGrouper":
    """:class:`reportkit.pipeline.deposits.DepositGrouper` configured by the lexicons."""
    from reportkit.pipeline.deposits import make_deposit_grouper

    return make_deposit_grouper(nlp, name, lexicon_dir)


@Language.factory("reportkit_findings", default_config={"ents": False}, assigns=["doc.spans", "doc.ents"])
def make_finding_spans(nlp: Language, name: str, ents: bool) -> "FindingSpans":
    """:class:`reportkit.pipeline.spans.FindingSpans` (``ents``: the mentions in ``doc.ents`` too)."""
    from reportkit.pipeline.spans import make_finding_spans

    return make_finding_spans(nlp, name, ents)

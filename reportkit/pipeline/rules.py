"""medspaCy rules from the lexicon: TargetRules for concept terms, ConTextRules for modifiers, and the spelling
form they match on."""

from medspacy.context import ConTextRule
from medspacy.target_matcher import TargetRule
from spacy.attrs import LOWER
from spacy.language import Language

from reportkit.lexicon import Lexicon
from reportkit.text import lower_form


def fold_spelling(nlp: Language) -> None:
    """Match every term on its plain spelling form (:func:`reportkit.text.lower_form`): "Mönckeberg" is
    "monckeberg", an en dash a hyphen, "’s" is "'s". LOWER is what the phrase matchers and the LOWER token patterns
    compare; the words spaCy made before (its tokenizer exceptions) are set to it too."""
    nlp.vocab.lex_attr_getters[LOWER] = lower_form
    for lexeme in nlp.vocab:
        if lexeme.lower_ != (folded := lower_form(lexeme.orth_)):
            lexeme.lower_ = folded


def target_rules(lexicon: Lexicon) -> list[TargetRule]:
    """One TargetRule per concept term and token pattern, labelled with the concept id."""
    rules = []
    for concept in lexicon.concepts.concepts:
        rules += [TargetRule(literal=term, category=concept.id) for term in concept.terms]
        rules += [
            TargetRule(literal=f"{concept.literal} pattern {i}", category=concept.id, pattern=pattern)
            for i, pattern in enumerate(concept.patterns)
        ]
    return rules


def context_rules(lexicon: Lexicon) -> list[ConTextRule]:
    """One ConTextRule per entry of ``context.yaml``."""
    return [
        ConTextRule(
            literal=rule.literal,
            category=rule.category,
            direction=rule.direction,
            pattern=rule.pattern,
            max_scope=rule.max_scope,
            metadata={"scope": rule.scope, "reason_for_study": rule.reason_for_study},
        )
        for rule in lexicon.context.rules
    ]

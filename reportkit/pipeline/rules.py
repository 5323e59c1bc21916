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
    if nlp.vocab.lex_attr_getters.get(LOWER) is lower_form:
        return  # folded already: every word made since has its LOWER from lower_form
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


# The most tokens a ConText modifier reaches on each side of its trigger when its rule sets no ``max_scope``: the
# sentence, up to this. A scope ending at the sentence made ConText's scope updates compare every modifier of a
# long sentence with every other (the square of its length); bounded, a modifier meets only those near it. No
# scope in the dev set or the corpus reaches this far (results there are the same with and without it).
SCOPE_WINDOW = 200


def context_rules(lexicon: Lexicon) -> list[ConTextRule]:
    """One ConTextRule per entry of ``context.yaml``; a rule with no ``max_scope`` reaches :data:`SCOPE_WINDOW`
    tokens at most."""
    return [
        ConTextRule(
            literal=rule.literal,
            category=rule.category,
            direction=rule.direction,
            pattern=rule.pattern,
            max_scope=rule.max_scope or SCOPE_WINDOW,
            metadata={"scope": rule.scope, "reason_for_study": rule.reason_for_study},
        )
        for rule in lexicon.context.rules
    ]

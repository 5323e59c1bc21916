"""medspaCy rules from the lexicon: TargetRules for concept terms, ConTextRules for modifiers."""

from medspacy.context import ConTextRule
from medspacy.target_matcher import TargetRule

from reportkit.lexicon import Lexicon


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

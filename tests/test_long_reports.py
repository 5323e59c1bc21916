"""Long reports: the fast build gives what the plain one gives on long, self-written reports (a ConText modifier
running into the next sentence, many mentions in one sentence, scopes longer than the ConText window), ConText
stays sentence by sentence when a modifier crosses a sentence boundary, and a modifier reaches no further than the
documented window. No timing is asserted: the growth of cost with length is measured by
``benchmarks/bench_linking.py``."""

from __future__ import annotations

import random

import pytest
from context_graphs import context_graph
from medspacy.context import ConText

from reportkit.api import extract
from reportkit.pipeline import get_pipeline, to_result
from reportkit.pipeline.rules import SCOPE_WINDOW
from reportkit.pipeline.sections import sentence_starts

# written for these tests: clauses with sides, coordinated places, hedges, negations and referring phrases
CLAUSES = [
    "small calcification in the left knee", "no calcification in the right hip",
    "possible calcific tendinitis of the supraspinatus tendon measuring 5 mm", "phleboliths in the pelvis",
    "nephrolithiasis and left renal cyst", "shrapnel over the midline, and clips seen at the right apex",
    "a stone in the right kidney", "the stone", "there is no further stone",
    "calcified granuloma in the right upper lobe and left lower lobe", "right common carotid artery which was calcified",
    "in the left lung base there is a calcified nodule", "bilateral nodules are seen, most of which are calcified",
    "no evidence of heterotopic ossification but a small foreign body near the left elbow",
    "a loose body in the left knee joint versus a calcified meniscus", "it is not calcified",
    "family history of kidney stones", "stone or obstruction bilaterally",
]
HISTORY = "SOCIAL HISTORY/FAMILY HISTORY:\nNoncontributory.\n"  # "HISTORY:" starts a sentence inside "family history"


def _one_sentence(mentions: int, seed: int) -> str:
    pick = random.Random(seed).choice
    return ", ".join(pick(CLAUSES) for _ in range(mentions))


def _with_sentences(sentences: int, seed: int) -> str:
    rng = random.Random(seed)
    parts = [HISTORY, "FINDINGS:\n"]
    for i in range(sentences):
        clause = rng.choice(CLAUSES)
        parts.append(clause[0].upper() + clause[1:] + rng.choice([". ", "; ", ".\n", " and ", ". "]))
        if i % 25 == 24:
            parts.append(rng.choice(["\nIMPRESSION:\n", "\n" + HISTORY, "\nFINDINGS:\n"]))
    return "".join(parts)


LONG_REPORTS = {
    "sentences and crossing history lines": _with_sentences(400, 1),
    "many mentions in one sentence": _one_sentence(300, 2),
    "one sentence longer than the ConText window": _one_sentence(120, 3) + ", " + HISTORY + _one_sentence(60, 4),
}


def _modifiers_crossing_a_sentence(doc) -> list:
    starts = sentence_starts(doc)
    return [m for m in doc._.context_graph.modifiers
            if any(m.modifier_span[0] < start < m.modifier_span[1] for start in starts)]


@pytest.mark.parametrize("name", LONG_REPORTS)
def test_fast_equals_plain_on_long_reports(name):
    text = LONG_REPORTS[name]
    fast, plain = get_pipeline(), get_pipeline(plain=True)
    expected = to_result(plain(text), name).model_dump()
    assert expected["findings"]
    assert to_result(fast(text), name).model_dump() == expected


def test_a_modifier_crossing_a_sentence_keeps_context_sentence_by_sentence(monkeypatch):
    # medspaCy's whole-document run compares every modifier of the report with every other: it must not run
    text = LONG_REPORTS["sentences and crossing history lines"]
    plain = get_pipeline(plain=True)
    expected = context_graph(plain(text))
    assert _modifiers_crossing_a_sentence(plain(text))

    def whole_document(self, doc, targets=None):
        raise AssertionError("ConText ran over the whole document")

    monkeypatch.setattr(ConText, "__call__", whole_document)
    doc = get_pipeline()(text)
    assert _modifiers_crossing_a_sentence(doc)
    assert context_graph(doc) == expected


def test_a_modifier_reaches_no_further_than_the_window():
    # one sentence: a negation, then more than the window's tokens of plain words, then the finding
    filler = " ".join(["the joint spaces are preserved"] * (SCOPE_WINDOW // 5 + 2))
    far = extract(f"No effusion with {filler} and calcification in the left knee.")
    near = extract("No effusion with the joint spaces preserved and calcification in the left knee.")
    assert [f.negated for f in near.findings] == [True]
    assert [f.negated for f in far.findings] == [False]


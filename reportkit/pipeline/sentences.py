"""Sentence starts read once per Doc and shared by the components after the sectionizer (ConText, the linker).

Reading them from the token array costs a pass over the whole report; reportkit_sections sets the
marks and no later component changes them, so the first reader keeps the list on the Doc.
"""

from spacy.tokens import Doc

from reportkit.pipeline import sections

STARTS_KEY = "reportkit_sentence_starts"


def sentence_starts(doc: Doc) -> list[int]:
    """:func:`.sections.sentence_starts` of ``doc``, computed on its first use (callers must not change the list)."""
    starts = doc.user_data.get(STARTS_KEY)
    if starts is None:
        starts = doc.user_data[STARTS_KEY] = sections.sentence_starts(doc)
    return starts

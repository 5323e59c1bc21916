"""The ``reportkit_sections`` component: section headers and the sentence starts spaCy's sentencizer cannot see."""

import re

from spacy.language import Language
from spacy.tokens import Doc

from reportkit.lexicon import Lexicon, load_lexicon
from reportkit.models import Section
from reportkit.pipeline.extensions import register_extensions


@Language.factory("reportkit_sections", default_config={"lexicon_dir": None})
def make_sectionizer(nlp: Language, name: str, lexicon_dir: str | None) -> "Sectionizer":
    """spaCy factory for :class:`Sectionizer` configured by ``sections.yaml``."""
    register_extensions()
    return Sectionizer(load_lexicon(lexicon_dir))


class Sectionizer:
    """Find section headers, store ``doc._.rk_sections`` and mark sentence starts.

    A header is a known title at a line start, after whitespace or straight after another header's colon
    ("EXAM:TECHNIQUE:"), followed by a colon
    (or alone on its line), and starts a sentence. A line break also starts a sentence unless
    the line plainly runs on (a word before it and a lower-case word or number after it);
    a bare blank line (a ``"\\n\\n"`` token) always ends one, by the sentencizer that follows.
    A query mark opening a clause ("swelling. ? pseudogout") starts the sentence it asks about.
    """

    def __init__(self, lexicon: Lexicon) -> None:
        by_title = {t: s.category for s in lexicon.sections.sections for t in s.titles}
        self._category_of = by_title
        alternation = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in sorted(by_title, key=len, reverse=True))
        self._header = re.compile(
            rf"(?:^|(?<=\s)|(?<=:))(?:#+[ \t]*)?(?P<title>{alternation})[ \t]*(?::|\r?$)", re.IGNORECASE | re.MULTILINE
        )

    def find_sections(self, text: str) -> list[Section]:
        """The sections of ``text`` in order, each ending where the next begins ("unheaded" before the first)."""
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

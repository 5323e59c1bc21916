"""The ``reportkit_sections`` component: section headers and sentence starts (report layout, then spaCy's rule
sentencizer for the rest)."""

import re
from bisect import bisect_left
from collections.abc import Iterable

import numpy
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, ORTH, SENT_START
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

from reportkit.lexicon import Lexicon, load_lexicon
from reportkit.models import Section
from reportkit.pipeline.doc_text import TEXT_KEY, doc_text
from reportkit.pipeline.extensions import register_extensions
from reportkit.pipeline.fast.sentences import ArraySentenceRule
from reportkit.text import KeyScan, RegexSearch, trie_pattern

QUERY_MARK = re.compile(r"\?")
FULL_STOP = re.compile(r"(?<=[A-Za-z])\.")  # a stop written against a word: where an abbreviation may end
# a word with a number, then a stop ("4B."); or (with the side letters of anatomy.yaml, :func:`stop_in_token`) a
# side's letter after a word ("on the L."), which spaCy keeps with its stop as an initial's
WORD_WITH_A_NUMBER = r"(?<!\S)(?=[\w-]*\d)[\w-]+\.(?=\s)"


def stop_in_token(side_letters: Iterable[str]) -> re.Pattern[str]:
    """A full stop the tokenizer keeps inside a token: after a word with a number, or after a side letter."""
    letters = "".join(sorted(re.escape(letter) for letter in side_letters))
    return re.compile(rf"{WORD_WITH_A_NUMBER}|(?<=[a-z] )[{letters}]\.(?=\s)" if letters else WORD_WITH_A_NUMBER)
SPACES = re.compile(r"\s+")
MAX_TITLES_KEPT = 4096
STARTS_KEY = "reportkit_sentence_starts"
SENTENCE_ENDS = (".", "!", "\n\n")  # "?" marks a query in dictation ("? pseudogout"): it does not end a sentence
Head = tuple[str, str | None, int]  # a section's category, title as written (None: unheaded) and start


def make_sectionizer(nlp: Language, name: str, lexicon_dir: str | None, fast: bool) -> "Sectionizer":
    """spaCy factory for :class:`Sectionizer` configured by ``sections.yaml``."""
    register_extensions()
    return Sectionizer(load_lexicon(lexicon_dir), fast)


class Sectionizer:
    """Find section headers, store ``doc._.rk_sections`` and mark sentence starts.

    A header is a known title at a line start, after whitespace or straight after another header's colon
    ("EXAM:TECHNIQUE:"), followed by a colon
    (or alone on its line), and starts a sentence. A line break also starts a sentence unless
    the line plainly runs on (a word before it and a lower-case word or number after it).
    A query mark opening a clause ("swelling. ? pseudogout") starts the sentence it asks about.
    Every other token is left to spaCy's rule sentencizer on ".", "!" and blank lines (a ``"\\n\\n"`` token);
    PyRuSH costs ~400x more per doc. Fast (the default): the rule runs on token arrays and headers are tried
    only where a title starts (:class:`reportkit.text.KeyScan`); plain: spaCy's ``Sentencizer`` and ``re``.
    """

    def __init__(self, lexicon: Lexicon, fast: bool = True) -> None:
        by_title = {t: s.category for s in lexicon.sections.sections for t in s.titles}
        self._category_of = by_title
        self._category_as_written: dict[str, str] = {}  # "FINDINGS", "Findings": a few spellings recur
        # a trie of the titles: each position fails on its first character instead of trying 85 branches;
        # greedy optional tails keep the longest title first, as a longest-first alternation would
        alternation = trie_pattern([[r"\s+" if c == " " else re.escape(c) for c in title] for title in by_title])
        self.header = re.compile(
            rf"(?:^|(?<=\s)|(?<=:))(?:#+[ \t]*)?(?P<title>{alternation})[ \t]*(?::|\r?$)", re.IGNORECASE | re.MULTILINE
        )
        self._header_scan = (KeyScan if fast else RegexSearch)([self.header])
        self._sentence_rule = ArraySentenceRule(SENTENCE_ENDS) if fast else Sentencizer(punct_chars=list(SENTENCE_ENDS))
        self._abbreviations = frozenset(lexicon.sections.abbreviations)
        self._stop_in_token = stop_in_token(lexicon.anatomy.side_letters)

    def section_heads(self, text: str, headers: Iterable[re.Match[str]] | None = None) -> list[Head]:
        """(category, title, start) of each section of ``text``, as :meth:`find_sections` gives them, without models.

        ``headers`` are ``self.header``'s matches in ``text`` when the caller has them (the audit pre-filter finds
        them in its own keyed pass); else they are found here, trying only where a title starts.
        """
        if headers is None:
            headers = self._header_scan.finditer(0, text, self._header_scan.starts(text))
        heads: list[Head] = []
        for m in headers:
            title = m.group("title")
            if (category := self._category_as_written.get(title)) is None:
                category = self._category_of[SPACES.sub(" ", title.lower())]
                if len(self._category_as_written) < MAX_TITLES_KEPT:
                    self._category_as_written[title] = category
            heads.append((category, title, m.start("title")))
        if not heads or heads[0][2] > 0 and text[: heads[0][2]].strip():
            heads.insert(0, ("unheaded", None, 0))
        return heads

    def find_sections(self, text: str, headers: Iterable[re.Match[str]] | None = None) -> list[Section]:
        """The sections of ``text`` in order, each ending where the next begins ("unheaded" before the first).

        ``headers``: as for :meth:`section_heads`.
        """
        heads = self.section_heads(text, headers)
        ends = [start for _, _, start in heads[1:]] + [len(text)]
        return [Section(category=category, title=title, start=start, end=end)
                for (category, title, start), end in zip(heads, ends, strict=True)]

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        doc.user_data[TEXT_KEY] = text  # spaCy rebuilds doc.text on every access; later components reuse this
        sections = self.find_sections(text)
        doc._.rk_sections = sections
        if not len(doc):
            return doc
        columns = doc.to_array([IDX, IS_SPACE, IS_PUNCT, ORTH, SENT_START]).T
        starts, is_space, is_punct = (column.tolist() for column in columns[:3])
        marks = columns[4].astype(numpy.int64)  # 1 starts a sentence, -1 does not, 0 left to the sentencizer rule
        # work on character offsets: visit only the tokens at a header, a "?" or a line break
        for section in sections:
            i = _token_at(starts, section.start) if section.title else None
            if i:
                marks[i] = 1
        for m in QUERY_MARK.finditer(text):
            # a query mark opening a clause ("swelling. ? pseudogout") belongs to what follows
            i = _token_at(starts, m.start())
            if i and doc[i - 1].text in {".", ":", ";"} and i + 1 < len(doc):
                marks[i], marks[i + 1] = 1, -1
        for i in numpy.flatnonzero(columns[1][:-1]).tolist():
            # a whitespace token holding a line break (whitespace never shares a token with other text)
            if "\n" not in text[starts[i]:starts[i + 1]]:
                continue
            first = text[starts[i + 1]]  # the next token's first character
            runs_on = i > 0 and not is_punct[i - 1] and (first.islower() or first.isdigit())
            if not runs_on and not is_space[i + 1]:
                marks[i + 1] = 1
        if isinstance(self._sentence_rule, ArraySentenceRule):
            rule = numpy.full(len(doc), -1, dtype=numpy.int64)
            rule[[0, *self._sentence_rule.starts(columns[3], is_punct)]] = 1
        else:
            rule = numpy.where(self._sentence_rule.predict([doc])[0], 1, -1)
        for i in self._runs_on_after_abbreviation(doc, starts, text):
            rule[i] = -1
        for i in _after_a_stop_kept_in_a_token(doc, starts, text, self._stop_in_token):
            rule[i] = 1
        marks = numpy.where(marks == 0, rule, marks)
        doc.from_array([SENT_START], marks.astype(numpy.uint64))
        doc.user_data[STARTS_KEY] = _marked(marks)
        return doc

    def _runs_on_after_abbreviation(self, doc: Doc, starts: list[int], text: str) -> list[int]:
        """Tokens right after an abbreviation's full stop ("incl. infection") that go on its sentence: a lower-case
        word or a number follows the stop, written against the abbreviation."""
        found = []
        for k in (m.start() for m in FULL_STOP.finditer(text)):
            k = _token_at(starts, k)
            if not k or k + 1 >= len(doc) or doc[k - 1].lower_ not in self._abbreviations:
                continue
            before, after = doc[k - 1], doc[k + 1]
            written_against = before.idx + len(before) == starts[k]
            if written_against and doc[k].whitespace_ and (after.text[0].islower() or after.is_digit):
                found.append(k + 1)
        return found


def _after_a_stop_kept_in_a_token(doc: Doc, starts: list[int], text: str, stops: re.Pattern[str]) -> list[int]:
    """Tokens that start a sentence after a full stop the tokenizer kept inside a word with a number ("BI-RADS 4B.
    R breast: ...") or a side's letter ("on the L. Patellofemoral ..."): a capital follows. The rule sentencizer
    sees only a stop that is a token of its own."""
    found = []
    for m in stops.finditer(text):
        i = _token_at(starts, m.start())
        if (i is not None and i + 1 < len(doc) and doc[i].text == m.group() and doc[i].whitespace_
                and doc[i + 1].text[:1].isupper()):
            found.append(i + 1)
    return found


def sentence_starts(doc: Doc) -> list[int]:
    """Token offsets where ``doc.sents`` starts its sentences (the first token, then each marked one), read from
    the token array instead of walking Span objects. The sectionizer keeps the list on the Doc it marks (no later
    component changes the marks), so ConText and the linker share it; callers must not change it."""
    starts = doc.user_data.get(STARTS_KEY)
    if starts is None:
        starts = doc.user_data[STARTS_KEY] = _marked(doc.to_array(SENT_START)) if len(doc) else [0]
    return starts


def _marked(marks: numpy.ndarray) -> list[int]:
    return [0, *(numpy.flatnonzero(marks[1:] == 1) + 1).tolist()]


def _token_at(starts: list[int], offset: int) -> int | None:
    """The index of the token starting at character ``offset``, if one does."""
    i = bisect_left(starts, offset)
    return i if i < len(starts) and starts[i] == offset else None

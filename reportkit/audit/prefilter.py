"""A character-level pre-filter: reports that cannot hold a mention skip the spaCy pipeline.

Built from the lexicons. ``triggers(text)`` is true whenever the target matcher could match a
non-exclusion concept (a superset test: every term and every token pattern's first required
token, case-folded as the matcher does). A report without a trigger has no findings and no
queries; :meth:`Prefilter.skipped_result` then gives exactly what the pipeline would:

- sections from the sectionizer's own character-level header search;
- modality from the linker's modality cues, run on small windows of the text around
  character-level candidates (spaCy splits text on whitespace before anything else, so a
  window that starts and ends at whitespace tokenises as it does inside the whole text).

Exclusion concepts are left out of the trigger on purpose: an exclusion phrase can only remove
a mention ("bone mineralization is within normal limits"), so the mention's own term triggers.
When a pattern cannot be turned into a character-level test, every report triggers (or, for
modality, the whole text is tokenised): unsure means run the real thing.
"""

from __future__ import annotations

import re

from spacy.attrs import ORTH
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Span
from spacy.util import filter_spans

from reportkit.lexicon import Lexicon
from reportkit.models import ReportResult

TEXT_KEYS = {"ORTH": False, "TEXT": False, "LOWER": True}  # attribute -> compared case-insensitively
OPTIONAL = {"?", "*"}


LETTER_BEFORE, LETTER_AFTER = r"(?<![^\W\d_])", r"(?![^\W\d_])"


class _Tokens:
    """Character-level regexes for token specs, knowing where spaCy can split between two letters.

    spaCy splits text between two letters only through its special cases ("cannot" -> "can",
    "not"); any other token that starts (ends) with a letter has no letter before (after) it.
    """

    def __init__(self, nlp: Language) -> None:
        self.special = {t[ORTH].lower() for tokens in nlp.tokenizer.rules.values() for t in tokens}

    def literal(self, value: str, fold: bool) -> str:
        """A regex for a token whose text is ``value`` (case-folded when ``fold``)."""
        body = re.escape(value)
        if value.lower() not in self.special:
            body = (LETTER_BEFORE if value[:1].isalpha() else "") + body + (LETTER_AFTER if value[-1:].isalpha() else "")
        return f"(?i:{body})" if fold else f"(?:{body})"

    def value(self, value, fold: bool) -> str | None:
        """A regex matching (at least) every token text the attribute value accepts; None when unknown."""
        if isinstance(value, str):
            return self.literal(value, fold)
        if isinstance(value, dict) and set(value) == {"IN"}:
            return "|".join(self.literal(v, fold) for v in sorted(value["IN"], key=len, reverse=True))
        if isinstance(value, dict) and set(value) == {"REGEX"}:
            # anchors refer to the token's edges; without them the regex accepts more, never less
            body = value["REGEX"].removeprefix("^").removesuffix("$")
            if "^" in body or "$" in body:
                return None
            regex = re.compile(body, re.IGNORECASE if fold else 0)
            if value["REGEX"].startswith("^") and body[:1].isalpha() and not any(map(regex.search, self.special)):
                body = LETTER_BEFORE + body
            return f"(?i:{body})" if fold else f"(?:{body})"
        return None

    def token(self, spec: dict) -> str | None:
        keys = [k for k in spec if k in TEXT_KEYS]
        if len(keys) != 1 or set(spec) - {keys[0], "OP"}:
            return None
        return self.value(spec[keys[0]], TEXT_KEYS[keys[0]])

    def starts(self, pattern: list[dict]) -> list[str] | None:
        """Regexes for every token a match of ``pattern`` can start with; None when unknown."""
        out = []
        for spec in pattern:
            regex = self.token(spec)
            if regex is None:
                return None
            out.append(regex)
            if spec.get("OP") not in OPTIONAL:
                return out
        return None  # every token optional: a match may start anywhere

    def phrase(self, nlp: Language, term: str) -> str:
        """A term as the LOWER phrase matcher sees it: its tokens, any whitespace between."""
        return r"\s*".join(self.literal(t.text, True) for t in nlp.make_doc(term))


def _compile(alternatives: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(sorted(set(alternatives), key=len, reverse=True))) if alternatives else None


class Prefilter:
    """Decide which reports need the pipeline, and give the exact result of those that do not."""

    def __init__(self, lexicon: Lexicon, nlp: Language) -> None:
        self._find_sections = nlp.get_pipe("reportkit_sections").find_sections
        self._tokenizer = nlp.tokenizer
        tokens = _Tokens(nlp)
        alternatives: list[str] | None = []
        for concept in lexicon.concepts.concepts:
            if concept.role == "exclusion":
                continue
            alternatives += [tokens.phrase(nlp, t) for t in concept.terms]
            for pattern in concept.patterns:
                starts = tokens.starts(pattern)
                if starts is None:
                    alternatives = None
                    break
                alternatives += starts
            if alternatives is None:
                break
        self.exact = alternatives is not None
        self._trigger = _compile(alternatives) if alternatives is not None else None
        self._modality_order = [m.id for m in lexicon.modalities.modalities]
        self._phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._patterns = Matcher(nlp.vocab)
        candidates: list[str] | None = []
        self._span_tokens = 1  # most tokens a modality match can span
        for mod in lexicon.modalities.modalities:
            if mod.terms:
                docs = [nlp.make_doc(t) for t in mod.terms]
                self._phrases.add(mod.id, docs)
                self._span_tokens = max(self._span_tokens, *(len(d) for d in docs))
                candidates = None if candidates is None else candidates + [tokens.phrase(nlp, t) for t in mod.terms]
            if mod.patterns:
                self._patterns.add(mod.id, mod.patterns)
                for pattern in mod.patterns:
                    starts = tokens.starts(pattern)
                    bounded = all(spec.get("OP") in (None, "?") for spec in pattern)
                    candidates = None if candidates is None or starts is None or not bounded else candidates + starts
                    self._span_tokens = max(self._span_tokens, len(pattern))
        self._modality_candidates = _compile(candidates) if candidates is not None else None
        self._modality_exact = candidates is not None

    def triggers(self, text: str) -> bool:
        """True when the pipeline might find a mention in ``text`` (always, when the filter is unsure)."""
        return self._trigger is None or self._trigger.search(text) is not None

    def skipped_result(self, text: str, report_id: str) -> ReportResult:
        """The pipeline's result for a report without a trigger: no mentions, its sections and modality."""
        return ReportResult(id=report_id, modality=self.modality(text), sections=self._find_sections(text))

    def modality(self, text: str) -> list[str]:
        """The modalities the linker's cues find in ``text``, in lexicon order."""
        present: set[str] = set()
        for start, end in self._windows(text):
            doc = self._tokenizer(text[start:end])
            matches = list(self._phrases(doc)) + list(self._patterns(doc))
            spans = [Span(doc, s, e, label=match_id) for match_id, s, e in matches]
            present |= {s.label_ for s in filter_spans(spans)}
        return [m for m in self._modality_order if m in present]

    def _windows(self, text: str) -> list[tuple[int, int]]:
        """Whitespace-bounded stretches of ``text`` that hold every possible modality match."""
        if not self._modality_exact:
            return [(0, len(text))]
        windows: list[tuple[int, int]] = []
        for m in self._modality_candidates.finditer(text):
            start = m.start()
            while start > 0 and not text[start - 1].isspace():
                start -= 1
            end = max(m.end(), start + 1)
            for _ in range(self._span_tokens):  # a match starting inside spans at most this many chunks
                while end < len(text) and not text[end].isspace():
                    end += 1
                while end < len(text) and text[end].isspace():
                    end += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if windows and start <= windows[-1][1]:
                windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
            else:
                windows.append((start, end))
        return windows

"""The fast pipeline's tokenizer: spaCy's own, keeping the text it was given and filling its cache.

spaCy caches how it splits each whitespace-delimited chunk, but once a special case ("Dr.", "e.g.", ":)")
has been used in a document it stops caching for the rest of that document (spaCy issue #1250: a chunk split
next to a special case could be cached wrongly). Report text uses a special case early, so spaCy splits most
chunks afresh with its prefix, suffix and infix regexes on every report; that was about two thirds of the
tokenizer's time on the corpus. Tokenising each new chunk once on its own stores what spaCy would store had
the chunk come first in a document: the cache then holds it, and the tokens are spaCy's in every case
(a chunk that meets a special case on its own is not cached, exactly as spaCy decides).
"""

from spacy.tokens import Doc

from reportkit.pipeline.doc_text import TEXT_KEY

MAX_WARM_CHUNKS = 100_000  # distinct chunks tokenised on their own per process; then the cache stays as it is
MAX_CHUNK_CHARS = 64  # longer chunks (runs of symbols, pasted identifiers) rarely repeat


class TextKeepingTokenizer:
    """spaCy's tokenizer, keeping the text it was given on the Doc (spaCy rebuilds ``doc.text`` token by token
    on every access, about a quarter of a tokenisation) and caching every chunk it has seen (see above)."""

    def __init__(self, tokenizer) -> None:
        self._tokenizer = tokenizer
        self._seen: set[str] | None = set()

    def __call__(self, text: str) -> Doc:
        if self._seen is not None:
            new = set(text.split()).difference(self._seen)
            if new:
                self._warm(new)
        doc = self._tokenizer(text)
        doc.user_data[TEXT_KEY] = text
        return doc

    def _warm(self, chunks: set[str]) -> None:
        self._seen |= chunks
        for chunk in chunks:
            if len(chunk) <= MAX_CHUNK_CHARS:
                self._tokenizer(chunk)
        if len(self._seen) >= MAX_WARM_CHUNKS:
            self._seen = None  # memory stays bounded; what is cached stays cached

    def __getattr__(self, name: str):
        return getattr(self._tokenizer, name)  # rules, special cases, pipe ... as spaCy's own

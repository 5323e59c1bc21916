"""The text a Doc was made from, kept on the Doc: spaCy rebuilds ``doc.text`` token by token on every access."""

from spacy.tokens import Doc

TEXT_KEY = "reportkit_text"


def doc_text(doc: Doc) -> str:
    """The document's text, as the tokenizer or the sectionizer kept it (rebuilt only for a Doc made some other way)."""
    return doc.user_data.get(TEXT_KEY) or doc.text

"""medspaCy's ConText with its per-document W036 warning kept to the call that raises it."""

import warnings

from medspacy.context import ConText
from spacy.language import Language
from spacy.tokens import Doc


@Language.factory("reportkit_context")
class QuietConText(ConText):
    """medspaCy's ConText, silent about its empty token-pattern matcher (spaCy W036) on every document."""

    def __call__(self, doc: Doc, targets: str | None = None) -> Doc:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"\[W036\]", category=UserWarning)
            return super().__call__(doc, targets)

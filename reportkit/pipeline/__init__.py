"""Build the spaCy/medspaCy pipeline once and run it on report text.

Flow (each step a registered spaCy component, configured by ``lexicons/``)::

    spacy.blank("en") tokenizer
    -> reportkit_sections   headers (lexicons/sections.yaml), line breaks and query marks start sentences;
                            spaCy's rule sentencizer on ".", "!" and blank lines for the rest
    -> medspacy_target_matcher  concept terms (lexicons/concepts.yaml)
    -> reportkit_gates      typo patterns; document gates (implicit-atherosclerosis context); citation lines
    -> medspacy_context     negation, hedging, history, hypotheticals (lexicons/context.yaml)
    -> reportkit_linker     fold, site, side, cues, size, modality -> Finding records
    -> reportkit_deposits   mentions of one deposit grouped, restatements inherit site -> Deposit records
    -> reportkit_findings   the mentions as labelled spans (doc.spans["reportkit_findings"], doc.ents as an option)

Every component is registered through the ``spacy_factories`` entry point, so ``nlp.add_pipe(name)`` for each
name of :data:`ORDER` assembles the same pipeline without importing reportkit; each component checks that the
steps before it are in place (:mod:`.steps`) and says which is missing. The entry points name
:mod:`.factories`, which imports a component only when its pipe is added: spaCy imports every package's entry
points whenever it makes any pipeline, so this package's ``__init__`` imports nothing either; its names come from
their modules on first use (the pipeline is built in :mod:`.build`).

Two builds from the same lexicons give the same results: the fast one (the default) and the plain one
(``plain=True``: spaCy's own tokenizer, medspaCy's own TargetMatcher and ConText, ``re`` searches, spaCy's
Matcher and Sentencizer). The fast paths are in :mod:`reportkit.pipeline.fast`; the plain build is the
reference ``tests/test_fast_vs_plain.py`` compares them with.

Entry point: :func:`get_pipeline` (built once per process) and :func:`to_result` (Doc -> record).
Only :mod:`reportkit.engine` runs it; the public calls (`extract`, `extract_many`, `analyse`) go through it.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # type checkers see the real names; at run time __getattr__ imports them on first use
    from reportkit.pipeline.build import CONTEXT, build_pipeline, get_pipeline, to_result
    from reportkit.pipeline.extensions import FINDINGS_KEY, MENTION_GROUP
    from reportkit.pipeline.rules import fold_spelling
    from reportkit.pipeline.steps import ORDER, PipelineError

__all__ = ["CONTEXT", "FINDINGS_KEY", "MENTION_GROUP", "ORDER", "PipelineError", "build_pipeline", "fold_spelling",
           "get_pipeline", "to_result"]

_HOME = {"CONTEXT": "build", "build_pipeline": "build", "get_pipeline": "build", "to_result": "build",
         "FINDINGS_KEY": "extensions", "MENTION_GROUP": "extensions", "fold_spelling": "rules",
         "ORDER": "steps", "PipelineError": "steps"}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(f"{__name__}.{_HOME[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""The pipeline's one order of steps, and the check that a pipeline assembled by hand (or loaded) keeps it.

Each component reads what the steps before it wrote (sentence starts, the span group of matched terms, ConText's
flags, the findings), so a missing or misplaced step would make spaCy fail with a bare ``KeyError`` (E109) or,
worse, run and find nothing. Every reportkit component after the first checks, on its first call and when the
pipeline is saved or loaded, that each earlier step is in the pipeline before it, and says which is missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

# (step, the factories that can fill it), in pipeline order; the medspaCy factories are the plain build's
STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sections", ("reportkit_sections",)),
    ("terms", ("reportkit_target_matcher", "medspacy_target_matcher")),
    ("gates", ("reportkit_gates",)),
    ("context", ("reportkit_context", "medspacy_context")),
    ("linker", ("reportkit_linker",)),
    ("deposits", ("reportkit_deposits",)),
    ("findings", ("reportkit_findings",)),
)
ORDER = tuple(factories[0] for _, factories in STEPS)  # the components to add, in this order
STEP_OF = {factory: i for i, (_, factories) in enumerate(STEPS) for factory in factories}
RULED_STEPS = ("terms", "context")  # steps whose component is useless without the lexicon's rules
UNSAVED_RULES = ("medspacy_target_matcher", "medspacy_context")  # keep rules added by hand only in memory


class PipelineError(ValueError):
    """A pipeline whose reportkit components are missing, out of order, or without their rules."""


def _factory(nlp: Language, name: str) -> str:
    return nlp.get_pipe_meta(name).factory


def check_pipeline(nlp: Language, component: object, saving: bool = False) -> bool:
    """Raise :class:`PipelineError` unless every step before ``component``'s is in ``nlp`` before it, in order,
    with its rules (``saving``: and each keeps them when saved). False when ``component`` is not in ``nlp``'s
    pipeline (called on its own, or disabled), so nothing could be checked."""
    names = [name for name, proc in nlp.pipeline if proc is component]
    if not names:
        return False
    factories = [_factory(nlp, name) for name in nlp.pipe_names]
    here = nlp.pipe_names.index(names[0])
    own = factories[here]
    last = -1
    for label, accepted in STEPS[: STEP_OF.get(own, 0)]:  # a component made by another factory: nothing to check
        found = [i for i in range(here) if factories[i] in accepted]
        if not found or found[0] < last:
            where = "before it" if not found else f"after {factories[last]}"
            raise PipelineError(
                f"{own} needs {' or '.join(accepted)} ({label}) {where}; the pipeline is "
                f"[{', '.join(factories)}]. Build it with reportkit.pipeline.build_pipeline(), or "
                f"add the components in this order: {', '.join(ORDER)}."
            )
        last = found[0]
        proc = nlp.get_pipe(nlp.pipe_names[last])
        if label in RULED_STEPS and not len(getattr(proc, "rules", ()) or ()):
            raise PipelineError(
                f"{own} needs rules in {factories[last]} ({label}), which has none: use "
                f"{accepted[0]}, which loads the lexicon's rules itself."
            )
        if saving and factories[last] in UNSAVED_RULES:
            raise PipelineError(
                f"{factories[last]} keeps its rules only in memory, so the saved pipeline would find nothing: "
                f"save build_pipeline() (not plain=True), whose {accepted[0]} loads the lexicon's rules itself."
            )
    return True


class PipelineStep:
    """What a reportkit component after the first shares: the order check, on its first call and when the
    pipeline is saved or loaded (spaCy calls ``to_disk`` and ``from_disk`` on each component that has them)."""

    nlp: Language
    _order_checked: bool = False

    def check_order(self) -> None:
        """Check once that the steps before this component are in place (see :func:`check_pipeline`)."""
        if not self._order_checked:
            self._order_checked = check_pipeline(self.nlp, self)

    def to_disk(self, path, *, exclude=()) -> None:
        """Nothing of its own to write (the factory rebuilds it from its config); refuses a pipeline that
        would not find the same mentions when loaded."""
        check_pipeline(self.nlp, self, saving=True)

    def from_disk(self, path, *, exclude=()):
        """Nothing of its own to read; refuses a loaded pipeline whose steps are missing or have no rules."""
        self._order_checked = check_pipeline(self.nlp, self)
        return self

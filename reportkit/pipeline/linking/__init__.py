"""The ``reportkit_linker`` component (importing this package registers its spaCy factory)."""

from reportkit.pipeline.linking.linker import FindingLinker, make_linker

__all__ = ["FindingLinker", "make_linker"]

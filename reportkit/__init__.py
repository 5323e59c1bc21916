"""reportkit: soft-tissue calcification, ossification and foreign-body mentions in MSK reports.

``extract``, ``extract_many`` and ``analyse`` (:mod:`reportkit.api`) are imported on first use,
so ``reportkit --version`` and the lint rule listing never load spaCy.
"""

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # type checkers see the real functions; at run time __getattr__ imports them on first use
    from reportkit.api import analyse, extract, extract_many

try:
    __version__ = version("reportkit")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__", "analyse", "extract", "extract_many"]


def __getattr__(name: str) -> Any:
    if name in ("analyse", "extract", "extract_many"):
        from reportkit import api

        return getattr(api, name)
    raise AttributeError(f"module 'reportkit' has no attribute {name!r}")

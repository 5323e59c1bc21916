"""reportkit: soft-tissue calcification, ossification and foreign-body mentions in MSK reports."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("reportkit")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

from reportkit.pipeline import extract, extract_many  # noqa: E402

__all__ = ["__version__", "extract", "extract_many"]

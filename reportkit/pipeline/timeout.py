"""The per-report time limit now lives in :mod:`reportkit.timeout` (importing it loads no spaCy)."""

from reportkit.timeout import DEFAULT_TIME_LIMIT, RETRY_SECONDS, ReportTimeout, time_limit

__all__ = ["DEFAULT_TIME_LIMIT", "RETRY_SECONDS", "ReportTimeout", "time_limit"]

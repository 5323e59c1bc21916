"""Reading inputs for every command, and running extraction over them.

:mod:`reportkit.io.readers` depends only on :mod:`reportkit.models`, so lower layers (lint,
evaluation) may read through it; :mod:`reportkit.io.runner` imports the api lazily.
"""

from reportkit.io.readers import (
    DRAFTS,
    REPORTS,
    Draft,
    Input,
    Mode,
    Record,
    Report,
    expand_path,
    read,
    read_drafts,
    read_inputs,
    read_records,
)
from reportkit.io.runner import Rendered, Tally, extract_inputs, render_inputs

__all__ = [
    "DRAFTS",
    "REPORTS",
    "Draft",
    "Input",
    "Mode",
    "Record",
    "Rendered",
    "Report",
    "Tally",
    "expand_path",
    "extract_inputs",
    "read",
    "read_drafts",
    "read_inputs",
    "read_records",
    "render_inputs",
]

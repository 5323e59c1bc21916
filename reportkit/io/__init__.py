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
    check_encoding,
    expand_path,
    read,
    read_drafts,
    read_inputs,
    read_records,
)
from reportkit.io.runner import Rendered, Tally, cap_workers, extract_inputs, render_inputs
from reportkit.io.writers import atomic_output, input_files, output_file_problem, output_folder_problem

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
    "atomic_output",
    "cap_workers",
    "check_encoding",
    "expand_path",
    "extract_inputs",
    "input_files",
    "output_file_problem",
    "output_folder_problem",
    "read",
    "read_drafts",
    "read_inputs",
    "read_records",
    "render_inputs",
]

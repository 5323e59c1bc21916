"""Reading inputs for every command (one reader family, one policy), and the one batch runner.

:mod:`reportkit.io.readers` depends only on :mod:`reportkit.models`; :mod:`reportkit.io.runner`
imports the engine lazily, so ``reportkit --version`` loads no spaCy.
"""

from reportkit.io.readers import (
    ARCHIVES,
    DRAFTS,
    REPORTS,
    ColumnMapError,
    Draft,
    Input,
    Mode,
    Record,
    Report,
    check_encoding,
    expand_path,
    read,
    read_archives,
    read_drafts,
    read_inputs,
    read_records,
)
from reportkit.io.runner import Rendered, Runner, Tally, cap_workers, cpu_count, extract_inputs, render_inputs
from reportkit.io.writers import atomic_output, input_files, output_file_problem, output_folder_problem

__all__ = [
    "ARCHIVES",
    "DRAFTS",
    "REPORTS",
    "ColumnMapError",
    "Draft",
    "Input",
    "Mode",
    "Record",
    "Rendered",
    "Report",
    "Runner",
    "Tally",
    "atomic_output",
    "cap_workers",
    "check_encoding",
    "cpu_count",
    "expand_path",
    "extract_inputs",
    "input_files",
    "output_file_problem",
    "output_folder_problem",
    "read",
    "read_archives",
    "read_drafts",
    "read_inputs",
    "read_records",
    "render_inputs",
]

"""Writing outputs without losing anything the user gave.

An output file is written to a temporary file in its own folder and renamed over the target
only when complete, so a failed or interrupted run leaves the old file (or none) in place,
never half of one. An output that is also one of the inputs is refused before anything is read.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from reportkit.io.readers import STDIN, expand_path


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)  # follows symlinks, and catches hard links too
    except OSError:
        return a.resolve() == b.resolve()


def input_files(paths: Iterable[str], suffixes: Iterable[str]) -> list[Path]:
    """Every existing file the path arguments name (stdin excluded)."""
    return [file for raw in paths if raw != STDIN for file in expand_path(raw, frozenset(suffixes))]


def output_file_problem(output: Path, inputs: Iterable[Path]) -> str | None:
    """Why ``output`` cannot be written (missing folder, a folder, one of the inputs), else None."""
    if output.is_dir():
        return f"{output}: is a folder; give a file name"
    if not output.parent.is_dir():
        return f"{output}: folder {output.parent} does not exist"
    if output.exists() and any(_same_file(output, file) for file in inputs):
        return f"{output}: is also an input; write to another file"
    return None


def output_folder_problem(folder: Path) -> str | None:
    """Why ``folder`` cannot take output files (it is a file, or its parent path is blocked), else None."""
    for path in (folder, *folder.parents):
        if path.exists():
            return None if path.is_dir() else f"{folder}: {path} is a file, not a folder"
    return None


@contextmanager
def atomic_output(path: Path, newline: str | None = None) -> Iterator[TextIO]:
    """A UTF-8 text stream whose content replaces ``path`` only when the block completes."""
    if path.exists() and not path.is_file():  # /dev/stdout, a FIFO: nothing to rename over
        with path.open("w", encoding="utf-8", newline=newline) as handle:
            yield handle
        return
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            yield handle
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp creates 0600; give the usual permissions
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise

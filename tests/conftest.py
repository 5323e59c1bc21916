"""Shared test fixtures.

``shared/`` (the reference article and the dev set) lives beside the clone in CI and may
be absent in a user's clone: tests that need it skip cleanly.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
DATA = TESTS / "data"

# The suite keeps reportkit's cache in a folder of its own, removed at the end, not in the user's: every
# temporary lexicon folder a test loads would leave an entry there. Commands the tests start inherit it.
if "REPORTKIT_CACHE_DIR" not in os.environ:
    os.environ["REPORTKIT_CACHE_DIR"] = tempfile.mkdtemp(prefix="reportkit-tests-cache-")
    atexit.register(shutil.rmtree, os.environ["REPORTKIT_CACHE_DIR"], ignore_errors=True)


def _shared_dir() -> Path:
    configured = os.environ.get("REPORTKIT_SHARED")
    return Path(configured) if configured else TESTS.parent.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = _shared_dir()
    if not (path / "eval" / "dev.jsonl").is_file():
        pytest.skip(f"shared/ not found at {path} (set REPORTKIT_SHARED)")
    return path


@pytest.fixture(scope="session")
def dev_path(shared_dir: Path) -> Path:
    return shared_dir / "eval" / "dev.jsonl"


@pytest.fixture(scope="session")
def article_text(shared_dir: Path) -> str:
    return (shared_dir / "reference" / "000_df749980c0a26ef1.txt").read_text(encoding="utf-8")


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def captions() -> dict[str, dict]:
    """Figure captions of the reference article, annotated by the team (tests/data/README.md)."""
    return {item["id"]: item for item in load_jsonl(DATA / "article_captions.jsonl")}


def corpus_dir() -> Path:
    configured = os.environ.get("REPORTKIT_CORPUS")
    return Path(configured) if configured else _shared_dir() / "corpus"


@pytest.fixture(scope="session")
def corpus_records() -> list[tuple[str, str]]:
    """(id, text) of every unlabelled corpus report in shared/corpus (REPORTKIT_CORPUS overrides); skips without it."""
    corpus = corpus_dir()
    files = sorted(corpus.glob("*.jsonl")) if corpus.is_dir() else []
    if not files:
        pytest.skip(f"no shared corpus at {corpus}")
    return [(record["id"], record["text"]) for file in files
            for record in map(json.loads, file.read_text(encoding="utf-8").splitlines())]


@pytest.fixture
def chromium() -> str:
    """Headless Chromium's path. Skips where it is not installed, but fails in CI, whose set-up installs it."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium package)")
        pytest.skip("chromium not installed")
    return browser


@pytest.fixture
def lexicons(tmp_path, monkeypatch) -> Path:
    """A copy of the shipped lexicons and an empty cache folder of its own (``tmp_path / "cache"``)."""
    from reportkit.lexicon import default_lexicon_dir, loader

    folder = tmp_path / "lexicons"
    folder.mkdir()
    for name in loader.LEXICON_FILES:
        (folder / name).write_bytes((default_lexicon_dir() / name).read_bytes())
    monkeypatch.setenv(loader.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(loader.NO_CACHE_ENV, raising=False)
    return folder

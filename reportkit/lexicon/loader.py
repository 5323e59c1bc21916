"""Find the lexicon folder, read every file and validate the whole into one :class:`Lexicon`."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import sys
import tempfile
from collections.abc import Iterable
from importlib.util import find_spec
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError, model_validator

from reportkit.lexicon import yaml_lines
from reportkit.lexicon.reasoning_schema import (
    DiagnosisRules,
    Differential,
    FollowUp,
    LintVocabulary,
    Term,
    Terminology,
)
from reportkit.lexicon.schema import (
    Anatomy,
    Concept,
    Concepts,
    ContextRules,
    Descriptors,
    Linking,
    Modalities,
    Sections,
)
from reportkit.lexicon.yaml_lines import LexiconError, parse_yaml, parse_yaml_data


class Lexicon(BaseModel):
    """All lexicons, validated. Built once per process by :func:`load_lexicon`."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    concepts: Concepts
    anatomy: Anatomy
    descriptors: Descriptors
    modalities: Modalities
    sections: Sections
    context: ContextRules
    linking: Linking
    diagnosis_rules: DiagnosisRules
    differential: Differential
    followup: FollowUp
    terminology: Terminology
    lint: LintVocabulary
    source: str

    @model_validator(mode="after")
    def _references_resolve(self) -> Lexicon:
        concept_ids = {c.id for c in self.concepts.concepts}
        descriptor_ids = {d.id for d in self.descriptors.descriptors}
        entity_ids = {e.id for e in self.differential.entities}
        site_ids = {s.id for s in self.anatomy.sites}
        checks: list[tuple[str, Iterable[str], set[str]]] = []
        checks += [(f"concepts.yaml: concept {c.id} restates", c.restates, concept_ids)
                   for c in self.concepts.concepts if c.restates]
        for i, rule in enumerate(self.diagnosis_rules.rules):
            checks += [(f"diagnosis_rules.yaml: rule {i}", rule.concepts, concept_ids),
                       (f"diagnosis_rules.yaml: rule {i}", rule.descriptors_any, descriptor_ids)]
        for entity in self.differential.entities:
            where = f"differential.yaml: entity {entity.id}"
            checks.append((where, entity.concepts, concept_ids))
            checks.append((where, [c.descriptor for c in entity.cues if c.descriptor], descriptor_ids))
            checks.append((where, [i for c in entity.cues for i in c.site_of], site_ids))
            checks += [(where, p.descriptors_any, descriptor_ids) for p in entity.phases]
            checks += [(where, n.when_descriptors, descriptor_ids) for n in entity.notes]
        for rule in self.followup.rules:
            where = f"followup.yaml: rule {rule.id}"
            checks += [(where, rule.when.concepts, concept_ids), (where, rule.when.descriptors_any, descriptor_ids),
                       (where, rule.when.differential_includes, entity_ids)]
        for term in self.terminology.terms:
            checks.append((f"terminology.yaml: term {term.id}", term.concepts, concept_ids))
        checks.append(("lint.yaml: hadd_appearance", self.lint.hadd_appearance, descriptor_ids))
        checks.append(("lint.yaml: location_rules", self.lint.location_rules, {r.id for r in self.followup.rules}))
        for where, refs, known in checks:
            missing = set(refs) - known
            if missing:
                raise ValueError(f"{where} names unknown ids {sorted(missing)}")
        return self

    def term_for_concept(self, concept_id: str) -> Term | None:
        """The terminology entry that covers ``concept_id``, if any."""
        return self.__pydantic_private__["_term_index"].get(concept_id)  # not through pydantic's __getattr__

    _concept_index: dict[str, Concept] = PrivateAttr(default_factory=dict)
    _term_index: dict[str, Term] = PrivateAttr(default_factory=dict)

    def model_post_init(self, _context: Any) -> None:
        """Index concepts by id once, after validation."""
        self._concept_index = {c.id: c for c in self.concepts.concepts}
        self._term_index = {concept: t for t in self.terminology.terms for concept in t.concepts}

    def concept(self, concept_id: str) -> Concept:
        """The concept with ``concept_id`` (KeyError names it when missing)."""
        # read straight from the private-attribute dict: pydantic's __getattr__ costs 40x the lookup, per finding
        return self.__pydantic_private__["_concept_index"][concept_id]


# file name -> (Lexicon field, model)
LEXICON_FILES: dict[str, tuple[str, type[BaseModel]]] = {
    "concepts.yaml": ("concepts", Concepts),
    "anatomy.yaml": ("anatomy", Anatomy),
    "descriptors.yaml": ("descriptors", Descriptors),
    "modalities.yaml": ("modalities", Modalities),
    "sections.yaml": ("sections", Sections),
    "context.yaml": ("context", ContextRules),
    "linking.yaml": ("linking", Linking),
    "diagnosis_rules.yaml": ("diagnosis_rules", DiagnosisRules),
    "differential.yaml": ("differential", Differential),
    "followup.yaml": ("followup", FollowUp),
    "terminology.yaml": ("terminology", Terminology),
    "lint.yaml": ("lint", LintVocabulary),
}


def default_lexicon_dir() -> Traversable:
    """The lexicons shipped in the installed package."""
    return files("reportkit.lexicons")


@functools.cache
def load_lexicon(directory: str | None = None) -> Lexicon:
    """Load and validate every lexicon file from ``directory`` (default: the shipped ones).

    The files' parsed YAML is kept in a cache (:func:`cache_dir`) keyed by a checksum of their bytes, so
    another process skips the YAML parse; it is validated again, so the result is the same as from the files.
    The lexicon that validation gave is kept beside it, keyed by that cache file's bytes, the files' checksum
    and the validating code, so another process with the same files, cache and code skips validation too.
    """
    root: Traversable = Path(directory) if directory else default_lexicon_dir()
    raw: dict[str, bytes] = {}
    for name in LEXICON_FILES:
        entry = root / name
        if not entry.is_file():
            raise LexiconError(f"{name}: lexicon file is missing from {root}")
        raw[name] = entry.read_bytes()
    cache = _cache_file(root)
    checksum = _checksum(raw)
    if cache is not None and (cached := _read_cache(cache, checksum)) is not None:
        stored, key = cached
        if (validated := _read_validated(cache, key, str(root))) is not None:
            return validated
        try:
            lexicon = _validate(root, {name: model.model_validate(stored[name])
                                       for name, (_field, model) in LEXICON_FILES.items()})
        except (ValidationError, LexiconError):
            pass  # not what these files validate to: parsed again below, and the cache rewritten
        else:
            _write_validated(cache, key, lexicon)
            return lexicon
    data: dict[str, Any] = {}
    parsed: dict[str, BaseModel] = {}
    for name, (_field, model) in LEXICON_FILES.items():
        try:
            text = raw[name].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LexiconError(f"{name}: not UTF-8 text ({exc})") from exc
        data[name] = parse_yaml(name, text)
        parsed[name] = parse_yaml_data(name, data[name], model)
    lexicon = _validate(root, parsed)
    if cache is not None and (key := _write_cache(cache, checksum, data)) is not None:
        _write_validated(cache, key, lexicon)
    return lexicon


def _validate(root: Traversable, parsed: dict[str, BaseModel]) -> Lexicon:
    """The whole lexicon from its validated files (the references between files checked)."""
    try:
        return Lexicon(source=str(root), **{LEXICON_FILES[name][0]: value for name, value in parsed.items()})
    except ValidationError as exc:
        raise LexiconError(str(exc.errors()[0]["msg"])) from exc


# ---------------------------------------------------------------------------------------------------- the cache
# Parsing the YAML is most of a lexicon load (libyaml parses; PyYAML builds the objects in Python). The cache
# holds the parsed data of lexicon files that validated, as JSON: loading it runs no code, and a file that is
# corrupt, stale (another checksum) or not ours is ignored and written again. The key covers what the data
# depends on: the files' bytes, the YAML loader's code and PyYAML's version.

CACHE_FORMAT = 1  # raise when the cache file's layout changes
CACHE_DIR_ENV = "REPORTKIT_CACHE_DIR"  # the cache folder instead of the platform's
NO_CACHE_ENV = "REPORTKIT_NO_CACHE"  # any value but "" or "0": no cache is read or written


def cache_dir() -> Path | None:
    """Where reportkit keeps its cache: ``$REPORTKIT_CACHE_DIR``, else the platform's user cache folder
    (``$XDG_CACHE_HOME/reportkit``, default ``~/.cache/reportkit``; ``~/Library/Caches/reportkit`` on macOS;
    ``%LOCALAPPDATA%\\reportkit\\Cache`` on Windows). None when ``$REPORTKIT_NO_CACHE`` is set."""
    if os.environ.get(NO_CACHE_ENV, "") not in ("", "0"):
        return None
    if configured := os.environ.get(CACHE_DIR_ENV):
        return Path(configured)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base, "reportkit", "Cache") if base else Path.home() / "AppData" / "Local" / "reportkit" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "reportkit"
    base = os.environ.get("XDG_CACHE_HOME", "")
    return Path(base if os.path.isabs(base) else Path.home() / ".cache", "reportkit")  # XDG: relative is ignored



def kept_regexes_file(lexicon: Lexicon, use: str) -> Path | None:
    """Where ``use`` (the pre-filter, the scope reader) keeps the regexes it compiles from ``lexicon``
    (:class:`reportkit.regex_syntax.KeptRegexes`): one file per use and lexicon folder, in reportkit's cache
    folder (None: ``REPORTKIT_NO_CACHE``)."""
    folder = cache_dir()
    if folder is None:
        return None
    where = hashlib.sha256(lexicon.source.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return folder / f"{use}-{where}.json"


def _cache_file(root: Traversable) -> Path | None:
    """One cache file per lexicon folder (a changed folder replaces its file, none piles up)."""
    folder = cache_dir()
    if folder is None:
        return None
    where = hashlib.sha256(str(root).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return folder / f"lexicon-{where}.json"


@functools.cache
def _yaml_package_source() -> bytes:
    spec = find_spec("yaml")
    return Path(spec.origin).read_bytes() if spec is not None and spec.origin else b""


def _checksum(raw: dict[str, bytes]) -> str:
    digest = hashlib.sha256(f"{CACHE_FORMAT}\0".encode())
    # PyYAML's version, read from its package file (it states it) without importing PyYAML
    digest.update(_yaml_package_source())
    digest.update(Path(yaml_lines.__file__).read_bytes())  # the loader: which words are booleans, for one
    for name, content in raw.items():
        digest.update(f"\0{name}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def _read_cache(cache: Path, checksum: str) -> tuple[dict[str, Any], str] | None:
    """The cached data for these files and the key of its validated form (:func:`_validated_key`), or None
    (missing, unreadable, corrupt, stale, or not ours)."""
    try:
        content = cache.read_bytes()
        stored = json.loads(content)
    except (OSError, ValueError, RecursionError):
        return None
    if not (isinstance(stored, dict) and stored.get("format") == CACHE_FORMAT and stored.get("checksum") == checksum):
        return None
    data = stored.get("data")
    if not isinstance(data, dict) or set(data) != set(LEXICON_FILES):
        return None
    return data, _validated_key(content)


def _write_cache(cache: Path, checksum: str, data: dict[str, Any]) -> str | None:
    """Store the data, replaced whole, and return the key of its validated form; data JSON would change (a date,
    a number as a key) and a folder that cannot be written are left uncached (None)."""
    try:
        text = json.dumps({"format": CACHE_FORMAT, "checksum": checksum, "data": data}, ensure_ascii=False)
    except (TypeError, ValueError):
        return None
    if json.loads(text)["data"] != data:
        return None
    content = text.encode("utf-8")
    return _validated_key(content) if replace_whole(cache, content) else None


def replace_whole(path: Path, content: bytes) -> bool:
    """Write a cache file whole (a reader sees the old file or the new one); False when its folder cannot be
    written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        return False  # a read-only or full disk: the next process parses the YAML again
    return True


# The validated lexicon, pickled beside the parsed data: building pydantic's validators and validating the data
# are most of a load from the cache. Its key covers everything the validated objects depend on: the cache file's
# bytes (so the files' checksum and the data, which a change to either file replaces), the code that validates
# them (this package's modules and the text helpers its validators call) and the Python and pydantic versions
# whose objects are pickled. Anything else (missing, corrupt, another key, another folder) is ignored, and the
# data is validated again. Like the parsed data, it lives in the user's own cache folder.

_VALIDATING_MODULES = ("reportkit.text", "reportkit.regex_syntax")  # besides this package's own


@functools.cache
def _code_digest() -> bytes:
    import pydantic
    import pydantic_core

    digest = hashlib.sha256(f"{sys.version}\0{pydantic.VERSION}\0{pydantic_core.__version__}\0".encode())
    sources = sorted(Path(__file__).parent.glob("*.py")) + [Path(sys.modules[m].__file__ or "")
                                                           for m in _VALIDATING_MODULES]
    for source in sources:
        digest.update(f"\0{source.name}\0".encode())
        digest.update(source.read_bytes())
    return digest.digest()


def _validated_key(cache_content: bytes) -> str:
    return hashlib.sha256(_code_digest() + hashlib.sha256(cache_content).digest()).hexdigest()


def _validated_file(cache: Path) -> Path:
    return cache.with_suffix(".validated")


def _read_validated(cache: Path, key: str, source: str) -> Lexicon | None:
    """The lexicon validated from this very cache file by this code, or None."""
    try:
        content = _validated_file(cache).read_bytes()
    except OSError:
        return None
    header = f"{key}\n".encode()
    if not content.startswith(header):
        return None
    try:
        lexicon = pickle.loads(content[len(header):])
    except Exception:  # noqa: BLE001 - a damaged file is only a miss
        return None
    return lexicon if isinstance(lexicon, Lexicon) and lexicon.source == source else None


def _write_validated(cache: Path, key: str, lexicon: Lexicon) -> None:
    replace_whole(_validated_file(cache), f"{key}\n".encode() + pickle.dumps(lexicon, protocol=pickle.HIGHEST_PROTOCOL))

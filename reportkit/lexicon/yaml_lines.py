"""A YAML loader that remembers line numbers, so a bad lexicon entry is reported as file:line."""

from __future__ import annotations

import functools
import re
from typing import Any

from pydantic import BaseModel, ValidationError


class LexiconError(ValueError):
    """A lexicon file is missing, unreadable or invalid; the message names file and line."""


class _LineDict(dict):
    """A mapping that remembers the YAML line it started on."""

    line: int = 0


class _LineList(list):
    """A sequence that remembers the YAML line of each item."""

    lines: list[int]


@functools.cache
def line_loader() -> type:
    """The YAML loader class, made on first use: a process that reads its lexicon from the cache (every
    command after the first) never imports PyYAML."""
    import yaml

    # libyaml's parser where PyYAML has it (about nine times faster over the lexicons; the same nodes and marks)
    safe_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class LineLoader(safe_loader):  # type: ignore[misc, valid-type]
        """SafeLoader that records line numbers, and reads yes/no/on/off as words, not booleans."""

    def construct_mapping(loader: LineLoader, node: yaml.MappingNode) -> _LineDict:
        mapping = _LineDict(loader.construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        return mapping

    def construct_sequence(loader: LineLoader, node: yaml.SequenceNode) -> _LineList:
        sequence = _LineList(loader.construct_sequence(node, deep=True))
        sequence.lines = [item.start_mark.line + 1 for item in node.value]
        return sequence

    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, construct_sequence)
    # Lexicons are lists of words: only `true`/`false` are booleans (YAML 1.2), not "no" or "off".
    LineLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    LineLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                     list("tTfF"))
    return LineLoader


def _line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest node on the path ``loc`` of a validation error."""
    line = getattr(data, "line", None)
    node = data
    for key in loc:
        try:
            child = node[key]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, _LineList) and isinstance(key, int):
            line = node.lines[key]
        node = child
        line = getattr(node, "line", line)
    return line


def parse_yaml(name: str, text: str) -> Any:
    """Parse one lexicon file's text (mappings and sequences remember their lines), raising LexiconError with
    file:line."""
    import yaml

    try:
        return yaml.load(text, Loader=line_loader())  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark else name
        raise LexiconError(f"{where}: not valid YAML: {exc}") from exc


def parse_yaml_data(name: str, data: Any, model: type[BaseModel]) -> BaseModel:
    """Validate one lexicon file's parsed data, raising LexiconError with file:line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        line = _line_of(data, tuple(first["loc"]))
        where = f"{name}:{line}" if line else name
        path = ".".join(str(p) for p in first["loc"])
        raise LexiconError(f"{where}: {path}: {first['msg']}") from exc


def parse_yaml_file(name: str, text: str, model: type[BaseModel]) -> BaseModel:
    """Parse one lexicon file's text and validate it, raising LexiconError with file:line."""
    return parse_yaml_data(name, parse_yaml(name, text), model)

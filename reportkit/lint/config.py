"""Lint configuration: ``[tool.reportkit.lint]`` in pyproject.toml or ``[lint]`` in reportkit.toml."""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from reportkit.lint.registry import REMOVED, LintError, Rule, Severity, find_rule, rules

CONFIG_NAMES = ("reportkit.toml", "pyproject.toml")


def rule_selectors(values: Iterable[str]) -> list[str]:
    """Split comma-separated codes, prefixes or rule names; ValueError naming any that matches no rule."""
    known = rules()
    selectors = []
    for value in values:
        for part in (p.strip() for p in value.split(",")):
            if not part:
                continue
            by_name = next((r.code for r in known.values() if r.name == part.lower()), None)
            code = by_name or part.upper()
            if code in REMOVED:
                raise ValueError(f"rule {code} was {REMOVED[code]}")
            if not any(c.startswith(code) for c in known):
                raise ValueError(f"unknown rule code or prefix '{part}' (see: reportkit rule --all)")
            selectors.append(code)
    return selectors


class LintConfig(BaseModel):
    """``[tool.reportkit.lint]`` in pyproject.toml, or ``[lint]`` in reportkit.toml."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    select: list[str] = Field(default_factory=lambda: ["RK"])
    ignore: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict)
    fail_on: Severity = Field(default="warning", alias="fail-on")
    # glob -> codes ignored in the files it matches, as ruff's per-file-ignores: matched against the path
    # relative to the configuration file's folder (the working directory without one) and the file name
    per_file_ignores: dict[str, list[str]] = Field(default_factory=dict, alias="per-file-ignores")

    @field_validator("select", "ignore")
    @classmethod
    def _known_selectors(cls, values: list[str], info: ValidationInfo) -> list[str]:
        """A selector that matches no rule would silently lint nothing (or ignore nothing); so would
        selecting no rule at all, in a file (``select = []``) as on the command line (``--select ''``)."""
        selectors = rule_selectors(values)
        if not selectors and (values or info.field_name == "select"):
            raise ValueError("empty rule selection")
        return selectors

    @field_validator("per_file_ignores")
    @classmethod
    def _known_per_file_selectors(cls, values: dict[str, list[str]]) -> dict[str, list[str]]:
        return {glob: rule_selectors(codes) for glob, codes in values.items()}

    def for_file(self, path: Path, base: Path) -> LintConfig:
        """This configuration with the per-file ignores of the file at ``path`` (globs relative to ``base``)."""
        absolute = path.resolve()
        try:
            relative = absolute.relative_to(base.resolve()).as_posix()
        except ValueError:
            relative = absolute.as_posix()
        ignored = [code for glob, codes in self.per_file_ignores.items()
                   if _glob_matches(glob, relative, absolute.name) for code in codes]
        return self.model_copy(update={"ignore": self.ignore + ignored}) if ignored else self

    def enabled(self, code: str) -> bool:
        """Whether the rule code matches a selected prefix and no ignored one."""
        return code.startswith(tuple(self.select)) and not code.startswith(tuple(self.ignore))

    def severity_of(self, r: Rule) -> Severity:
        """The configured severity of the rule (by code, then name), else its default."""
        return self.severity.get(r.code, self.severity.get(r.name, r.severity))

    def with_options(self, select: list[str] | None, ignore: list[str] | None, fail_on: str | None) -> LintConfig:
        """This configuration overridden by command-line options; LintError naming the bad option."""
        data = self.model_dump(by_alias=True)
        for option, key, values in (("--select", "select", select), ("--ignore", "ignore", ignore),
                                    ("--fail-on", "fail-on", fail_on)):
            if not values:
                continue
            try:
                LintConfig.model_validate({key: values})
            except ValidationError as exc:
                raise LintError(f"{option}: {exc.errors()[0]['msg'].removeprefix('Value error, ')}") from exc
            data[key] = data[key] + values if key == "ignore" else values
        return LintConfig.model_validate(data)


def _glob_matches(glob: str, relative: str, name: str) -> bool:
    """Whether a per-file-ignores glob matches a file (``**/`` also matches no folder at all)."""
    candidates = [glob, glob[3:]] if glob.startswith("**/") else [glob]
    return any(fnmatch.fnmatchcase(relative, g) or fnmatch.fnmatchcase(name, g) for g in candidates)


def find_config_file(start: Path) -> Path | None:
    """The nearest reportkit.toml, or pyproject.toml with a lint table, in ``start`` or a folder above it."""
    here = start.resolve()
    for folder in [here, *here.parents]:
        for name in CONFIG_NAMES:
            path = folder / name
            if path.is_file() and _lint_table(path) is not None:
                return path
    return None


def load_config(explicit: Path | None = None, start: Path | None = None) -> tuple[LintConfig, Path | None]:
    """The explicit file, else the nearest one with a lint table from ``start`` (default: working directory)."""
    if explicit:
        if not explicit.is_file():
            raise LintError(f"{explicit}: configuration file not found")
        path = explicit
        if _lint_table(path) is None:
            raise LintError(f"{path}: no [lint] or [tool.reportkit.lint] table")
    else:
        path = find_config_file(start or Path.cwd())
        if path is None:
            return LintConfig(), None
    try:
        config = LintConfig.model_validate(_lint_table(path))
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        raise LintError(f"{path}: lint.{'.'.join(map(str, first['loc']))}: {message}") from exc
    for code in config.severity:
        try:
            find_rule(code)
        except LintError as exc:
            raise LintError(f"{path}: lint.severity: {exc}") from exc
    return config, path


class ConfigFinder:
    """The configuration for each linted file: the explicit one, else the nearest above the file (cached)."""

    def __init__(self, explicit: Path | None, select: list[str] | None = None, ignore: list[str] | None = None,
                 fail_on: str | None = None) -> None:
        self.explicit = explicit
        self.options = (select, ignore, fail_on)
        self._by_folder: dict[Path, LintConfig] = {}
        self._base: dict[Path, Path] = {}  # the folder per-file-ignores globs are relative to
        if explicit:  # a bad explicit file or option is reported before any input is read
            self.for_folder(Path.cwd())
        else:
            LintConfig().with_options(*self.options)

    def for_path(self, path: str) -> LintConfig:
        """The configuration for the draft at ``path`` (``-``: the working directory's), with its per-file ignores."""
        if path == "-":
            return self.for_folder(Path.cwd())
        config = self.for_folder(Path(path).parent)
        return config.for_file(Path(path), self._base[self._key(Path(path).parent)])

    def for_folder(self, folder: Path) -> LintConfig:
        """The configuration for drafts in ``folder``, with the command-line options applied."""
        key = self._key(folder)
        if key not in self._by_folder:
            config, found = load_config(self.explicit, folder)
            self._by_folder[key] = config.with_options(*self.options)
            self._base[key] = found.parent if found else Path.cwd()
        return self._by_folder[key]

    def _key(self, folder: Path) -> Path:
        return Path("<explicit>") if self.explicit else folder.resolve()


def _lint_table(path: Path) -> dict | None:
    """The lint table of a reportkit.toml or pyproject.toml, None when it has none."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LintError(f"{path}: not valid TOML ({exc})") from exc
    if path.name == "pyproject.toml":
        return data.get("tool", {}).get("reportkit", {}).get("lint")
    return data.get("lint")

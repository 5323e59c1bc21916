"""Lint configuration: ``[tool.reportkit.lint]`` in pyproject.toml or ``[lint]`` in reportkit.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reportkit.lint.registry import LintError, Rule, Severity, find_rule


class LintConfig(BaseModel):
    """``[tool.reportkit.lint]`` in pyproject.toml, or ``[lint]`` in reportkit.toml."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    select: list[str] = Field(default_factory=lambda: ["RK"])
    ignore: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict)
    fail_on: Severity = Field(default="warning", alias="fail-on")

    def enabled(self, code: str) -> bool:
        """Whether the rule code matches a selected prefix and no ignored one."""
        return any(code.startswith(s.upper()) for s in self.select) and not any(
            code.startswith(i.upper()) for i in self.ignore
        )

    def severity_of(self, r: Rule) -> Severity:
        """The configured severity of the rule (by code, then name), else its default."""
        return self.severity.get(r.code, self.severity.get(r.name, r.severity))


def load_config(explicit: Path | None = None, start: Path | None = None) -> tuple[LintConfig, Path | None]:
    """The explicit file, else the nearest reportkit.toml or pyproject.toml with a lint table."""
    candidates: list[Path] = []
    if explicit:
        if not explicit.is_file():
            raise LintError(f"{explicit}: configuration file not found")
        candidates = [explicit]
    else:
        here = (start or Path.cwd()).resolve()
        for folder in [here, *here.parents]:
            candidates += [folder / "reportkit.toml", folder / "pyproject.toml"]
    for path in candidates:
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise LintError(f"{path}: not valid TOML ({exc})") from exc
        table = data.get("lint") if path.name != "pyproject.toml" else data.get("tool", {}).get("reportkit", {}).get("lint")
        if table is None:
            if explicit:
                raise LintError(f"{path}: no [lint] or [tool.reportkit.lint] table")
            continue
        try:
            config = LintConfig.model_validate(table)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise LintError(f"{path}: lint.{'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
        for code in list(config.severity):
            find_rule(code)
        return config, path
    return LintConfig(), None

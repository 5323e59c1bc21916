"""Every command shown in the README and docs/ runs and exits as documented.

The conventions (what counts as a command, `# exits N`, `<!-- not run: why -->`) are written
down in docs/README.md, section "Commands in the docs are tested".
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
DOCS = [README, *sorted((ROOT / "docs").glob("*.md")), ROOT / "benchmarks" / "README.md"]
# What a command may read or write, copied so that no command touches the checkout.
COPIED = ["examples", "lexicons", "templates", "schema", "benchmarks", "tests/data", "tests/gold"]
MAX_BLOCKS_NOT_RUN = 3
# Generous: a command that hangs fails the test instead of blocking the suite.
COMMAND_TIMEOUT_S = 300

FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)
NOT_RUN = re.compile(r"^<!-- not run: (.+?) -->\n\Z", re.M)
EXITS = re.compile(r"#\s*exits (\d+)\s*$")
EXIT_LINE = re.compile(r"^exit code: (\d+)$")
SETUP_SECTION = re.compile(r"^## Set-up\n(.*?)(?=^## )", re.S | re.M)


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int
    language: str
    body: str
    not_run: str | None  # the reason given in the marker before the block


@dataclass(frozen=True)
class Command:
    doc: Path
    line: int
    text: str
    language: str  # "shell" or "python"
    exit_code: int

    def __str__(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}: {self.text}"


def blocks(doc: Path) -> Iterator[Block]:
    text = doc.read_text(encoding="utf-8")
    setup = SETUP_SECTION.search(text) if doc == README else None
    for match in FENCE.finditer(text):
        if setup and setup.start(1) <= match.start() < setup.end(1):
            continue  # they install; test_readme_has_exactly_two_setup_commands_matching_ci checks them
        marker = NOT_RUN.search(text[: match.start()].rsplit("\n\n", 1)[-1])
        line = text.count("\n", 0, match.start()) + 1
        yield Block(doc, line, match.group(1), match.group(2), marker.group(1) if marker else None)


def commands_in(block: Block) -> Iterator[Command]:
    if block.language == "python":
        yield Command(block.doc, block.line, block.body, "python", 0)
        return
    if block.language == "bash":
        pending = ""
        for offset, raw in enumerate(block.body.splitlines(), start=1):
            line = pending + raw.strip()
            if line.endswith("\\"):
                pending = line[:-1].rstrip() + " "
                continue
            pending = ""
            if line and not line.startswith("#"):
                code = EXITS.search(line)
                yield Command(block.doc, block.line + offset, line, "shell", int(code.group(1)) if code else 0)
    elif block.language == "console":
        lines = block.body.splitlines()
        for index, line in enumerate(lines):
            if not line.startswith("$ "):
                continue
            output = []
            for later in lines[index + 1:]:
                if later.startswith("$ "):
                    break
                output.append(later)
            codes = [int(m.group(1)) for m in map(EXIT_LINE.match, output) if m]
            yield Command(block.doc, block.line + index + 1, line[2:], "shell", codes[-1] if codes else 0)


def setup_commands() -> list[str]:
    section = SETUP_SECTION.search(README.read_text(encoding="utf-8")).group(1)
    return re.findall(r"^```bash\n(.+?)\n```$", section, re.M)


def ci_test_command() -> str:
    return (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]


def documented_commands(doc: Path) -> list[Command]:
    found = [command for block in blocks(doc) if block.not_run is None for command in commands_in(block)]
    if doc == README:
        # The first set-up command ends with the main job on a bundled example: run that part.
        what_follows_install = setup_commands()[0].split(" && ")[3:]
        found.insert(0, Command(doc, 0, " && ".join(what_follows_install), "shell", 0))
    return found


def shell_words(command: str) -> list[str]:
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    return list(lexer)


def runs_in_process(command: str, words: list[str]) -> bool:
    """A plain `reportkit` call (redirections allowed) runs in this process: spaCy loads once.

    What needs a shell (pipes, lists, expansions) runs in bash. A call naming its own lexicons
    gets a fresh process, since a process loads each lexicon folder once and the docs edit one
    between calls.
    """
    operators = {"|", "||", "&", "&&", ";", "(", ")"}
    return (words[:1] == ["reportkit"] and not operators & set(words) and not set("$`") & set(command)
            and "--lexicons" not in words)


def run_reportkit(words: list[str]) -> tuple[int, str]:
    from typer.testing import CliRunner

    from reportkit.cli import app

    args, stdin, stdout_to = [], None, None
    tokens = iter(words[1:])
    for token in tokens:
        if token == "<":
            stdin = Path(next(tokens)).read_bytes()
        elif token in (">", ">>"):
            stdout_to = (Path(next(tokens)), "ab" if token == ">>" else "wb")
        else:
            args.append(token)
    result = CliRunner().invoke(app, args, input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    if stdout_to is not None:
        with stdout_to[0].open(stdout_to[1]) as out:
            out.write(result.stdout_bytes)
    return result.exit_code, result.stderr


def run_command(command: Command) -> tuple[int, str]:
    """Run one command in the current directory: exit code and stderr."""
    if command.language == "python":
        try:
            exec(compile(command.text, str(command), "exec"), {"__name__": "__main__"})
        except Exception as error:  # reported with the block's place in the docs
            return 1, f"{type(error).__name__}: {error}"
        return 0, ""
    words = shell_words(command.text)
    if runs_in_process(command.text, words):
        return run_reportkit(words)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command.text], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S)
    return done.returncode, done.stderr


@pytest.fixture
def docs_workdir(tmp_path, monkeypatch) -> Path:
    """A copy of what the commands read, with ../shared beside it when there is one."""
    repo = tmp_path / "repo"
    for name in COPIED:
        shutil.copytree(ROOT / name, repo / name)
    shared = Path(os.environ.get("REPORTKIT_SHARED") or ROOT.parent / "shared")  # as conftest.py finds it
    if (shared / "eval" / "dev.jsonl").is_file():
        (tmp_path / "shared").symlink_to(shared.resolve(), target_is_directory=True)
    monkeypatch.chdir(repo)
    return repo


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: str(doc.relative_to(ROOT)))
def test_every_command_shown_exits_as_documented(doc, docs_workdir):
    failures = []
    for command in documented_commands(doc):
        if "../shared" in command.text and not (docs_workdir.parent / "shared").exists():
            continue  # the dev set and corpus live beside the clone, when they do
        exit_code, stderr = run_command(command)
        if exit_code != command.exit_code:
            failures.append(f"{command} exited {exit_code}, documented {command.exit_code}\n"
                            + "\n".join(stderr.splitlines()[-5:]))
    assert not failures, "\n\n".join(failures)


def test_the_readme_quick_start_runs_each_job():
    shown = " ".join(command.text for command in documented_commands(README))
    for job in ("reportkit report ", "reportkit lint ", "reportkit postprocess ", "reportkit audit run "):
        assert job in shown


def test_the_parser_reads_exit_codes_and_continuations():
    body = "reportkit lint a.txt   # exits 1\nreportkit extract a.txt \\\n    -o out.jsonl\n# a comment\n"
    commands = list(commands_in(Block(README, 10, "bash", body, None)))
    assert [(c.text, c.exit_code, c.line) for c in commands] == [
        ("reportkit lint a.txt   # exits 1", 1, 11),
        ("reportkit extract a.txt -o out.jsonl", 0, 13),
    ]
    console = "$ reportkit lint a.txt\na.txt:1:1: RK101 …\nexit code: 1\n$ reportkit rule RK301\nRK301 …\n"
    assert [(c.text, c.exit_code) for c in commands_in(Block(README, 1, "console", console, None))] == [
        ("reportkit lint a.txt", 1), ("reportkit rule RK301", 0)]


def test_every_block_is_run_or_plainly_not_a_command():
    """A shell block under another name (```sh, ```shell) would silently go unrun."""
    kinds = {block.language for doc in DOCS for block in blocks(doc)}
    assert kinds <= {"bash", "console", "python", "toml", "text", ""}


def test_blocks_not_run_are_few_and_say_why():
    not_run = [block for doc in DOCS for block in blocks(doc) if block.not_run is not None]
    assert len(not_run) <= MAX_BLOCKS_NOT_RUN, [f"{b.doc.name}:{b.line}" for b in not_run]
    assert all(block.not_run.strip() for block in not_run)


def test_readme_has_exactly_two_setup_commands_matching_ci():
    first, second, *rest = setup_commands()
    assert not rest
    ci = ci_test_command()
    assert second == ci  # the test command is CI's, verbatim
    # The first installs the same way, without the test extra, then runs the main job.
    first_steps, ci_steps = first.split(" && "), ci.split(" && ")
    assert first_steps[:2] == ci_steps[:2]
    assert first_steps[2] == "pip install -e ." and ci_steps[2] == "pip install -e '.[test]'"
    assert shlex.split(first_steps[3])[:2] == ["reportkit", "report"]
    assert (ROOT / shlex.split(first_steps[3])[2]).is_file()


LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: str(doc.relative_to(ROOT)))
def test_relative_links_lead_somewhere(doc):
    broken = []
    for target in LINK.findall(doc.read_text(encoding="utf-8")):
        if "://" in target:
            continue
        path, _, anchor = target.partition("#")
        file = (doc.parent / path).resolve() if path else doc
        if not file.exists():
            broken.append(target)
        elif anchor and file.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", FENCE.sub("", file.read_text(encoding="utf-8")), re.M)
            if anchor not in {_anchor(heading) for heading in headings}:
                broken.append(target)
    assert not broken


def test_lint_session_in_the_docs_is_real(monkeypatch):
    """The session shown in docs/lint.md is byte for byte what `reportkit lint` prints today."""
    from typer.testing import CliRunner

    from reportkit.cli import app

    doc = (ROOT / "docs" / "lint.md").read_text(encoding="utf-8")
    block = doc.split("$ reportkit lint examples/draft_shoulder.txt\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, ["lint", "examples/draft_shoulder.txt"])
    assert block == result.stdout + f"exit code: {result.exit_code}\n"

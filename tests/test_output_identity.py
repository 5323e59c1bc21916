"""Refactors change no behaviour: extract and report output over the dev set and the corpus
hash to the stored checksums (tests/data/output_checksums.json).

A deliberate behaviour change updates the file: ``python tests/test_output_identity.py --update``.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

CHECKSUMS = Path(__file__).parent / "data" / "output_checksums.json"
# name -> (command arguments after `python -m reportkit`, input paths relative to shared/)
RUNS = {
    "extract_dev": (["extract"], ["eval/dev.jsonl"]),
    "extract_corpus": (["extract"], ["corpus/iu.jsonl", "corpus/mp.jsonl", "corpus/mt.jsonl"]),
    "report_json_dev": (["report", "-f", "json"], ["eval/dev.jsonl"]),
}


def digest(shared: Path, name: str) -> str:
    args, inputs = RUNS[name]
    # relative paths from shared/: results name their source file, which must not depend on where shared/ is
    out = subprocess.run([sys.executable, "-m", "reportkit", *args, *inputs], cwd=shared,
                         capture_output=True, check=False)
    assert out.returncode == 0, out.stderr.decode()[-500:]
    return hashlib.sha256(out.stdout).hexdigest()


@pytest.mark.parametrize("name", sorted(RUNS))
def test_output_matches_stored_checksum(shared_dir: Path, name: str) -> None:
    for path in RUNS[name][1]:
        if not (shared_dir / path).is_file():
            pytest.skip(f"{path} not in shared/")
    expected = json.loads(CHECKSUMS.read_text(encoding="utf-8"))[name]
    assert digest(shared_dir, name) == expected, f"{name}: output changed; if deliberate, run --update"


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_output_identity.py --update")
    from conftest import _shared_dir

    shared = _shared_dir()
    CHECKSUMS.write_text(json.dumps({n: digest(shared, n) for n in sorted(RUNS)}, indent=2) + "\n", encoding="utf-8")
    print(CHECKSUMS.read_text(encoding="utf-8"), end="")

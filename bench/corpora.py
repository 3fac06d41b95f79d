"""Re-create the two peer corpora bench/extract_real.py scores on, from named commits.

Neither corpus is committed here: each is copied out of its own git repository at a pinned
commit into a cache directory outside the checkout (default ~/.cache/ticker-corpora):

    mozilla/readability  test/test-pages/            ~130 pages: source.html, expected.html,
                                                     expected-metadata.json (Apache-2.0)
    adbar/trafilatura    tests/evaldata.json,        ~990 pages with snippets the text must
                         tests/eval/, tests/cache/   and must not hold (Apache-2.0)

    python bench/corpora.py [--dir DIR] [--readability GIT_DIR] [--trafilatura GIT_DIR]

GIT_DIR is a clone holding the pinned commit (a bare one will do):
`git clone https://github.com/mozilla/readability` and `.../adbar/trafilatura`.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
from pathlib import Path

DEFAULT_DIR = Path.home() / ".cache" / "ticker-corpora"
READABILITY_COMMIT = "ab4027a8b37669745016869a37a504727992b2ba"
TRAFILATURA_COMMIT = "e90b0ef51ab026fdb905fb6c5b3c84dd3d784fd5"
CORPORA = {
    # name: (commit, paths inside the repository, default git dir)
    "readability": (
        READABILITY_COMMIT,
        ["test/test-pages", "LICENSE.md"],
        "/work/.mirror/mozilla+readability/repo",
    ),
    "trafilatura": (
        TRAFILATURA_COMMIT,
        ["tests/evaldata.json", "tests/eval", "tests/cache", "LICENSE"],
        "/work/.mirror/adbar+trafilatura/repo",
    ),
}


def export(git_dir: str, commit: str, paths: list[str], target: Path) -> int:
    """Write `paths` at `commit` under `target`; the number of files written."""
    archive = subprocess.run(
        ["git", "--git-dir", git_dir, "archive", "--format=tar", commit, *paths],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
        tar.extractall(target, members=members, filter="data")
    (target / "COMMIT").write_text(commit + "\n")
    return len(members)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="where the corpora go")
    for name, (_, _, git_dir) in CORPORA.items():
        parser.add_argument(f"--{name}", default=git_dir, help=f"git dir of {name}")
    options = parser.parse_args()
    for name, (commit, paths, _) in CORPORA.items():
        target = options.dir / name
        if (target / "COMMIT").exists() and (target / "COMMIT").read_text().strip() == commit:
            print(f"{name}: already at {commit[:12]} in {target}")
            continue
        git_dir = getattr(options, name)
        try:
            count = export(git_dir, commit, paths, target)
        except (subprocess.CalledProcessError, FileNotFoundError) as error:
            print(f"{name}: cannot read commit {commit} from {git_dir}: {error}", file=sys.stderr)
            return 1
        print(f"{name}: {count} files at {commit[:12]} in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m eval.realdata`: rebuild the real-world development data under var/realdata/.

Nothing here is committed: this script fetches public files at pinned commits and records, for
every file it writes, where it came from (repository, commit, path, git blob id, sha256) in
var/realdata/PROVENANCE.json.

- extraction: adbar/trafilatura tests/evaldata.json and tests/eval/*.html (real web pages with
  human-chosen snippets that must and must not appear in the extracted text);
- NER: synalp/NER corpus/CoNLL-2003/eng.train and eng.testa (development split).

Held out, never fetched here: CoNLL-2003 eng.testb and the ScrapingHub extraction benchmark.

Sources are read from a local bare mirror when one exists (`--mirror-root`, default
/work/.mirror, laid out as `<owner>+<name>/repo`), otherwise cloned from GitHub (blobless) into
var/realdata/.git-cache.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "var" / "realdata"
DEFAULT_MIRROR_ROOT = Path("/work/.mirror")


@dataclass(frozen=True, slots=True)
class Source:
    repo: str  # owner/name on GitHub
    commit: str  # pinned: the data must not move under the figures
    paths: tuple[str, ...]  # files, or folders (every file below them)
    target: str  # folder under the output root


SOURCES = (
    Source(
        repo="adbar/trafilatura",
        commit="e90b0ef51ab026fdb905fb6c5b3c84dd3d784fd5",
        paths=("tests/evaldata.json", "tests/eval"),
        target="trafilatura",
    ),
    Source(
        repo="synalp/NER",
        commit="c0ea07c81ec3512b5047dcd804b0ac2b10a3bdfc",
        paths=("corpus/CoNLL-2003/eng.train", "corpus/CoNLL-2003/eng.testa"),
        target="conll",
    ),
)


def _git(git_dir: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True
    ).stdout


def _git_dir(source: Source, mirror_root: Path, cache: Path) -> Path:
    owner, name = source.repo.split("/")
    for candidate in (
        mirror_root / f"{owner}+{name}" / "repo" / ".git",
        mirror_root / f"{owner}+{name}" / "repo",
    ):
        if (candidate / "HEAD").exists():
            return candidate
    clone = cache / f"{owner}+{name}.git"
    if not clone.exists():
        url = f"https://github.com/{source.repo}.git"
        subprocess.run(
            ["git", "clone", "--bare", "--filter=blob:none", url, str(clone)], check=True
        )
    return clone


def _files(git_dir: Path, commit: str, path: str) -> list[tuple[str, str]]:
    """(blob id, path) of every file at or below `path` in `commit`."""
    listing = _git(git_dir, "ls-tree", "-r", "-z", commit, "--", path).decode()
    rows = []
    for line in filter(None, listing.split("\0")):
        meta, file_path = line.split("\t", 1)
        _mode, kind, blob = meta.split()
        if kind == "blob":
            rows.append((blob, file_path))
    if not rows:
        raise SystemExit(f"{path} not found at {commit}")
    return rows


def rebuild(out: Path, mirror_root: Path) -> dict[str, object]:
    cache = out / ".git-cache"
    cache.mkdir(parents=True, exist_ok=True)
    provenance: list[dict[str, str]] = []
    for source in SOURCES:
        git_dir = _git_dir(source, mirror_root, cache)
        for requested in source.paths:
            for blob, path in _files(git_dir, source.commit, requested):
                data = _git(git_dir, "cat-file", "blob", blob)
                local = out / source.target / Path(path).relative_to(Path(requested).parent)
                local.parent.mkdir(parents=True, exist_ok=True)
                local.write_bytes(data)
                provenance.append(
                    {
                        "file": str(local.relative_to(out)),
                        "repository": f"https://github.com/{source.repo}",
                        "commit": source.commit,
                        "path": path,
                        "git_blob": blob,
                        "sha256": hashlib.sha256(data).hexdigest(),
                    }
                )
    manifest: dict[str, object] = {
        "built_by": "python -m eval.realdata",
        "held_out_not_fetched": [
            "CoNLL-2003 eng.testb",
            "ScrapingHub article-extraction benchmark",
        ],
        "files": provenance,
    }
    (out / "PROVENANCE.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--mirror-root", type=Path, default=DEFAULT_MIRROR_ROOT)
    args = parser.parse_args()
    manifest = rebuild(args.out, args.mirror_root)
    files = manifest["files"]
    assert isinstance(files, list)
    print(f"{len(files)} files under {args.out} (provenance in PROVENANCE.json)")


if __name__ == "__main__":
    main()

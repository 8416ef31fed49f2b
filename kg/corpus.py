"""Read the corpus folder: every paper file, checked before anything is extracted.

A file that is empty, binary, not UTF-8 or cut short is reported by name (and, for encoding
errors, by line and byte offset) so that a curator can find it at once.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from kg.errors import CorpusError, CorpusErrors

#: Suffixes read as paper texts. README files describe the corpus and are not papers.
PAPER_SUFFIXES = (".txt",)
IGNORED_NAMES = {"readme.md", "readme.txt", "readme"}
MIN_CHARS = 200


@dataclass(frozen=True)
class SourceFile:
    """One paper file: its name, checksum and decoded, normalized text."""

    name: str
    path: Path
    sha256: str
    text: str


def _check_text(path: Path, data: bytes) -> str:
    if not data.strip():
        raise CorpusError("the file is empty", str(path))
    if b"\x00" in data[:65536]:
        offset = data.index(b"\x00")
        raise CorpusError(f"the file is binary (a NUL byte at offset {offset}), not text", str(path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CorpusError(
            f"the file is not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} (line {line})",
            str(path),
        ) from None
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff"))
    if len(text.strip()) < MIN_CHARS:
        raise CorpusError(
            f"the file holds only {len(text.strip())} characters; a paper needs at least {MIN_CHARS}"
            " (truncated?)",
            str(path),
        )
    return text


def read_file(path: Path) -> SourceFile:
    """Read and check one paper file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"cannot be read: {exc.strerror}", str(path)) from None
    text = _check_text(path, data)
    return SourceFile(path.name, path, hashlib.sha256(data).hexdigest(), text)


def list_paper_files(corpus: Path) -> list[Path]:
    """The paper files of a corpus folder, in name order (so builds are deterministic)."""
    if not corpus.exists():
        raise CorpusError("the corpus folder does not exist", str(corpus))
    if not corpus.is_dir():
        raise CorpusError("the corpus path is not a folder", str(corpus))
    files = sorted(
        p
        for p in corpus.iterdir()
        if p.is_file() and p.suffix.lower() in PAPER_SUFFIXES and p.name.lower() not in IGNORED_NAMES
    )
    if not files:
        raise CorpusError(f"no paper files ({', '.join(PAPER_SUFFIXES)}) in the folder", str(corpus))
    return files


def read_corpus(corpus: Path, *, keep_going: bool = False) -> tuple[list[SourceFile], list[CorpusError]]:
    """Read every paper file; raise `CorpusErrors` naming each broken one unless `keep_going`."""
    good: list[SourceFile] = []
    bad: list[CorpusError] = []
    for path in list_paper_files(corpus):
        try:
            good.append(read_file(path))
        except CorpusError as exc:
            bad.append(exc)
    if bad and not keep_going:
        raise CorpusErrors(bad)
    if not good:
        raise CorpusErrors(bad or [CorpusError("no readable paper files", str(corpus))])
    return good, bad


def corpus_checksum(files: list[SourceFile]) -> str:
    """One checksum over every file's name and content, recorded in the build metadata."""
    h = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.name):
        h.update(f.name.encode())
        h.update(b"\0")
        h.update(f.sha256.encode())
    return h.hexdigest()

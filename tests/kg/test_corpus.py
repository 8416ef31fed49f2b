"""Reading the corpus: every kind of broken file is named, with where it breaks."""

from __future__ import annotations

import pytest

from kg.corpus import corpus_checksum, list_paper_files, read_corpus, read_file
from kg.errors import CorpusError, CorpusErrors

GOOD = ("A paper about science and technology cooperation. " * 10).encode()


def test_reads_the_five_files_and_ignores_the_readme(corpus):
    files, bad = read_corpus(corpus)
    assert [f.name for f in files] == sorted(p.name for p in corpus.glob("*.txt"))
    assert len(files) == 5 and bad == []
    assert all(len(f.sha256) == 64 for f in files)


def test_missing_folder(tmp_path):
    with pytest.raises(CorpusError, match="does not exist") as exc:
        list_paper_files(tmp_path / "nope")
    assert str(tmp_path / "nope") in str(exc.value)


def test_folder_without_papers(tmp_path):
    (tmp_path / "README.md").write_text("not a paper")
    with pytest.raises(CorpusError, match="no paper files"):
        list_paper_files(tmp_path)


@pytest.mark.parametrize("content,message", [
    (b"", "the file is empty"),
    (b"   \n\n  ", "the file is empty"),
    (b"%PDF" + b"\x00" * 10 + GOOD, "binary (a NUL byte at offset 4)"),
    (b"ok line\nsecond line \xe9t\xe9\n" + GOOD, "not UTF-8: byte 0xe9 at offset 20 (line 2)"),
    (b"A truncated paper.", "holds only 18 characters"),
])
def test_broken_file_is_named_with_the_problem(tmp_path, content, message):
    f = tmp_path / "broken.txt"
    f.write_bytes(content)
    with pytest.raises(CorpusError) as exc:
        read_file(f)
    assert str(f) in str(exc.value)
    assert message in str(exc.value)


def test_all_broken_files_are_reported_at_once(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"")
    (tmp_path / "b.txt").write_bytes(b"\x00\x01")
    (tmp_path / "c.txt").write_bytes(GOOD)
    with pytest.raises(CorpusErrors) as exc:
        read_corpus(tmp_path)
    assert [e.path.rsplit("/", 1)[-1] for e in exc.value.errors] == ["a.txt", "b.txt"]


def test_keep_going_reads_the_good_files(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"")
    (tmp_path / "c.txt").write_bytes(GOOD)
    files, bad = read_corpus(tmp_path, keep_going=True)
    assert [f.name for f in files] == ["c.txt"]
    assert len(bad) == 1 and "a.txt" in str(bad[0])


def test_checksum_changes_with_content(tmp_path):
    (tmp_path / "a.txt").write_bytes(GOOD)
    one = corpus_checksum(read_corpus(tmp_path)[0])
    (tmp_path / "a.txt").write_bytes(GOOD + b"more")
    assert corpus_checksum(read_corpus(tmp_path)[0]) != one

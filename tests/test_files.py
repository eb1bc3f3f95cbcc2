"""Output files are written whole or not at all (haiquan._files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from haiquan._files import write_atomically, write_text_atomically


def test_a_write_cut_off_half_way_leaves_the_earlier_file_and_no_debris(tmp_path: Path) -> None:
    target = tmp_path / "scores.csv"
    target.write_text("the earlier, complete file\n", encoding="utf-8")

    def cut_off(path: Path) -> None:
        path.write_text("half of the new", encoding="utf-8")
        raise KeyboardInterrupt  # Ctrl-C, a full disk, a crash in the middle

    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, cut_off)
    assert target.read_text(encoding="utf-8") == "the earlier, complete file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]


def test_a_complete_write_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    assert write_atomically(target, lambda p: p.write_text("new", encoding="utf-8")) == target
    assert target.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_a_file_that_cannot_be_written_is_an_input_error_saying_why(tmp_path: Path) -> None:
    from haiquan.errors import InputError

    target = tmp_path / "no-such-folder" / "scores.csv"
    with pytest.raises(InputError, match="cannot write") as caught:
        write_atomically(target, lambda path: path.write_text("x", encoding="utf-8"))
    assert "No such file or directory" in str(caught.value.got)
    assert not target.parent.exists()


def test_a_private_file_is_never_readable_by_others(tmp_path: Path) -> None:
    target = tmp_path / "keys.json"
    seen: list[int] = []

    def write(path: Path) -> None:
        seen.append(path.stat().st_mode & 0o777)  # already private before any byte is written
        path.write_text("secret", encoding="utf-8")

    write_atomically(target, write, mode=0o600)
    assert seen == [0o600] and target.stat().st_mode & 0o777 == 0o600
    write_text_atomically(target, "rotated", mode=0o600)
    assert target.read_text(encoding="utf-8") == "rotated"
    assert target.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys.json"]

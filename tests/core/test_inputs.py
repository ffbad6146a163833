"""Command-line inputs: files, folders (with their subfolders) and globs, several of each."""

import pytest

from medcore.errors import InputError
from medcore.uploads import expand_inputs


@pytest.fixture
def tree(tmp_path):
    for rel in ("test/NORMAL/a.png", "test/PNEUMONIA/b.png", "test/PNEUMONIA/c.png",
                "test/.DS_Store", "test/.cache/d.png", "more/e.png", "more/f.txt"):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    return tmp_path


def test_a_folder_of_class_subfolders_is_searched_and_hidden_files_skipped(tree):
    got = expand_inputs(tree / "test")
    assert [p.relative_to(tree).as_posix() for p in got] == [
        "test/NORMAL/a.png", "test/PNEUMONIA/b.png", "test/PNEUMONIA/c.png"]


def test_two_folders_a_glob_and_a_file_together_each_file_once(tree):
    got = expand_inputs([tree / "test", tree / "more", str(tree / "more" / "*.png"),
                         tree / "test" / "NORMAL" / "a.png"])
    assert [p.name for p in got] == ["a.png", "b.png", "c.png", "e.png", "f.txt"]


def test_a_missing_name_is_kept_for_its_own_error_and_nothing_at_all_is_refused(tree):
    got = expand_inputs([tree / "more" / "e.png", tree / "gone.png"])
    assert got[-1] == tree / "gone.png"  # answered "could not read" per file, like before
    with pytest.raises(InputError, match="No files found"):
        expand_inputs([tree / "empty*", tree / "gone.png"])


def test_validate_finds_its_cases_the_same_way_and_keeps_class_folders(tree):
    from medcore.validation.command import read_inputs

    got = read_inputs([str(tree / "test"), str(tree / "more" / "*.png")])
    assert [name for name, _ in got] == ["NORMAL/a.png", "PNEUMONIA/b.png", "PNEUMONIA/c.png",
                                         "e.png"]
    with pytest.raises(InputError, match="No files found"):
        read_inputs([str(tree / "gone")])

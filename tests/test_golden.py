"""The golden-file check fails on a missing or stale file unless told to update it."""
import pytest

from golden import check_golden


def test_missing_golden_fails_and_writes_nothing(tmp_path):
    golden = tmp_path / "case.txt"
    with pytest.raises(AssertionError, match="case.txt is missing: run pytest --update-golden"):
        check_golden(golden, "output\n", update=False)
    assert not golden.exists()


def test_stale_golden_fails_and_is_kept(tmp_path):
    golden = tmp_path / "case.txt"
    golden.write_text("old\n")
    with pytest.raises(AssertionError, match="case.txt is stale"):
        check_golden(golden, "new\n", update=False)
    assert golden.read_text() == "old\n"


def test_matching_golden_passes(tmp_path):
    golden = tmp_path / "case.txt"
    golden.write_text("same\n")
    check_golden(golden, "same\n", update=False)


def test_update_writes_a_missing_or_stale_golden(tmp_path):
    missing, stale = tmp_path / "missing.txt", tmp_path / "stale.txt"
    stale.write_text("old\n")
    check_golden(missing, "new\n", update=True)
    check_golden(stale, "new\n", update=True)
    assert missing.read_text() == stale.read_text() == "new\n"

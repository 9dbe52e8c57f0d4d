"""One rule for every export to a spreadsheet: nothing runs as a formula, nothing fails to write."""

from __future__ import annotations

import pytest

from interfaces.spreadsheet import formula_like, neutralised, restored, writable


@pytest.mark.parametrize("text", ["=1+1", "+86", "-2", "@SUM(A1)", "\t=1", "\r=1", "   =HYPERLINK(\"x\")", " \t+1"])
def test_formula_starts_are_marked_as_text_and_read_back_unchanged(text: str) -> None:
    assert formula_like(text)
    assert neutralised(text) == "'" + text
    assert restored(neutralised(text)) == text


@pytest.mark.parametrize("text", ["张三", "1 + 1", "a=b", "'quoted", ""])
def test_other_text_is_left_alone(text: str) -> None:
    assert not formula_like(text)
    assert neutralised(text) == text
    assert restored(text) == text


def test_characters_no_file_can_hold_are_replaced() -> None:
    assert writable("a\x00b\x0bc\x1fd\ud800e\tf\ng\rh") == "a\ufffdb\ufffdc\ufffdd\ufffde\tf\ng\rh"
    assert neutralised("=\x00") == "'=\ufffd"

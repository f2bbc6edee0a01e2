"""Typing slips read as the word meant: one edit from a known word, the commoner word first."""

from __future__ import annotations

import pytest

from bot.nlu.spelling import Spellings, one_edit

SPELLINGS = Spellings.of({"wash": 40, "wish": 2, "hair": 60, "hear": 3, "shampoo": 9, "when": 30})


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("wosh", "wash"),  # one letter changed; "wish" is as near but rarer
        ("hiar", "hair"),  # two letters swapped
        ("shampo", "shampoo"),  # one letter dropped
        ("waash", "wash"),  # one letter added
        ("wash", None),  # a known word is left alone
        ("wen", None),  # too short to tell a slip from another word
        ("blorp", None),  # nothing near
        ("w4sh", None),  # not a word
    ],
)
def test_a_slip_is_read_as_the_nearest_known_word(written, read):
    assert SPELLINGS.correct(written) == read


def test_one_edit_means_one():
    assert one_edit("hiar", "hair") and one_edit("wosh", "wash") and one_edit("hai", "hair")
    assert not one_edit("abcd", "badc") and not one_edit("wosh", "wished")


def test_respelling_keeps_everything_but_the_slips():
    assert SPELLINGS.respell("wen can I wosh my HIAR?!") == "wen can I wash my hair?!"
    assert SPELLINGS.respell("") == ""

"""Typing slips: a word one edit from a known word is read as that word ("wosh" -> "wash")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# A slip is tolerated only in a word long enough to still be recognisable with one letter off.
MIN_SLIP_LENGTH = 4
_WORD = re.compile(r"[^\W\d_]+")


def deletes(word: str) -> set[str]:
    """The word with each of its letters left out in turn (the symmetric-delete test)."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def one_edit(a: str, b: str) -> bool:
    """True when b is a with one letter added, dropped or changed, or two neighbours swapped."""
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and (a[diff[0]], a[diff[1]]) == (b[diff[1]], b[diff[0]])
        )
    shorter, longer = sorted((a, b), key=len)
    return len(longer) - len(shorter) == 1 and any(
        longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer))
    )


@dataclass(frozen=True, eq=False)
class Spellings:
    """Known words, each with how common it is, indexed by their one-letter deletions."""

    weights: Mapping[str, float]
    by_gap: Mapping[str, frozenset[str]]

    @classmethod
    def of(cls, weights: Mapping[str, float]) -> Spellings:
        """Index the words (a higher weight wins when two are equally near)."""
        by_gap: dict[str, set[str]] = {}
        for word in weights:
            if len(word) >= MIN_SLIP_LENGTH:
                for gap in deletes(word) | {word}:
                    by_gap.setdefault(gap, set()).add(word)
        return cls(dict(weights), {gap: frozenset(found) for gap, found in by_gap.items()})

    def correct(self, word: str) -> str | None:
        """The known word one edit from `word`, or None if it is known or none is near."""
        if word in self.weights or len(word) < MIN_SLIP_LENGTH or not word.isalpha():
            return None
        near: set[str] = set()
        for gap in deletes(word) | {word}:
            near |= self.by_gap.get(gap, frozenset())
        near = {candidate for candidate in near if one_edit(word, candidate)}
        if not near:
            return None
        return max(sorted(near), key=lambda candidate: self.weights[candidate])

    def respell(self, text: str) -> str:
        """The text with each slipped word replaced by the known word it is one edit from."""

        def fix(match: re.Match[str]) -> str:
            return self.correct(match.group(0).casefold()) or match.group(0)

        return _WORD.sub(fix, text)

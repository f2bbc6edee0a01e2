"""Decides whether a mention is affirmed, negated, hypothetical or about someone else.

Pure functions over token positions: the detector finds cue spans with a spaCy Matcher and
passes them here with the clause boundaries. Every rule looks only inside the mention's clause,
so "I'm not pregnant and I take Eliquis" negates the pregnancy and not the Eliquis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

AFFIRMED = "affirmed"
NEGATED = "negated"
HYPOTHETICAL = "hypothetical"
OTHER_PERSON = "other_person"

Span = tuple[int, int]


@dataclass(frozen=True)
class Cues:
    """Cue spans (token start, end) found in one message, by cue type."""

    spans: dict[str, list[Span]]

    def of(self, cue_type: str) -> list[Span]:
        """The spans of one cue type (empty when none matched)."""
        return self.spans.get(cue_type, [])


@dataclass(frozen=True)
class Windows:
    """How far (in tokens) the negation and third-party rules look."""

    negation_before: int
    negation_after: int


def _inside(span: Span, clause: Span) -> bool:
    return clause[0] <= span[0] and span[1] <= clause[1]


def _overlaps(span: Span, others: list[Span]) -> bool:
    return any(span[0] < other[1] and other[0] < span[1] for other in others)


def _first_person_between(cues: Cues, start: int, end: int, cue_type: str = "first_person") -> bool:
    return any(start <= fp[0] and fp[1] <= end for fp in cues.of(cue_type))


def assess(
    mention: Span,
    clause: Span,
    cues: Cues,
    windows: Windows,
    joiners: Sequence[bool],
    question_mark: int | None = None,
) -> tuple[str, Span | None]:
    """Status of the mention and the cue span that decided it (None when affirmed).

    `joiners[i]` tells whether token i may link a mention to a negation after it (":", "-").
    `question_mark` is the position of a "?" ending the clause when questions that leave the
    patient out count as general ones.
    """
    start, end = mention
    pseudo = cues.of("pseudo_negation")

    for cue in cues.of("negation_before"):
        if (
            _inside(cue, clause)
            and cue[1] <= start
            and start - cue[1] < windows.negation_before
            and not _overlaps(cue, pseudo)
        ):
            return NEGATED, cue
    for cue in cues.of("negation_after"):
        if (
            cue[0] >= end
            and cue[0] - end <= windows.negation_after
            and all(joiners[i] for i in range(end, cue[0]))
        ):
            return NEGATED, cue

    for cue in cues.of("third_party"):
        if (
            _inside(cue, clause)
            and cue[1] <= start
            and not _first_person_between(cues, cue[1], start)
        ):
            return OTHER_PERSON, cue
    describes_self = _first_person_between(cues, clause[0], start, "self_subject")
    for cue in cues.of("third_party_after"):
        if cue[0] == end and not describes_self:
            return OTHER_PERSON, cue

    for cue in cues.of("hypothetical"):
        if not _inside(cue, clause):
            continue
        before = cue[1] <= start and not _first_person_between(cues, cue[1], start)
        if before or _overlaps(cue, [mention]):
            return HYPOTHETICAL, cue
    for cue in cues.of("hypothetical_after"):
        if cue[0] == end and not describes_self:
            return HYPOTHETICAL, cue

    if question_mark is not None and not _first_person_between(cues, clause[0], clause[1]):
        return HYPOTHETICAL, (question_mark, question_mark + 1)

    return AFFIRMED, None

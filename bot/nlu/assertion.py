"""Decides whether a mention is affirmed, negated, hypothetical or about someone else.

Pure functions over token positions: the detector finds cue spans with a spaCy Matcher and
passes them here with the clause and sentence boundaries. Most rules look only inside the
mention's clause, so "I'm not pregnant and I take Eliquis" negates the pregnancy and not the
Eliquis; a few read the whole sentence ("my mum's on warfarin and so am I").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

AFFIRMED = "affirmed"
NEGATED = "negated"
HYPOTHETICAL = "hypothetical"
OTHER_PERSON = "other_person"
RED_FLAG = "red_flag"

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


@dataclass(frozen=True)
class Scope:
    """Where a mention stands: its clause and sentence (token spans), whether the clause is a
    question that may ask about the rule rather than the patient, and the mention's kind."""

    clause: Span
    sentence: Span
    question: bool = False
    kind: str = "contraindication"
    # The mention's sentence ends with a question mark.
    question_end: bool = False
    about_treatment: bool = False


def _inside(span: Span, scope: Span) -> bool:
    return scope[0] <= span[0] and span[1] <= scope[1]


def _overlaps(span: Span, others: list[Span]) -> bool:
    return any(span[0] < other[1] and other[0] < span[1] for other in others)


def _first_person_between(cues: Cues, start: int, end: int, cue_type: str = "first_person") -> bool:
    return any(start <= fp[0] and fp[1] <= end for fp in cues.of(cue_type))


def _first_person_outside(cues: Cues, scope: Span, cue: Span) -> bool:
    return any(_inside(fp, scope) and not _inside(fp, cue) for fp in cues.of("first_person"))


def _negation(
    mention: Span,
    scope: Scope,
    cues: Cues,
    windows: Windows,
    joiners: Sequence[bool],
    listed: Sequence[bool],
) -> Span | None:
    start, end = mention
    for cue in cues.of("negation_overlap"):
        if _overlaps(cue, [mention]):
            return cue
    pseudo = cues.of("pseudo_negation")
    for cue in cues.of("negation_before"):
        if (
            _inside(cue, scope.clause)
            and cue[1] <= start
            and start - cue[1] < windows.negation_before
            and not _overlaps(cue, pseudo)
        ):
            return cue
    # A list after the negation: "not on warfarin, xarelto or any other thinners".
    first, last = start, end  # the list of terms this mention is in
    while first > scope.sentence[0] and listed[first - 1]:
        first -= 1
    while last < scope.sentence[1] and listed[last]:
        last += 1
    for cue in cues.of("negation_before"):
        if (
            _inside(cue, scope.sentence)
            and cue[1] <= first < start
            and first - cue[1] < windows.negation_before
            and not _overlaps(cue, pseudo)
            and any(first <= c[0] < last for c in cues.of("list_or"))
        ):
            return cue
    for cue in cues.of("negation_after"):
        if (
            cue[0] >= end
            and cue[0] - end <= windows.negation_after
            and all(joiners[i] for i in range(end, cue[0]))
            and not _overlaps(cue, pseudo)
        ):
            return cue
    return None


def _other_person(mention: Span, scope: Scope, cues: Cues) -> Span | None:
    start, end = mention
    for cue in cues.of("third_party"):
        if (
            _inside(cue, scope.clause)
            and cue[1] <= start
            and not _first_person_between(cues, cue[1], start)
        ):
            return cue
    describes_self = _first_person_between(cues, scope.clause[0], start, "self_subject")
    for cue in cues.of("third_party_after"):
        if cue[0] == end and not describes_self:
            return cue
    return None


def _hypothetical(mention: Span, scope: Scope, cues: Cues) -> Span | None:
    start, end = mention
    described = cues.of("self_description")
    for cue in cues.of("hypothetical"):
        if not _inside(cue, scope.clause):
            continue
        if any(own[0] < cue[0] <= own[1] for own in described):
            continue  # "I'm a woman on warfarin": the group word is the patient
        before = cue[1] <= start and not _first_person_between(cues, cue[1], start)
        if before or _overlaps(cue, [mention]):
            return cue
    describes_self = _first_person_between(cues, scope.clause[0], start, "self_subject")
    for cue in cues.of("hypothetical_after"):
        if cue[0] == end and not describes_self:
            return cue
    sentence = scope.sentence
    if scope.kind == RED_FLAG:
        # "what are the signs of an infection?", "is it normal to have a fever after?"; not
        # "there's pus, is that normal?" (the question comes after the report) nor a sentence
        # with the patient in it outside the question's own words ("how do I know if").
        for cue in cues.of("symptom_question"):
            if (
                _inside(cue, sentence)
                and cue[0] <= start
                and not _first_person_outside(cues, sentence, cue)
            ):
                return cue
        # "will it make my hair fall out?": a question about what the treatment may do.
        if scope.question_end:
            for cue in cues.of("future_question"):
                if _inside(cue, sentence) and cue[0] <= start:
                    return cue
        # "is some shedding normal?"; not "is my scalp being this swollen normal?"
        for cue in cues.of("symptom_normal"):
            if (
                _inside(cue, sentence)
                and cue[0] <= start
                and not _first_person_between(cues, sentence[0], sentence[1])
            ):
                return cue
    clause = scope.clause
    if scope.question and not _first_person_between(cues, clause[0], clause[1]):
        # "would diabetes be a problem?" asks about the rule; "on warfarin, is that ok?" and
        # "on warfarin 😬 is that a deal breaker?" tell about the patient.
        for cue in cues.of("question_word"):
            if _inside(cue, clause) and cue[1] <= start:
                return cue
    return None


def assess(
    mention: Span,
    scope: Scope,
    cues: Cues,
    windows: Windows,
    joiners: Sequence[bool],
    listed: Sequence[bool] | None = None,
) -> tuple[str, Span | None]:
    """Status of the mention and the cue span that decided it (None when affirmed).

    `joiners[i]` tells whether token i may link a mention to a negation after it (":", "-",
    "has", "finally" in "the pus has finally cleared up"); `listed[i]` whether it is part of
    a list of terms ("warfarin", ",", "or").
    """
    cue = _negation(mention, scope, cues, windows, joiners, listed or [False] * len(joiners))
    if cue is None and scope.kind == RED_FLAG and not scope.about_treatment:
        # "I had a fever with COVID last year": an old episode, not a complication now.
        old = [c for c in cues.of("long_ago") if _inside(c, scope.sentence)]
        cue = old[0] if old else None
    if cue is None:
        # "had gestational diabetes with my first but it went away"
        later = [
            c for c in cues.of("resolved") if _inside(c, scope.sentence) and c[0] >= mention[1]
        ]
        cue = later[0] if later else None
    if cue is not None:
        return NEGATED, cue
    cue = _other_person(mention, scope, cues)
    if cue is not None:
        # "my mum's on warfarin and so am I": the patient says it of themselves too.
        sentence = scope.sentence
        also_me = [c for c in cues.of("self_too") if _inside(c, sentence) and c[0] >= mention[1]]
        return (AFFIRMED, None) if also_me else (OTHER_PERSON, cue)
    cue = _hypothetical(mention, scope, cues)
    if cue is not None:
        return HYPOTHETICAL, cue
    return AFFIRMED, None

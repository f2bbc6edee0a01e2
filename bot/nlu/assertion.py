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
    # The sentence before the mention's one ends with a question mark.
    after_question: bool = False


def _inside(span: Span, scope: Span) -> bool:
    return scope[0] <= span[0] and span[1] <= scope[1]


def _overlaps(span: Span, others: list[Span]) -> bool:
    return any(span[0] < other[1] and other[0] < span[1] for other in others)


def _first_person_between(cues: Cues, start: int, end: int, cue_type: str = "first_person") -> bool:
    # "(I'm a practice nurse)" between someone and the mention is an aside about the patient.
    asides = cues.of("self_aside")
    return any(
        start <= fp[0] and fp[1] <= end and not _overlaps(fp, asides) for fp in cues.of(cue_type)
    )


def _first_person_outside(cues: Cues, scope: Span, cue: Span) -> bool:
    """A first person in the scope outside the cue and outside any other symptom question
    ("what are the signs of an infection I should look out for?")."""
    asking = [cue, *(c for c in cues.of("symptom_question") if _inside(c, scope))]
    return any(
        _inside(fp, scope) and not any(_inside(fp, q) for q in asking)
        for fp in cues.of("first_person")
    )


def _opens_with(cues: Cues, cue_type: str, scope: Span) -> bool:
    return any(cue[0] == scope[0] for cue in cues.of(cue_type))


def _negation(
    mention: Span,
    scope: Scope,
    cues: Cues,
    windows: Windows,
    joiners: Sequence[bool],
    listed: Sequence[bool],
) -> Span | None:
    start, end = mention
    pseudo = cues.of("pseudo_negation")
    for cue in cues.of("negation_overlap"):
        if _overlaps(cue, [mention]) and not _overlaps(cue, pseudo):
            return cue
    # "I was on warfarin for 6 months after a DVT but finished in 2021"
    for cue in cues.of("past_course"):
        if _inside(cue, scope.clause) and cue[1] <= start and start - cue[1] < 2:
            ended = [c for c in cues.of("course_ended") if _inside(c, scope.sentence)]
            if any(c[0] >= end for c in ended):
                return next(c for c in ended if c[0] >= end)
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
    # Between someone else and a contraindication, only the patient as a subject ("my mum
    # and I are diabetic") or "my" right before it ("my mum says my diabetes") takes the
    # mention back: "one of the regulars at my barbershop takes Eliquis" is the regular's. A
    # complication is the patient's on any first person ("my friend says my scalp looks infected").
    person = "first_person" if scope.kind == RED_FLAG else "self_subject"
    # ... and inside the complication too ("the wife says the redness from my treatment has
    # spread"), while "my husband says the pain since his injections is a 9" stays his.
    reach = end if scope.kind == RED_FLAG else start
    for cue in cues.of("third_party"):
        if (
            _inside(cue, scope.clause)
            and cue[1] <= start
            and not _first_person_between(cues, cue[1], reach, person)
            and not _owned(mention, scope, cues)
            # "me and my husband are expecting"
            and not any(0 <= cue[0] - with_me[1] <= 1 for with_me in cues.of("self_and"))
            # "I'm a patient at the clinic"
            and not any(own[0] < cue[0] <= own[1] for own in cues.of("self_description"))
            # "where she did the injections is hot and red": she is the practitioner
            and not _overlaps(cue, cues.of("practitioner"))
            and not _fed_child(cue, mention, cues)
        ):
            return cue
    describes_self = _first_person_between(cues, scope.clause[0], start, "self_subject")
    for cue in cues.of("third_party_after"):
        if cue[0] == end and not describes_self:
            return cue
    # "For my mum: she's type 2, on gliclazide": a clause with no one in it goes on about the
    # person named before it in the sentence, unless the patient comes in between.
    described = cues.of("self_description")  # "I'm a first time mom, ..., pure breastfeeding"
    earlier = [
        c
        for c in cues.of("third_party")
        if _inside(c, scope.sentence)
        and c[1] <= scope.clause[0]
        and not any(own[0] < c[0] <= own[1] for own in described)
    ]
    if (
        earlier
        and not _first_person_between(cues, earlier[-1][1], end)
        and not _fed_child(earlier[-1], mention, cues)
    ):
        return earlier[-1]
    return None


def _fed_child(cue: Span, mention: Span, cues: Cues) -> bool:
    """The third party is the patient's child, told as the one fed ("my LO still has a feed"):
    the patient is the one breastfeeding."""
    return _overlaps(cue, cues.of("own_child")) and _overlaps(mention, cues.of("fed_by_patient"))


def _owned(mention: Span, scope: Scope, cues: Cues) -> bool:
    """A contraindication right after "my": "what if my diabetes is badly controlled?"."""
    return scope.kind != RED_FLAG and any(own[1] == mention[0] for own in cues.of("possessive"))


def _hypothetical(mention: Span, scope: Scope, cues: Cues) -> Span | None:
    start, end = mention
    # "if my scalp psoriasis flares before a session": the flare is not one now, even though
    # the condition is the patient's.
    flare = [c for c in cues.of("flare_after") if c[0] == end]
    if flare and any(_inside(c, scope.clause) and c[1] <= start for c in cues.of("conditional")):
        return flare[0]
    if _owned(mention, scope, cues):
        return None  # the patient has it
    described = cues.of("self_description")
    facts = cues.of("not_hypothetical")
    for cue in cues.of("hypothetical"):
        if not _inside(cue, scope.clause) or _overlaps(cue, facts):
            continue
        if any(own[0] < cue[0] <= own[1] for own in described):
            continue  # "I'm a woman on warfarin": the group word is the patient
        before = cue[1] <= start and not _first_person_between(cues, cue[1], start)
        if before or _overlaps(cue, [mention]):
            return cue
    # "would breastfeeding be a problem if I have another baby?"
    ahead = [c for c in cues.of("future_condition") if _inside(c, scope.sentence)]
    for cue in ahead:
        if (scope.question_end and cue[0] >= end) or (
            _inside(cue, scope.clause) and cue[1] <= start
        ):
            return cue
    later = [c for c in cues.of("future_time") if _inside(c, scope.sentence)]
    for cue in cues.of("if_self") if later else ():
        # "if I'm pregnant by then, can I still do the last session?"
        if (
            _inside(cue, scope.clause)
            and cue[1] <= start
            and not _first_person_between(cues, cue[1], start)
        ):
            return cue
    describes_self = _first_person_between(cues, scope.clause[0], start, "self_subject")
    for cue in cues.of("hypothetical_after"):
        if cue[0] == end and not describes_self:
            return cue
    sentence = scope.sentence
    if (
        scope.after_question
        and _opens_with(cues, "example_list", sentence)
        and not _first_person_between(cues, sentence[0], sentence[1])
        and not any(_inside(c, sentence) for c in cues.of("measured"))
    ):
        # "which conditions would rule me out? Like diabetes, heart stuff"
        return next(c for c in cues.of("example_list") if c[0] == sentence[0])
    pointed = any(0 <= start - c[1] <= 1 for c in cues.of("deictic"))
    # "is it normal to hurt this much after? easily 8/10": the patient answers with a measure.
    measured = any(c[0] >= sentence[1] and c[1] <= end for c in cues.of("measured"))
    if scope.kind == RED_FLAG and not pointed and not measured:
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
        # "is a fever of 38 after the session something to ring about?"
        if (
            scope.question_end
            and _opens_with(cues, "question_word", sentence)
            and not _first_person_between(cues, sentence[0], sentence[1])
            and not any(0 <= start - c[1] <= 1 for c in cues.of("pointer"))
        ):
            for cue in cues.of("symptom_judgement"):
                if _inside(cue, sentence) and cue[0] >= end:
                    return cue
    clause = scope.clause
    if scope.question and not _first_person_between(cues, clause[0], clause[1]):
        # "would diabetes be a problem?" asks about the rule; "on warfarin, is that ok?" and
        # "on warfarin 😬 is that a deal breaker?" tell about the patient.
        for cue in cues.of("question_word"):
            if _inside(cue, clause) and cue[1] <= start:
                return cue
    return None


def revise(
    mentions: Sequence[Span],
    scopes: Sequence[Scope],
    statuses: Sequence[tuple[str, Span | None]],
    cues: Cues,
    categories: Sequence[str],
) -> list[tuple[str, Span | None]]:
    """Rules that read the whole message, after each mention has its status.

    - A mention inside a longer one ("allergic" in "allergic reaction") takes the longer one's
      status.
    - A general question the patient then says is about themselves ("is it safe for pregnant
      women? asking because I am") is affirmed.
    - A question asked ahead of time ("would I need to stop blood thinners? asking in case my
      GP puts me on them") is hypothetical.
    - An old episode followed by a denial of the same category now ("had a reaction to a
      plaster as a kid but I'm not allergic to anything now") is over.
    - A mention told after someone else's in the same sentence, with no first person between
      them or in its own clause, is theirs too ("my sister got an infection, red hot and pus
      everywhere").
    """
    revised = list(statuses)
    denials: dict[str, list[int]] = {}  # where each category is negated, in reading order
    for index, (status, _) in enumerate(statuses):
        if status == NEGATED:
            denials.setdefault(categories[index], []).append(index)
    for index, (mention, scope) in enumerate(zip(mentions, scopes, strict=True)):
        status, _ = revised[index]
        if status == AFFIRMED and any(_inside(c, scope.sentence) for c in cues.of("long_ago")):
            later = [i for i in denials.get(categories[index], ()) if mentions[i][0] >= mention[1]]
            if later:
                revised[index] = statuses[later[0]]
                continue
        if status == HYPOTHETICAL and any(c[0] >= mention[1] for c in cues.of("self_included")):
            revised[index] = (AFFIRMED, None)
        elif status == AFFIRMED and scope.question_end:
            ahead = [c for c in cues.of("prospective") if not _inside(c, scope.sentence)]
            if ahead:
                revised[index] = (HYPOTHETICAL, ahead[0])
    for index, (mention, scope) in enumerate(zip(mentions, scopes, strict=True)):
        if revised[index][0] != AFFIRMED:
            continue
        for other in range(index):
            status, cue = revised[other]
            if (
                status == OTHER_PERSON
                and _inside(mentions[other], scope.sentence)
                and mentions[other][1] <= mention[0]
                and not _first_person_between(cues, mentions[other][1], mention[0])
                and not _first_person_between(cues, scope.clause[0], scope.clause[1])
            ):
                revised[index] = (OTHER_PERSON, cue)
                break
    # Longest first among those that start together, so a container is seen before its parts.
    widest: int | None = None  # the mention read so far that reaches furthest
    for index in sorted(range(len(mentions)), key=lambda i: (mentions[i][0], -mentions[i][1])):
        start, end = mentions[index]
        if widest is not None:
            first, last = mentions[widest]
            if last >= end and last - first > end - start:
                revised[index] = revised[widest]
                continue
        if widest is None or end > mentions[widest][1]:
            widest = index
    return revised


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
        pseudo = cues.of("pseudo_negation")  # "has gone raw" has not gone
        later = [
            c
            for c in cues.of("resolved")
            if _inside(c, scope.sentence) and c[0] >= mention[1] and not _overlaps(c, pseudo)
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

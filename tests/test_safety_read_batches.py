"""The blind batches that have since been read (tests/safety/metrics.py READ_BATCHES).

Each was written without reading the flagger and scored once before anything was changed; that
first score is kept in bench/safety_unseen_blind.yml, and bench/SAFETY.md says which round read
which batch. Each round then read its batches whole and fixed the general gaps they showed, so
the figures asserted here (the rules alone) are regression floors at the level reached, not a
measure of generalisation (that is tests/test_safety_unread.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.nlu.detector import SafetyDetector
from bot.settings import ROOT
from tests.conftest import REPORT
from tests.safety.metrics import (
    MUST_NOT_FLAG,
    READ_BATCHES,
    Score,
    load_batch,
    report,
    score,
)


def sizes(**groups: int) -> dict[str, int]:
    """Rows per group, as the batch's notes give them."""
    return groups


@dataclass(frozen=True)
class Batch:
    """A read batch's group sizes as its notes describe them, and the floors reached."""

    group_sizes: dict[str, int]
    min_recall: float
    min_precision: float
    # Ceilings on false flags by group where the rules still let some through (0 elsewhere).
    max_false_flags: dict[str, float] = field(default_factory=dict)


BATCHES = {
    "unseen2": Batch(
        sizes(hypothetical=95, affirmed=83, third_party=56, red_flag=39, negated=38, ordinary=15),
        min_recall=1.0,
        min_precision=1.0,
    ),
    # Two rows are short of 1.0 (unseen3_NOTES.md): "T2 + AF + on rivaroxaban" (slang not
    # taken as diabetes and AF) and an itchy rash "spreading" also read as infection.
    "unseen3": Batch(
        sizes(affirmed=109, red_flag=48, hypothetical=42, negated=35, third_party=35, ordinary=20),
        min_recall=0.988,
        min_precision=0.994,
    ),
    # Left after round 6 (bench/SAFETY.md): an idiom for a late pregnancy, bare "type 1" after
    # "and", a boil and a burn before any session read as infection; suspected pregnancies, a
    # checklist of conditions answered "none of those", "the answer is still no", "and so do I"
    # about the question rather than the drug. (Round 9 read the partner who noticed the bald
    # spot, and the parenthesis about the patient inside a customer's message.)
    "unseen5": Batch(
        sizes(affirmed=110, red_flag=58, negated=44, hypothetical=44, third_party=38, ordinary=23),
        min_recall=0.989,
        min_precision=0.949,
        max_false_flags={"negated": 0.045, "hypothetical": 0.068, "third_party": 0.026},
    ),
    # Left after round 8 (bench/SAFETY.md): "due my second in feb", a bare "9/10." opening a
    # message, a rash spreading after the session also read as infection, a normal HbA1c after
    # "tested me for diabetes", questions about signs asked "so I know", a side effect asked
    # about after the words, a customer's parenthesis about the patient.
    "unseen7": Batch(
        sizes(affirmed=112, red_flag=61, negated=50, hypothetical=45, third_party=40, ordinary=20),
        min_recall=0.989,
        min_precision=0.968,
        max_false_flags={"negated": 0.02, "hypothetical": 0.044, "third_party": 0.025},
    ),
    # Left after round 9 (bench/SAFETY.md): autoimmune hepatitis "in remission" (other batches
    # read remission as an ending), a cat scratch that looks infected before any session (also
    # read as infection), a past episode of "borderline" diabetes with normal bloods since, a
    # medicine the GP "might" start, a shingles episode "on my back, not my head", a pain score
    # asked about across a question mark.
    "unseen8": Batch(
        sizes(affirmed=115, red_flag=61, negated=50, hypothetical=45, third_party=40, ordinary=26),
        min_recall=0.994,
        min_precision=0.973,
        max_false_flags={"negated": 0.04, "hypothetical": 0.044},
    ),
    # Left after round 10 (bench/SAFETY.md): voice typing ("riva rocks a band", "I see D"), a
    # medic-alert bracelet, latex told by a balloon, AF with a comma after it (as in "tired af,"),
    # liver enzymes given as "ALT around 140", two allergies to an aspirin-like list, a hair loss
    # told only as "been coming for a year", bald dots after "like", a scalp biopsy of a spot
    # that keeps bleeding (also read as bleeding), a gestational diabetes "we both" share, a
    # pregnancy found out "after a session" (hypothetical), and a few Spanish questions.
    "unseen9": Batch(
        sizes(affirmed=115, red_flag=63, negated=50, hypothetical=45, third_party=40, ordinary=25),
        min_recall=0.953,
        min_precision=0.943,
        max_false_flags={"negated": 0.02, "hypothetical": 0.067, "third_party": 0.025},
    ),
    # Left after round 11 (bench/SAFETY.md): a medic-alert bracelet again, a follow-up that only
    # answers the clinic ("yes flutter, had an ablation"; "about an 8, maybe a 9"; a bald patch
    # "getting bigger" with no session named), "she still comes on me at night", anti-rejection
    # tablets after a liver transplant also read as a kidney's, an intolerance told as "doesn't
    # agree with me". The rules' false flags on hypothetical and third-party rows are general
    # questions and people the sender cares for or treats; the status check, which learns from
    # this batch, demotes them.
    "unseen11": Batch(
        sizes(affirmed=115, red_flag=60, negated=50, hypothetical=45, third_party=40, ordinary=25),
        min_recall=0.968,
        min_precision=0.91,
        max_false_flags={"negated": 0.06, "hypothetical": 0.2, "third_party": 0.075},
    ),
    # Left after round 12 (bench/SAFETY.md): Tagalog ("nana", "nilalagnat", "ang sakit ... 10/10
    # na po"; the clinic's languages are English and Spanish), yellow eyes read as an infection
    # beside the jaundice, a reaction told beside a stated allergy also read as a reaction, a
    # breastfeeding that ends in the future, scabs after a hair transplant.
    "unseen12": Batch(
        sizes(affirmed=115, red_flag=60, negated=50, hypothetical=45, third_party=40, ordinary=25),
        min_recall=0.968,
        min_precision=0.915,
        max_false_flags={"negated": 0.06, "hypothetical": 0.156, "third_party": 0.05},
    ),
    # Left after round 13 (bench/SAFETY.md), a batch of hard cases read in one short round:
    # idioms and jokes ("my sweet tooth sent the invoice", "shellfish and I are not on speaking
    # terms", "the food poisoning had a heartbeat", "a small animal in my plughole"), devices
    # described ("a box under my collarbone"), a patch test that "lit up", a yellow INR book,
    # foods the patient cannot touch, a reaction beside a stated allergy also read as one.
    "unseen14": Batch(
        sizes(affirmed=115, red_flag=60, negated=50, hypothetical=45, third_party=40, ordinary=25),
        min_recall=0.869,
        min_precision=0.856,
        max_false_flags={"negated": 0.2, "hypothetical": 0.088, "third_party": 0.075},
    ),
    # Left after round 14 (bench/SAFETY.md): a reaction told beside a stated allergy also read as
    # one, swollen neck glands also read as a reaction, a bruise going yellow told at length, a
    # course told as "my last tablet", "AF," and "twins! 22 weeks", people who are not the sender
    # named in a second clause, past conditions told with "had ... before".
    "unseen15": Batch(
        sizes(affirmed=115, red_flag=60, negated=50, hypothetical=45, third_party=40, ordinary=25),
        min_recall=0.989,
        min_precision=0.94,
        max_false_flags={"negated": 0.04, "hypothetical": 0.022, "third_party": 0.075},
    ),
    "unseen16": Batch(
        sizes(affirmed=115, red_flag=60, negated=50, hypothetical=45, third_party=40, ordinary=25),
        min_recall=0.989,
        min_precision=0.944,
        max_false_flags={"negated": 0.1, "hypothetical": 0.066, "third_party": 0.025},
    ),
    # Left after round 15 (bench/SAFETY.md): aspirin 75 mg (the lexicon counts it as a blood
    # thinner; these batches' authors did not), corrections told across a checklist ("I ticked
    # no for allergies but ..."), a scab on the top from a knock that keeps bleeding, a pain
    # "worse than" things named before it, a baby "on me every two hours".
    "unseen17": Batch(
        sizes(affirmed=115, red_flag=60, negated=50, hypothetical=45, third_party=40, ordinary=25),
        min_recall=0.989,
        min_precision=0.949,
        max_false_flags={"negated": 0.08, "hypothetical": 0.066, "third_party": 0.075},
    ),
    "unseen18": Batch(
        sizes(affirmed=115, red_flag=60, negated=50, hypothetical=45, third_party=40, ordinary=25),
        min_recall=0.979,
        min_precision=0.923,
        max_false_flags={"negated": 0.14, "hypothetical": 0.111, "third_party": 0.0},
    ),
    # Left after round 16 (bench/SAFETY.md): corrections inside one message ("I don't have any
    # allergies - actually wait, I do"), a reaction told beside a stated allergy also read as
    # one, an allergic reaction "to something in the cocktail" read as an allergy, a period that
    # is late, "due in October", the first clause's person carried into a report.
    "unseen19": Batch(
        sizes(affirmed=116, red_flag=60, negated=50, hypothetical=45, third_party=40, ordinary=25),
        min_recall=0.989,
        min_precision=0.941,
        max_false_flags={"negated": 0.06, "hypothetical": 0.2, "third_party": 0.0},
    ),
    "unseen20": Batch(
        sizes(affirmed=108, red_flag=75, negated=50, hypothetical=46, third_party=31, ordinary=32),
        min_recall=0.96,
        min_precision=0.946,
        max_false_flags={"negated": 0.02, "hypothetical": 0.108, "third_party": 0.0},
    ),
    # Left after round 17 (bench/SAFETY.md): hairs counted, a scale asked and answered in two
    # sentences, Tagalog, a kidney transplant named only as "my transplant", pain words too far
    # from "pain", prediabetes (flagged, as labelled.yml has it; unseen22's author would not).
    "unseen21": Batch(
        sizes(affirmed=89, red_flag=110, negated=45, hypothetical=40, third_party=30, ordinary=32),
        min_recall=0.926,
        min_precision=0.939,
        max_false_flags={"negated": 0.133, "hypothetical": 0.075, "third_party": 0.0},
    ),
    "unseen22": Batch(
        sizes(affirmed=122, red_flag=53, negated=48, hypothetical=45, third_party=40, ordinary=38),
        min_recall=0.979,
        min_precision=0.919,
        max_false_flags={"negated": 0.125, "hypothetical": 0.133, "third_party": 0.025},
    ),
    # Left after round 18 (bench/SAFETY.md): conditions described by their devices and care
    # (a sugar sensor, a permcath, a camera to band veins, a heart "zapped back into rhythm"),
    # reactions told as the reason for an allergy, "I started in May and by June".
    # Round 19's "since my second go" as treatment context makes the rules read a penicillin
    # rash told as the reason for an allergy as a reaction too (precision 0.920 to 0.917; the
    # status check doubts it, so the component does not flag it); recall rose to 0.963.
    "unseen23": Batch(
        sizes(affirmed=80, red_flag=121, negated=41, hypothetical=36, third_party=31, ordinary=36),
        min_recall=0.963,
        min_precision=0.917,
        max_false_flags={"negated": 0.146, "hypothetical": 0.167, "third_party": 0.0},
    ),
    "unseen24": Batch(
        sizes(affirmed=110, red_flag=71, negated=50, hypothetical=44, third_party=38, ordinary=34),
        min_recall=0.777,
        min_precision=0.89,
        max_false_flags={"negated": 0.14, "hypothetical": 0.136, "third_party": 0.0},
    ),
    # Left after round 19 (bench/SAFETY.md): a partner or hairdresser who noticed the thinning,
    # hair loss told only by a bun or a shower tray, pain words far from "pain", a pregnancy
    # told by its month or its weeks, a habitual reaction ("hives every time I take biotin").
    "unseen25": Batch(
        sizes(affirmed=113, red_flag=78, negated=39, hypothetical=37, third_party=33, ordinary=30),
        min_recall=0.955,
        min_precision=0.946,
        max_false_flags={"negated": 0.051, "hypothetical": 0.081, "third_party": 0.06},
    ),
    "unseen26": Batch(
        sizes(affirmed=123, red_flag=78, negated=37, hypothetical=35, third_party=32, ordinary=33),
        min_recall=0.981,
        min_precision=0.942,
        max_false_flags={"negated": 0.108, "hypothetical": 0.142, "third_party": 0.0},
    ),
    # Left after round 20 (bench/SAFETY.md): pain and hair loss described without their words
    # ("two sizes too small", "10 come away"), bleeding told without the session, a past or
    # pre-session hair loss read as one after it, AF or a pregnancy told only by a due month.
    "unseen27": Batch(
        sizes(affirmed=141, red_flag=112, negated=32, hypothetical=31, third_party=31, ordinary=32),
        min_recall=0.928,
        min_precision=0.945,
        max_false_flags={"negated": 0.094, "hypothetical": 0.065, "third_party": 0.0},
    ),
    "unseen28": Batch(
        sizes(affirmed=137, red_flag=89, negated=35, hypothetical=30, third_party=29, ordinary=28),
        min_recall=0.974,
        min_precision=0.946,
        max_false_flags={"negated": 0.058, "hypothetical": 0.167, "third_party": 0.069},
    ),
    # Left after round 21 (bench/SAFETY.md): a pregnancy told only by a bump "only 16 weeks"
    # inside a question or a booking with the midwife, an allergy told as "goes funny" or a
    # patch test that "lit up", conditions told through what "they saw" or "one of those"
    # sensors, dialysis as "machine days", a baby "still on breast", pain told far from the word
    # "pain", hair "mostly" in the hoover, a site "leaking", Tagalog words; terms that would have
    # caught some were dropped for false flags (bench/SAFETY.md, round 21).
    "unseen29": Batch(
        sizes(affirmed=112, red_flag=67, negated=32, hypothetical=32, third_party=32, ordinary=36),
        min_recall=0.974,
        min_precision=0.931,
        max_false_flags={"negated": 0.031, "hypothetical": 0.156, "third_party": 0.062},
    ),
    "unseen30": Batch(
        sizes(affirmed=118, red_flag=70, negated=30, hypothetical=29, third_party=29, ordinary=32),
        min_recall=0.868,
        min_precision=0.908,
        max_false_flags={"negated": 0.1, "hypothetical": 0.207, "third_party": 0.034},
    ),
}


@pytest.fixture(scope="module")
def scored() -> dict[str, Score]:
    detector = SafetyDetector(ROOT / "data" / "safety")
    result = {}
    for name in BATCHES:
        rows = load_batch(name)
        result[name] = score(detector, rows)
        REPORT.append(f"safety detector on the {len(rows)} messages of {name} (read, tuned on):")
        REPORT.extend(report(result[name]).splitlines())
    return result


def test_every_read_batch_has_floors():
    assert tuple(BATCHES) == READ_BATCHES


@pytest.mark.parametrize("name", BATCHES)
def test_the_batch_is_whole(name):
    batch = BATCHES[name]
    rows = load_batch(name)
    assert len(rows) == sum(batch.group_sizes.values())
    assert {g: sum(row["group"] == g for row in rows) for g in batch.group_sizes} == (
        batch.group_sizes
    )


@pytest.mark.parametrize("name", BATCHES)
def test_affirmed_recall_and_precision(scored, name):
    found, batch = scored[name], BATCHES[name]
    assert found.recall_all >= batch.min_recall, "\n".join(found.errors)
    assert found.precision_all >= batch.min_precision, "\n".join(found.errors)


@pytest.mark.parametrize("name", BATCHES)
@pytest.mark.parametrize("group", MUST_NOT_FLAG)
def test_no_false_flags(scored, name, group):
    rate = scored[name].false_flag_rate(group)
    ceiling = BATCHES[name].max_false_flags.get(group, 0.0)
    # Ceilings are rounded to 0.1 %; one more row is over 2 % in every group.
    assert rate <= ceiling + 0.001, f"{group}: {rate:.1%} {scored[name].false_flags.get(group)}"

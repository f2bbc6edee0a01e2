"""The real-questions set (tests/nlu/real_questions.yml) is big enough, sourced, labelled with the
design's intents, and kept out of the training data.

The set is an evaluation set only (bench/nlu_eval.py reports on its test split): a training
example that copies or nearly copies one of its questions would make that number dishonest.
On failure only the training example and its file are shown, never the real question.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from bot.settings import ROOT

REAL = ROOT / "tests" / "nlu" / "real_questions.yml"
MIN_TEST_QUESTIONS = 300
# A near-copy: same words (Jaccard of word sets) or same characters (difflib's ratio).
JACCARD_LIMIT = 0.8
RATIO_LIMIT = 0.9
# An entity annotation "[PRP](treatment)" reads as its words "PRP".
ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)")
MIN_WORDS = 4  # shorter examples ("does it hurt") are common phrasings, not copies
URL = re.compile(r"https?://\S+\.\S+")


def normal(text: str) -> str:
    """Lower case, punctuation to spaces, whitespace collapsed."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def questions() -> list[dict]:
    return yaml.safe_load(REAL.read_text(encoding="utf-8"))["questions"]


def training_examples() -> list[tuple[str, str]]:
    """(file, example) for every intent example under data/nlu (lookup tables are not examples)."""
    found = []
    for path in sorted((ROOT / "data" / "nlu").rglob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in raw.get("nlu", []) or []:
            if "intent" not in block:
                continue
            for line in str(block.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    text = ANNOTATION.sub(r"\1", line.strip()[2:].strip())
                    found.append((str(path.relative_to(ROOT)), text))
    return found


def design_intents() -> set[str]:
    return set(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])


def near_copy(example: str, question: str) -> bool:
    """True when a normalised training example copies or nearly copies a normalised question."""
    words = example.split()
    if len(words) < MIN_WORDS:
        return False
    if example == question:
        return True
    mine, theirs = set(words), set(question.split())
    if len(mine & theirs) / len(mine | theirs) >= JACCARD_LIMIT:
        return True
    matcher = difflib.SequenceMatcher(None, example, question, autojunk=False)
    return (
        matcher.real_quick_ratio() >= RATIO_LIMIT
        and matcher.quick_ratio() >= RATIO_LIMIT
        and matcher.ratio() >= RATIO_LIMIT
    )


def test_the_test_split_is_big_enough():
    test = [q for q in questions() if q["split"] == "test"]
    assert len(test) >= MIN_TEST_QUESTIONS


def test_every_question_has_a_source_and_a_design_intent():
    known = design_intents()
    bad = []
    for number, q in enumerate(questions()):
        if not str(q.get("text", "")).strip():
            bad.append((number, "no text"))
        if not URL.match(str(q.get("source", ""))):
            bad.append((number, "no source URL"))
        if q.get("intent") not in known:
            bad.append((number, f"unknown intent {q.get('intent')!r}"))
        unknown_also = set(q.get("also", [])) - known
        if unknown_also:
            bad.append((number, f"unknown also {sorted(unknown_also)}"))
        if q.get("split") not in ("test", "dev"):
            bad.append((number, f"split {q.get('split')!r}"))
        if q.get("off_topic") and q.get("intent") != "out_of_scope":
            bad.append((number, "off_topic but not out_of_scope"))
    assert not bad


def test_the_near_copy_rule_catches_copies_and_spares_other_questions():
    assert near_copy(
        normal("Can I WASH my hair, after the session?"),
        normal("can i wash my hair after the session"),
    )
    assert near_copy(
        normal("can i wash my hair after the sesion"),
        normal("can i wash my hair after the session"),
    )
    assert (
        near_copy(
            normal("how much is one session"), normal("How much is one session at your clinic?")
        )
        is False
    )
    assert not near_copy(normal("does it hurt"), normal("Does it hurt?"))
    assert not near_copy(
        normal("can i go to the gym after PRP"), normal("can i wash my hair after PRP")
    )


@pytest.fixture(scope="module")
def real_normalised() -> list[str]:
    return [normal(q["text"]) for q in questions()]


def test_no_training_example_copies_a_real_question(real_normalised):
    copies = sorted(
        {
            (path, example)
            for path, example in training_examples()
            if any(near_copy(normal(example), question) for question in real_normalised)
        }
    )
    assert not copies, "training examples too close to a real question:\n" + "\n".join(
        f"{path}: {example}" for path, example in copies
    )


def test_the_set_is_not_inside_the_training_folders():
    data = ROOT / "data"
    assert not any(Path(p).name == REAL.name for p in data.rglob("*.yml"))


PUBLIC = ROOT / "data" / "nlu" / "public_questions.yml"
MIN_PUBLIC_QUESTIONS = 300


def domain(url: str) -> str:
    """A page's host without "www." (lower case)."""
    return urlparse(url).netloc.lower().removeprefix("www.")


def test_public_training_questions_come_from_no_page_of_the_evaluation_set():
    """Real questions used for training are sourced, and from domains the evaluation set never
    drew on (a subdomain of an evaluation domain counts as that domain)."""
    evaluated = {domain(q["source"]) for q in questions()}
    bad = []
    for block in yaml.safe_load(PUBLIC.read_text(encoding="utf-8"))["nlu"]:
        source = str((block.get("metadata") or {}).get("source", ""))
        host = domain(source)
        if not URL.match(source):
            bad.append(f"{block['intent']}: no source")
        elif any(host == d or host.endswith("." + d) for d in evaluated):
            bad.append(f"{block['intent']}: {host} is a source of the evaluation set")
    assert not bad, bad
    public = str(PUBLIC.relative_to(ROOT))
    assert sum(path == public for path, _ in training_examples()) >= MIN_PUBLIC_QUESTIONS

"""Which documented answers a message asks for: the topic, a specific point of it, a second
question in the same message, a follow-up to the last topic (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass

from actions.words import clauses, first_phrase, is_question, words
from bot.content.knowledge import Entry

# A message this short, with a point of the last topic in it, is a follow-up to that topic
# ("how long?", "and after that?", "what about the sauna?").
FOLLOW_UP_WORDS = 10
MAX_ANSWERS = 3


@dataclass(frozen=True)
class Answer:
    """One answer to give: an entry, and one of its points (None: its main answer)."""

    entry: Entry
    point: str | None = None

    @property
    def key(self) -> str:
        """What was answered, to avoid giving the very same answer twice in a row."""
        return f"{self.entry.intent}:{self.point or 'main'}"

    def text(self, clinic_values: dict[str, object]) -> str:
        """The answer's words with the clinic's values."""
        if self.point:
            followup = self.entry.followup(self.point)
            if followup is not None:
                return followup.render(clinic_values)
        if self.point == "details":
            return self.entry.details
        return self.entry.render(clinic_values)


def point_of(entry: Entry, tokens: list[str], follow_up: bool = True) -> str | None:
    """The first of the entry's specific points that the words ask about.

    In a new question (`follow_up` False) a point is only picked when it is specific (not "how
    long?") and the main answer does not already say it (a point the answer already covers).
    """
    main = words(entry.answer)
    for followup in entry.followups:
        phrase = first_phrase(tokens, followup.asks)
        if not phrase:
            continue
        if follow_up or not (followup.only_as_follow_up or first_phrase(main, [phrase])):
            return followup.key
    return None


def topics_in(tokens: list[str], knowledge: dict[str, Entry]) -> list[str]:
    """FAQ intents whose cue words occur in a clause, in the knowledge base's order."""
    return [intent for intent, entry in knowledge.items() if first_phrase(tokens, entry.cues)]


def choose(
    text: str,
    intent: str | None,
    knowledge: dict[str, Entry],
    last_topic: str | None,
    last_answer: str | None,
    use_cues: bool,
    leave_out: frozenset[str] = frozenset(),
) -> list[Answer]:
    """The answers for a message, main question first, at most three.

    `intent` is the classifier's FAQ intent (None when it heard no FAQ question); `use_cues`
    lets cue words find the question when it did not; `leave_out` are topics another reply
    already covers (the safety reply covers who should not have it).
    """
    tokens = words(text)
    found: list[Answer] = []
    if last_topic in knowledge and last_topic not in leave_out and len(tokens) <= FOLLOW_UP_WORDS:
        point = point_of(knowledge[last_topic], tokens)
        # The classifier's guess loses to a point of the last topic unless the message names
        # the guessed topic itself ("how long do they last?" after results is about results).
        guessed = knowledge.get(intent or "")
        if point and (guessed is None or not first_phrase(tokens, guessed.cues)):
            return _unless_repeated([Answer(knowledge[last_topic], point)], last_answer, text)
    if not found and intent in knowledge and intent not in leave_out:
        entry = knowledge[intent]
        found.append(Answer(entry, point_of(entry, tokens, follow_up=False)))
    if found or use_cues:
        covered = {answer.entry.intent for answer in found} | set(leave_out)
        for part in clauses(text):
            for topic in topics_in(part, knowledge):
                if topic in covered:
                    continue
                covered.add(topic)
                point = point_of(knowledge[topic], part, follow_up=False)
                found.append(Answer(knowledge[topic], point))
    return _unless_repeated(found[:MAX_ANSWERS], last_answer, text)


def _unless_repeated(found: list[Answer], last_answer: str | None, text: str) -> list[Answer]:
    """Never the very same answer twice in a row: asked again, the details; said in passing
    ("ok I'll ask them about the dye, thx"), nothing."""
    if not found or found[0].key != last_answer:
        return found
    if not is_question(text):
        return []
    first = found[0]
    return [Answer(first.entry, "details" if first.point is None else None), *found[1:]]

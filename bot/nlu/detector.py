"""Finds contraindications and red flags in one message, with their assertion status."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import spacy
from spacy.matcher import Matcher
from spacy.tokens import Doc

from bot.content.lexicon import FUZZY_MIN_LENGTH, Lexicon, load_lexicon
from bot.nlu.assertion import AFFIRMED, Cues, Windows, assess

# Tokens that end a sentence or a clause; scopes of cues never cross them.
SENTENCE_END = frozenset({".", "!", "?", ";", "\n"})
CLAUSE_END = SENTENCE_END | {",", "(", ")", "/", "-", "–", "—"}
# What may stand between a mention and a negation after it: "allergies: none", "diabetes - no".
JOINERS = frozenset({":", "-", "–", "—", "="})
# Longer messages are read up to here: a safety mention is always near text a person wrote,
# and the cap bounds the work one request can cause.
MAX_CHARS = 20_000


@dataclass(frozen=True)
class Mention:
    """One contraindication or red-flag mention and how it was meant."""

    kind: str  # "contraindication" or "red_flag"
    category: str
    start: int  # character offsets into the message
    end: int
    text: str
    status: str  # affirmed / negated / hypothetical / other_person
    severity: str
    cue: str | None = None  # the words that made it not affirmed

    @property
    def affirmed(self) -> bool:
        """True when the patient states it about themselves, now."""
        return self.status == AFFIRMED


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class SafetyDetector:
    """Rule-based detector on spacy.blank("en"), built from the lexicon in data/safety."""

    def __init__(self, lexicon_dir: Path) -> None:
        self.nlp = spacy.blank("en")
        self.lexicon: Lexicon = load_lexicon(lexicon_dir, self._norms)
        vocab = self.nlp.vocab
        self._terms = Matcher(vocab)
        for category in self.lexicon.categories.values():
            self._terms.add(category.name, list(category.patterns), greedy="LONGEST")
        self._treatment = Matcher(vocab)
        self._treatment.add("treatment", list(self.lexicon.treatment_context))
        self._cues = Matcher(vocab)
        for cue_type, patterns in self.lexicon.context.cues.items():
            self._cues.add(cue_type, list(patterns))
        self._known = {
            token["NORM"]
            for category in self.lexicon.categories.values()
            for pattern in category.patterns
            for token in pattern
            if isinstance(token.get("NORM"), str)
        }
        self._typos: dict[str, str] = {}
        for word in sorted(self.lexicon.fuzzy_words):
            for variant in _deletions(word) | {word}:
                self._typos.setdefault(variant, word)
        context = self.lexicon.context
        self._windows = Windows(context.negation_window, context.negation_after_window)

    def _norms(self, text: str) -> list[str]:
        return [token.norm_ for token in self.nlp.make_doc(text)]

    def _fix_typos(self, doc: Doc) -> None:
        """Point a misspelt word's norm at the lexicon word one edit away ("warfrin")."""
        for token in doc:
            word = token.norm_
            if len(word) < FUZZY_MIN_LENGTH - 1 or word in self._known or not word.isalpha():
                continue
            for variant in sorted(_deletions(word) | {word}):
                target = self._typos.get(variant)
                if target and target[0] == word[0] and abs(len(target) - len(word)) <= 1:
                    token.norm_ = target
                    break

    def detect(self, text: str) -> list[Mention]:
        """Every mention in the message, affirmed or not, in reading order."""
        if not text or not text.strip():
            return []
        doc = self.nlp.make_doc(text[:MAX_CHARS])
        cue_spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for match_id, start, end in self._cues(doc):
            cue_spans[self.nlp.vocab.strings[match_id]].append((start, end))
        cues = Cues(dict(cue_spans))
        self._fix_typos(doc)
        about_treatment = bool(self._treatment(doc))
        clause_of = self._clauses(doc, cues)
        joiners = [token.text in JOINERS for token in doc]
        categories = self.lexicon.categories
        mentions: list[Mention] = []
        for match_id, start, end in sorted(self._terms(doc), key=lambda m: (m[1], m[2])):
            category = categories[self.nlp.vocab.strings[match_id]]
            if category.requires_treatment_context and not about_treatment:
                continue
            following = doc[end].norm_ if end < len(doc) else ""
            if (
                category.trigger_means
                and following in category.trigger_words
                and not about_treatment
            ):
                category = categories[category.trigger_means]
            clause = clause_of[start]
            question = None
            if category.general_questions and doc[clause[1] - 1].text == "?":
                question = clause[1] - 1
            status, cue = assess((start, end), clause, cues, self._windows, joiners, question)
            span = doc[start:end]
            mentions.append(
                Mention(
                    kind=category.kind,
                    category=category.name,
                    start=span.start_char,
                    end=span.end_char,
                    text=span.text,
                    status=status,
                    severity=category.severity,
                    cue=doc[cue[0] : cue[1]].text if cue else None,
                )
            )
        return mentions

    @staticmethod
    def _clauses(doc: Doc, cues: Cues) -> list[tuple[int, int]]:
        """For each token, the (start, end) of the clause it is in."""
        starts = {0}
        for token in doc:
            if token.text in CLAUSE_END or (token.is_space and "\n" in token.text):
                starts.add(token.i + 1)
        starts.update(start for start, _ in cues.of("clause_break"))
        bounds = sorted({*(s for s in starts if s < len(doc)), len(doc)})
        clause_of: list[tuple[int, int]] = []
        for left, right in pairwise(bounds):
            clause_of.extend([(left, right)] * (right - left))
        return clause_of

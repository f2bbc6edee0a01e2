"""Finds contraindications and red flags in one message, with their assertion status."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path

import spacy
from spacy.matcher import Matcher
from spacy.tokens import Doc

from bot.content.lexicon import FUZZY_MIN_LENGTH, Category, Lexicon, Pattern, load_lexicon
from bot.nlu.assertion import AFFIRMED, Cues, Scope, Span, Windows, assess, revise
from bot.nlu.normalise import Normalised, fold, normalise
from bot.nlu.spelling import deletes

# Tokens that end a sentence or a clause; scopes of cues never cross them. A Spanish question
# or exclamation opens with "¿" / "¡".
SENTENCE_END = frozenset({".", "!", "?", ";", "\n", "¿", "¡"})
CLAUSE_END = SENTENCE_END | {",", "(", ")", "/", "-", "–", "—"}
# A pattern opening with at most this many alternative words is split into one per word.
SPLIT_UP_TO = 30
# Clause ends that join two words when written without spaces ("sister-in-law").
INFIXES = frozenset({"-", "/"})
# What may stand between a mention and a negation after it: "allergies: none", "diabetes - no".
# "?" for a checklist answered in turn: "Pregnant? nope".
JOINERS = frozenset({":", "-", "–", "—", "=", "?"})
# Decides the status of each (category, token start, token end) match in a doc.
StatusRule = Callable[[Doc, list[tuple[str, int, int]]], list[tuple[str, Span | None]]]
# Matcher key suffix of the terms that mean another category after treatment.
AFTER_TREATMENT = ":after_treatment"
# After "asking because I am", "diabetics like me": the punctuation that may follow the patient's
# own words for them to say "I am one of them" (the words are self_included_end cues).
SELF_INCLUDED_BEFORE = frozenset({",", ".", "!", "?", ";", "-", ")", "\n"})
# Longer messages are read up to here: a safety mention is always near text a person wrote,
# and the cap bounds the work one request can cause.
MAX_CHARS = 20_000


@dataclass(frozen=True)
class Mention:
    """One contraindication or red-flag mention and how it was meant."""

    kind: str  # "contraindication" or "red_flag"
    category: str
    start: int  # character offsets into the original message
    end: int
    text: str
    status: str  # affirmed / negated / hypothetical / other_person
    severity: str
    cue: str | None = None  # the words that made it not affirmed

    @property
    def affirmed(self) -> bool:
        """True when the patient states it about themselves, now."""
        return self.status == AFFIRMED


def _without_nested(mentions: list[Mention]) -> list[Mention]:
    """Drop a mention read inside a longer one of another category: "the itchy rash is
    spreading everywhere" is an allergic reaction, not also an infection ("rash is spreading"),
    and "an allergic reaction to something from today's session" is not also an allergy."""

    def nested(inner: Mention, outer: Mention) -> bool:
        return (
            outer.category != inner.category
            # a complication is never hidden by a contraindication ("a boil on my scalp")
            and not (inner.kind == "red_flag" and outer.kind != "red_flag")
            and outer.start <= inner.start
            and inner.end <= outer.end
            and outer.end - outer.start > inner.end - inner.start
        )

    return [m for m in mentions if not any(nested(m, other) for other in mentions)]


def _words(norm: object) -> list[str]:
    """The words a Matcher NORM value names: a word, or {"IN": [words]}."""
    if isinstance(norm, str):
        return [norm]
    if isinstance(norm, dict) and isinstance(norm.get("IN"), list):
        return [str(word) for word in norm["IN"]]
    return []


def _compact(patterns: list[Pattern]) -> list[Pattern]:
    """The same matches for less work: the one-word patterns merged into one, and a longer
    pattern that opens with a short list of words split into one pattern per word (the Matcher
    tests a plain word in C, but a list of words with a Python call at every token)."""
    words: set[str] = set()
    longer: list[Pattern] = []
    for pattern in patterns:
        first = pattern[0]
        if len(pattern) == 1 and set(first) == {"NORM"} and _words(first["NORM"]):
            words.update(_words(first["NORM"]))
        elif set(first) == {"NORM"} and 1 < len(_words(first["NORM"])) <= SPLIT_UP_TO:
            longer.extend([{"NORM": word}, *pattern[1:]] for word in _words(first["NORM"]))
        else:
            longer.append(pattern)
    return [*longer, [{"NORM": {"IN": sorted(words)}}]] if words else longer


class SafetyDetector:
    """Rule-based detector on spacy.blank("en"), built from the lexicon in data/safety.

    Messages and lexicon terms are both folded by `bot.nlu.normalise` (zero-width and control
    characters, homoglyphs, full-width letters, accents) before they are tokenized; mentions
    report offsets and text of the original message.
    """

    def __init__(self, lexicon_dir: Path) -> None:
        self.lexicon_dir = lexicon_dir
        self.nlp = spacy.blank("en")
        self.lexicon: Lexicon = load_lexicon(lexicon_dir, self._norms)
        vocab = self.nlp.vocab
        self._terms = Matcher(vocab)
        for category in self.lexicon.categories.values():
            self._terms.add(category.name, _compact(list(category.patterns)), greedy="LONGEST")
            for index, after in enumerate(category.after_treatment):
                self._terms.add(
                    f"{category.name}{AFTER_TREATMENT}{index}",
                    _compact(list(after.patterns)),
                    greedy="LONGEST",
                )
        self._beside = Matcher(vocab)
        for category in self.lexicon.categories.values():
            if category.beside and category.beside.conditions:
                self._beside.add(category.name, list(category.beside.conditions))
        self._treatment = Matcher(vocab)
        self._treatment.add("treatment", list(self.lexicon.treatment_context))
        self._cues = Matcher(vocab)
        for cue_type, patterns in self.lexicon.context.cues.items():
            self._cues.add(cue_type, _compact(list(patterns)))
        self._known = {
            word
            for category in self.lexicon.categories.values()
            for pattern in (*category.patterns, *self.lexicon.treatment_context)
            for token in pattern
            for word in _words(token.get("NORM"))
        } | self.lexicon.context.not_typos
        self._typos: dict[str, str] = {}
        self._longest_typo = max(map(len, self.lexicon.fuzzy_words), default=0) + 1
        for word in sorted(self.lexicon.fuzzy_words):
            for variant in deletes(word) | {word}:
                self._typos.setdefault(variant, word)
        self._has_beside = any(c.beside for c in self.lexicon.categories.values())
        context = self.lexicon.context
        self._windows = Windows(context.negation_window, context.negation_after_window)

    def _norms(self, text: str) -> list[str]:
        return [token.norm_ for token in self._tokens(fold(text))]

    def _tokens(self, folded: str) -> Doc:
        """Tokens of folded text, split as its lower case splits them.

        spaCy's tokenizer splits by case: "t2dm" is "t2" + "dm" but "T2DM" one token, "cant" is
        "ca" + "nt" but "CANT" one. Terms are written in lower case, so a message is split as its
        lower case is (when lower-casing keeps every offset, as it does for folded text).
        """
        lower = folded.lower()
        return self.nlp.make_doc(lower if len(lower) == len(folded) else folded)

    def _fix_typos(self, doc: Doc) -> None:
        """Point a misspelt word's norm at the lexicon word one edit away ("warfrin")."""
        for token in doc:
            word = token.norm_
            if (
                not FUZZY_MIN_LENGTH - 1 <= len(word) <= self._longest_typo
                or word in self._known
                or not word.isalpha()
            ):
                continue
            for variant in sorted(deletes(word) | {word}):
                target = self._typos.get(variant)
                if target and target[0] == word[0] and abs(len(target) - len(word)) <= 1:
                    token.norm_ = target
                    break

    def detect(self, text: str, status_rule: StatusRule | None = None) -> list[Mention]:
        """Every mention in the message, affirmed or not, in reading order.

        `status_rule` replaces the assertion rules (bench/safety_context.py compares medspaCy's
        ConText with them on the same term matches).
        """
        if not text or not text.strip():
            return []
        text = text[:MAX_CHARS]
        folded = normalise(text, MAX_CHARS)
        doc = self._tokens(folded.text)
        cue_spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for match_id, start, end in self._cues(doc):
            cue_spans[self.nlp.vocab.strings[match_id]].append((start, end))
        asked = {end for _, end in cue_spans.get("question_word", [])}  # "could I have it?"
        ends = {start for start, _ in cue_spans.get("self_included_end", [])}
        cue_spans["self_included"] = [
            (start, end)
            for start, end in cue_spans.get("self_included", [])
            if (
                end == len(doc)
                or end in ends
                or doc[end].text in SELF_INCLUDED_BEFORE
                or doc[end].like_num
            )
            and start not in asked
        ]
        cues = Cues(dict(cue_spans))
        self._fix_typos(doc)
        planned = cues.of("future_treatment")  # "that's why I want to start treatment"
        about_treatment = any(
            not any(start < cue[1] and cue[0] < end for cue in planned)
            for _, start, end in self._treatment(doc)
        )
        matches = self._matches(doc, cues, about_treatment)
        if not matches:
            return []
        if status_rule is not None:
            statuses = status_rule(doc, [(c.name, start, end) for c, start, end in matches])
        else:
            statuses = self._assess(doc, cues, matches, about_treatment)
        mentions: list[Mention] = []
        for (category, start, end), (status, cue) in zip(matches, statuses, strict=True):
            span = doc[start:end]
            first, last = folded.to_original(span.start_char, span.end_char)
            mentions.append(
                Mention(
                    kind=category.kind,
                    category=category.name,
                    start=first,
                    end=last,
                    text=text[first:last],
                    status=status,
                    severity=category.severity,
                    cue=self._original(folded, doc, cue),
                )
            )
        if not about_treatment and self._has_beside:
            mentions = self._read_beside(mentions, doc, folded, bool(cues.of("past_episode")))
        return _without_nested(mentions)

    def affirmed(self, text: str) -> list[Mention]:
        """Only the mentions the patient states about themselves, now."""
        return [mention for mention in self.detect(text) if mention.affirmed]

    def _matches(
        self, doc: Doc, cues: Cues, about_treatment: bool
    ) -> list[tuple[Category, int, int]]:
        """The term matches and the category each one names in this message."""
        categories = self.lexicon.categories
        ignored = cues.of("not_a_mention")
        found: list[tuple[Category, int, int]] = []
        for match_id, start, end in sorted(self._terms(doc), key=lambda m: (m[1], m[2])):
            if any(start < cue[1] and cue[0] < end for cue in ignored):
                continue
            name, _, variant = self.nlp.vocab.strings[match_id].partition(AFTER_TREATMENT)
            category = categories[name]
            if variant and about_treatment:
                means = category.after_treatment[int(variant)].means
                if means is None:
                    continue
                category = categories[means]
            if category.requires_treatment_context and not about_treatment:
                continue
            following = doc[end].norm_ if end < len(doc) else ""
            if (
                category.trigger_means
                and following in category.trigger_words
                and not about_treatment
            ):
                category = categories[category.trigger_means]
            found.append((category, start, end))
        return found

    def _assess(
        self,
        doc: Doc,
        cues: Cues,
        matches: list[tuple[Category, int, int]],
        about_treatment: bool,
    ) -> list[tuple[str, Span | None]]:
        """The assertion rules' status (and deciding cue) of each match."""
        sentence_of = self._spans(doc, cues, SENTENCE_END, clause_breaks=False)
        clause_of = self._spans(doc, cues, CLAUSE_END, clause_breaks=True)
        joiners = [token.text in JOINERS for token in doc]
        for filler_start, filler_end in cues.of("negation_filler"):
            joiners[filler_start:filler_end] = [True] * (filler_end - filler_start)
        listed = [False] * len(doc)
        for spans in (cues.of("list_glue"), [(start, end) for _, start, end in matches]):
            for first, last in spans:
                listed[first:last] = [True] * (last - first)
        statuses: list[tuple[str, Span | None]] = []
        scopes: list[Scope] = []
        for category, start, end in matches:
            clause = clause_of[start]
            sentence = sentence_of[start]
            scope = Scope(
                clause=clause,
                sentence=sentence,
                question=category.general_questions and doc[clause[1] - 1].text == "?",
                kind=category.kind,
                about_treatment=about_treatment,
                question_end=doc[sentence[1] - 1].text == "?",
                after_question=sentence[0] > 0 and doc[sentence[0] - 1].text == "?",
            )
            scopes.append(scope)
            statuses.append(assess((start, end), scope, cues, self._windows, joiners, listed))
        spans = [(start, end) for _, start, end in matches]
        names = [category.name for category, _, _ in matches]
        return revise(spans, scopes, statuses, cues, names)

    @staticmethod
    def _original(folded: Normalised, doc: Doc, cue: tuple[int, int] | None) -> str | None:
        """The original words of a cue span (None when there is none)."""
        if cue is None or cue[0] >= cue[1]:
            return None
        span = doc[cue[0] : cue[1]]
        first, last = folded.to_original(span.start_char, span.end_char)
        return folded.original[first:last]

    def _read_beside(
        self, mentions: list[Mention], doc: Doc, folded: Normalised, past: bool
    ) -> list[Mention]:
        """Without treatment context, a complication beside a condition that explains it is
        that condition ("folliculitis, weeping" is the scalp condition; "allergic to lidocaine,
        my lips swelled up" is the allergy's history, not a reaction now)."""
        named: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for match_id, start, end in self._beside(doc):
            span = doc[start:end]
            named[self.nlp.vocab.strings[match_id]].append(
                folded.to_original(span.start_char, span.end_char)
            )
        result: list[Mention] = []
        for mention in mentions:
            beside = self.lexicon.categories[mention.category].beside
            if mention.affirmed and beside is not None and (past or not beside.past_only):
                explained = [
                    other
                    for other in mentions
                    if other.affirmed
                    and other.category == beside.category
                    and (
                        not beside.conditions
                        or any(
                            other.start < end and start < other.end
                            for start, end in named[mention.category]
                        )
                    )
                ]
                if explained:
                    target = self.lexicon.categories[beside.category]
                    mention = replace(
                        mention, kind=target.kind, category=target.name, severity=target.severity
                    )
            result.append(mention)
        return result

    @staticmethod
    def _spans(
        doc: Doc, cues: Cues, ends: frozenset[str], clause_breaks: bool
    ) -> list[tuple[int, int]]:
        """For each token, the (start, end) of the clause (or sentence) it is in."""
        starts = {0}
        aside: set[int] = set()  # brackets round a few words: "my dad (75) takes"
        for token in doc:
            if token.text == "(":
                close = [t.i for t in doc[token.i + 1 : token.i + 5] if t.text == ")"]
                if close:
                    aside.update((token.i, close[0]))
            # "my son, 19, who has impetigo": an age between commas is an aside too.
            if (
                token.text == ","
                and token.i + 2 < len(doc)
                and doc[token.i + 1].like_num
                and doc[token.i + 2].text == ","
            ):
                aside.update((token.i, token.i + 2))
        for token in doc:
            if token.i in aside:
                continue
            if token.text in INFIXES and not (
                token.whitespace_ or (token.i and doc[token.i - 1].whitespace_)
            ):
                continue  # "sister-in-law", "and/or": inside a word, not between clauses
            if token.text in ends or (token.is_space and "\n" in token.text):
                starts.add(token.i + 1)
        if clause_breaks:
            starts.update(start for start, _ in cues.of("clause_break"))
            # "my dad, who has a pacemaker": a relative clause stays with the one before.
            starts -= {
                start for start, _ in cues.of("relative") if start and doc[start - 1].text == ","
            }
        bounds = sorted({*(s for s in starts if s < len(doc)), len(doc)})
        span_of: list[tuple[int, int]] = []
        for left, right in pairwise(bounds):
            span_of.extend([(left, right)] * (right - left))
        return span_of

"""Folds a message into plain text for the lexicon, keeping a map back to the original.

A patient (or a copy-paste from a phone) can hide a term from a word list without meaning to:
a zero-width space or soft hyphen inside "war​farin", a NUL, full-width or mathematical letters
("ｗａｒｆａｒｉｎ"), Cyrillic or Greek letters that look like Latin ones ("еliquis" with a Cyrillic
е), accents ("diabética"). `normalise` removes all of that, character by character, so that the
detector and the compiled lexicon see the same plain letters:

- compatibility forms are decomposed (NFKD: full-width, mathematical, circled and ligature
  letters, "℃", superscripts) and their combining marks dropped (accents: "é" is "e");
- format characters (Unicode Cf: zero-width space / joiner / non-joiner, word joiner, soft
  hyphen, bidi marks and isolates, BOM) and control characters (Cc, NUL included) are dropped;
  line breaks (CR, NEL, U+2028/9, VT, FF) become "\n", which the detector reads as a clause
  break, and a tab stays a tab;
- letters from other scripts that look like Latin ones are read as the Latin letter;
- typographic apostrophes and hyphens become ASCII ones, "º" and "˚" the degree sign.

Each character of the result remembers the original characters it came from, so a match in the
normalised text maps back to the exact original words (`Normalised.to_original`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Letters of other scripts that are drawn like a Latin letter (Unicode's confusables, the subset
# seen in spoofed or mixed-keyboard text), and punctuation with an ASCII twin.
CONFUSABLES: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "п": "n",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ь": "b", "ѕ": "s", "і": "i", "ї": "i",
    "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "һ": "h", "ү": "y", "ѵ": "v", "ɡ": "g",
    "А": "A", "В": "B", "Е": "E", "Ё": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ї": "I", "Ј": "J", "Ү": "Y",
    "Ԛ": "Q", "Ԝ": "W", "Ӏ": "l",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "α": "a", "ε": "e", "ι": "i", "κ": "k",
    "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c", "ϳ": "j", "γ": "y",
    # Armenian and Latin look-alikes
    "օ": "o", "ս": "u", "ո": "n", "հ": "h", "ı": "i", "ɑ": "a", "ȷ": "j", "ʟ": "L",
    # Punctuation
    "’": "'", "‘": "'", "ʼ": "'", "‛": "'", "′": "'", "`": "'", "´": "'",
    "‐": "-", "‑": "-", "−": "-", "⁄": "/", "∕": "/",
    "º": "°", "˚": "°",
}  # fmt: skip
LINE_BREAKS = frozenset("\r\x0b\x0c\x85\u2028\u2029")
# ASCII text that needs no work: printable characters, space, tab and newline.
_PLAIN_ASCII = re.compile(r"[\t\n\x20-\x7e]*")
# Characters whose folded form has been worked out, shared by every message.
_FOLDED: dict[str, str] = {}


def fold_char(char: str) -> str:
    """The plain text one original character stands for ("" when it is dropped)."""
    folded = _FOLDED.get(char)
    if folded is not None:
        return folded
    if char in LINE_BREAKS:
        folded = "\n"
    elif char in ("\t", "\n"):
        folded = char
    elif unicodedata.category(char) in ("Cc", "Cf"):
        folded = ""
    else:
        parts = []
        for part in unicodedata.normalize("NFKD", CONFUSABLES.get(char, char)):
            if unicodedata.category(part) in ("Mn", "Me", "Cf", "Cc"):
                continue
            parts.append(CONFUSABLES.get(part, part))
        folded = "".join(parts)
    _FOLDED[char] = folded
    return folded


@dataclass(frozen=True)
class Normalised:
    """The folded text of a message and, per folded character, where it came from."""

    text: str
    original: str
    # starts[i] / ends[i]: the original characters folded character i came from; None when
    # the text needed no folding (the same offsets).
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original (start, end) of the folded text[start:end] (end > start)."""
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]


def normalise(text: str, limit: int | None = None) -> Normalised:
    """Fold `text` (see the module doc); at most `limit` folded characters are kept."""
    if text.isascii() and _PLAIN_ASCII.fullmatch(text):
        return Normalised(text[:limit] if limit is not None else text, text)
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, char in enumerate(text):
        folded = fold_char(char)
        if folded:
            chars.extend(folded)
            starts.extend([index] * len(folded))
            ends.extend([index + 1] * len(folded))
            if limit is not None and len(chars) >= limit:
                break
        elif ends and unicodedata.category(char) in ("Mn", "Me"):
            # A combining accent belongs to the letter before it: keep it inside the span.
            ends[-1] = index + 1
    if limit is not None:
        del chars[limit:], starts[limit:], ends[limit:]
    return Normalised("".join(chars), text, tuple(starts), tuple(ends))


def fold(text: str) -> str:
    """Only the folded text (for lexicon terms and cue words)."""
    return normalise(text).text

"""medspaCy's ConText beside our assertion rules, on the same term matches.

The detector finds the same term matches either way; only the step that decides whether a
match is affirmed, negated, hypothetical or about someone else changes:
  - ours: bot/nlu/assertion.py with the cues in data/safety (context.yml, lang_es.yml);
  - ConText, all modifiers: medspaCy 1.3 ConText with its default English rules; negated,
    family (other experiencer), hypothetical, historical and possible all mean "not affirmed";
  - ConText, without historical/possible: the same, but historical and possible mentions count
    as affirmed (the contract counts "I might be pregnant" and a past heart attack).
Scored on the unseen batch (halves A and B and all of it), the blind batches unseen2.yml and
unseen3.yml (read for rounds 2 and 4 of our rules, never of ConText's), unseen4.yml (read by
neither: the fair comparison) and the labelled set. Writes bench/results/safety_context.json
and prints the table for bench/SAFETY.md.
Run: `PYTHONPATH=. .venv/bin/python bench/safety_context.py` (add `--dev` to leave unseen4 out).
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone

import medspacy
import medspacy.context  # registers the medspacy_context factory
from spacy.tokens import Doc, Span

from bot.nlu.assertion import AFFIRMED, HYPOTHETICAL, NEGATED, OTHER_PERSON
from bot.nlu.detector import SafetyDetector, StatusRule
from bot.settings import ROOT
from tests.safety.metrics import every_set, score_found

RESULTS = ROOT / "bench" / "results" / "safety_context.json"
GROUP = "safety_matches"
Decider = tuple[int, int] | None


def context_rule(detector: SafetyDetector, strict: bool) -> StatusRule:
    """A status rule backed by medspaCy ConText on the detector's own vocabulary."""
    sentencizer = detector.nlp.add_pipe("sentencizer", name=f"sentencizer_{strict}")
    context = detector.nlp.add_pipe(
        "medspacy_context",
        name=f"context_{strict}",
        config={"input_span_type": "group", "span_group_name": GROUP},
    )

    def rule(doc: Doc, matches: list[tuple[str, int, int]]) -> list[tuple[str, Decider]]:
        sentencizer(doc)
        doc.spans[GROUP] = [Span(doc, start, end, label=name) for name, start, end in matches]
        context(doc)
        statuses: list[tuple[str, Decider]] = []
        for span in doc.spans[GROUP]:
            if span._.is_negated:
                statuses.append((NEGATED, None))
            elif span._.is_family:
                statuses.append((OTHER_PERSON, None))
            elif span._.is_hypothetical:
                statuses.append((HYPOTHETICAL, None))
            elif strict and span._.is_historical:
                statuses.append((NEGATED, None))
            elif strict and span._.is_uncertain:
                statuses.append((HYPOTHETICAL, None))
            else:
                statuses.append((AFFIRMED, None))
        return statuses

    return rule


def measure(flags_of: Callable[[str], set[str]], sets: dict[str, list[dict]]) -> dict:
    figures: dict[str, dict] = {}
    for name, rows in sets.items():
        figures[name] = score_found(flags_of, rows).summary()
    texts = [row["text"] for rows in sets.values() for row in rows]
    times = []
    for text in texts:
        start = time.perf_counter_ns()
        flags_of(text)
        times.append((time.perf_counter_ns() - start) / 1e6)
    figures["median_ms"] = round(statistics.median(times), 4)
    return figures


def main() -> None:
    dev = "--dev" in sys.argv
    sets = every_set(unread=not dev)
    detector = SafetyDetector(ROOT / "data" / "safety")
    methods: dict[str, Callable[[str], set[str]]] = {
        "ours": lambda text: {m.category for m in detector.affirmed(text)},
    }
    for strict, name in ((True, "context_all_modifiers"), (False, "context_no_historical")):
        rule = context_rule(detector, strict)
        methods[name] = lambda text, rule=rule: {
            m.category for m in detector.detect(text, rule) if m.affirmed
        }
    results = {name: measure(flags_of, sets) for name, flags_of in methods.items()}
    output = {
        "benchmark": "assertion step: our rules vs medspaCy ConText (default rules)",
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "medspacy": medspacy.__version__,
        "rows": {name: len(rows) for name, rows in sets.items()},
        "results": results,
    }
    if not dev:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(output, indent=2) + "\n")
    print(json.dumps(output, indent=2))
    print()
    print("| assertion step | set | recall | precision | negated | hypothetical | third party |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for method, figures in results.items():
        for name in sets:
            f = figures[name]
            print(
                f"| {method} | {name} | {f['recall']:.3f} | {f['precision']:.3f} | "
                f"{f['false_flags_negated']:.1%} | {f['false_flags_hypothetical']:.1%} | "
                f"{f['false_flags_third_party']:.1%} |"
            )


if __name__ == "__main__":
    main()

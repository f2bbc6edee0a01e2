"""How long the safety component adds to each parsed message.

Runs SafetyFlagger.process on one Message at a time over a few thousand patient messages (the
labelled safety set and the NLU training examples, cycled), as configured by default (rules)
and as config.yml runs it (the second net's "possible" flags and the learned status check),
and compares the medians with
  - the budget from the safety issue: 2 ms per message at the median, and
  - the floor: spaCy's tokenizer alone on the same messages (the part no rule set can avoid).
Writes bench/results/safety_speed.json. Run: `make bench`.
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from datetime import datetime, timezone
from itertools import cycle, islice

import yaml
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bench import report
from bot.nlu.safety_flagger import SafetyFlagger
from bot.settings import ROOT

MESSAGES = 5_000
BUDGET_MS = 2.0
RESULTS = ROOT / "bench" / "results" / "safety_speed.json"


def corpus() -> list[str]:
    texts = [
        row["text"] for row in yaml.safe_load((ROOT / "tests/safety/labelled.yml").read_text())
    ]
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            texts += [line.strip()[2:] for line in block["examples"].splitlines() if line.strip()]
    return list(islice(cycle(texts), MESSAGES))


def timed_ms(function, items) -> list[float]:
    times = []
    for item in items:
        start = time.perf_counter_ns()
        function(item)
        times.append((time.perf_counter_ns() - start) / 1e6)
    return times


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median_ms": round(statistics.median(ordered), 4),
        "p95_ms": round(ordered[int(len(ordered) * 0.95)], 4),
        "max_ms": round(ordered[-1], 4),
    }


def main() -> None:
    lexicon = str(ROOT / "data" / "safety")
    component = SafetyFlagger({"lexicon_dir": lexicon})
    with_net = SafetyFlagger({"lexicon_dir": lexicon, "second_net": True, "status_net": True})
    texts = corpus()
    for flagger in (component, with_net):
        flagger.process([Message({TEXT: t}) for t in texts[:200]])  # warm up
    floor = summary(timed_ms(component.detector.nlp.make_doc, texts))
    measured = summary(timed_ms(lambda t: component.process([Message({TEXT: t})]), texts))
    netted = summary(timed_ms(lambda t: with_net.process([Message({TEXT: t})]), texts))
    result = {
        "benchmark": "safety component, per message",
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "messages": len(texts),
        "component": measured,
        "component_as_configured": netted,
        "baseline_tokenizer_only": floor,
        "budget_median_ms": BUDGET_MS,
        "within_budget": max(measured["median_ms"], netted["median_ms"]) < BUDGET_MS,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    rows = [
        [
            label,
            f"{result[key]['median_ms']:.3f}",
            f"{result[key]['p95_ms']:.3f}",
            f"{result[key]['max_ms']:.1f}",
        ]
        for key, label in (
            ("component", "component (rules)"),
            ("component_as_configured", "component as config.yml runs it (+ both nets)"),
            ("baseline_tokenizer_only", "spaCy tokenizer alone (floor)"),
        )
    ]
    block = [
        report.generated_by("bench/safety_speed.py", result["when"]),
        "",
        f"**Machine:** {result['machine']}; {result['messages']} messages, each timed alone.",
        "",
        *report.table(["configuration", "median ms", "p95 ms", "max ms"], rows),
        "",
        f"Budget: a median under {BUDGET_MS:g} ms per message:"
        f" {report.verdict(result['within_budget'])}.",
    ]
    report.replace_block(
        "safety_speed", "Safety flagger, cost per message", "\n".join(block) + "\n"
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""Recall and false flags of the safety component on the unseen batches, with and without the
learned parts.

  - rules: the lexicon and the assertion rules alone (SafetyDetector's affirmed mentions);
  - component: the contract's entities (contraindication / red_flag) as config.yml runs the
    component: the rules with the learned status check, which sends mentions it doubts to
    staff as "possible" (bot/nlu/status_net.py);
  - component + possible: a category also counts as found when it is a "possible"
    safety_mention, from the status check or the second net (what staff would see; not part
    of the contract's recall);
  - net alone: the second net's own categories at its threshold, for scale.
Blind batches, each written without reading the flagger and scored once before it was read
(that first score is kept in bench/safety_unseen_blind.yml, copied into the results); which
round read which batch is in SAFETY.md. unseen4.yml, unseen6.yml, unseen10.yml, unseen13.yml and
unseen31.yml are never read: the honest figures. The labelled set is also part of the net's
training data, so its "with net" figures are not a held-out measure; the status check learns
from every read batch (tests/safety/metrics.py READ_BATCHES), so only the unread batches measure it.
Writes bench/results/safety_unseen.json.
Run: `PYTHONPATH=. .venv/bin/python bench/safety_unseen.py`.
"""

from __future__ import annotations

import json
import platform
from datetime import datetime, timezone

import yaml

from bench import report
from bot.nlu.safety_flagger import POSSIBLE, SafetyFlagger
from bot.settings import ROOT
from tests.safety.metrics import every_set, score_found

RESULTS = ROOT / "bench" / "results" / "safety_unseen.json"
CONTRACT = ("contraindication", "red_flag")
GROUPS = ("negated", "hypothetical", "third_party")
UNREAD_SUFFIX = "_unread"
# The first, blind score of every batch that has since been read (bench/safety_unseen_blind.yml).
BLIND = ROOT / "bench" / "safety_unseen_blind.yml"


def blind_scores() -> dict[str, dict[str, dict[str, float]]]:
    """Each read batch's score before it was read, keyed `unseenN_before_round_M`."""
    scores: dict[str, dict[str, dict[str, float]]] = yaml.safe_load(BLIND.read_text())
    return scores


def main() -> None:
    flagger = SafetyFlagger(
        {"lexicon_dir": str(ROOT / "data" / "safety"), "second_net": True, "status_net": True}
    )
    net = flagger.net
    assert net is not None and flagger.status is not None

    def rules(text: str) -> set[str]:
        return {m.category for m in flagger.detector.detect(text) if m.affirmed}

    def component(text: str) -> set[str]:
        return {e["value"] for e in flagger.entities(text) if e["entity"] in CONTRACT}

    def with_possible(text: str) -> set[str]:
        return {
            e["value"]
            for e in flagger.entities(text)
            if e["entity"] in CONTRACT or e.get("role") == POSSIBLE
        }

    def net_alone(text: str) -> set[str]:
        return {category for category, p in net.scores(text).items() if p >= net.threshold}

    sets = every_set()
    results = {
        method: {name: score_found(flags_of, rows).summary() for name, rows in sets.items()}
        for method, flags_of in (
            ("rules", rules),
            ("component", component),
            ("component_plus_possible", with_possible),
            ("net_alone", net_alone),
        )
    }
    output = {
        "benchmark": "safety component on the unseen batch and the labelled set",
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "net_threshold": net.threshold,
        "status_demote_below": flagger.status.config.demote_below,
        "rows": {name: len(rows) for name, rows in sets.items()},
        "results": results,
        **blind_scores(),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(output, indent=2) + "\n")
    report.replace_block("safety", "Safety flagger on blind batches", readme_block(output))
    print(json.dumps(output, indent=2))


def readme_block(output: dict) -> str:
    """The safety section of bench/README.md: every set, then the hardening targets on the
    batch that was never read."""
    header = ["set", "flagger", "recall", "precision", "negated", "hypothetical", "third party"]
    names = {
        "rules": "rules",
        "component": "component",
        "component_plus_possible": "component + possible",
    }
    rows = []
    for method, label in names.items():
        for name, f in output["results"].get(method, {}).items():
            rows.append(
                [
                    f"**{name}**" if name.endswith(UNREAD_SUFFIX) else name,
                    label,
                    f"{f['recall']:.3f}",
                    f"{f['precision']:.3f}",
                    *(f"{f[f'false_flags_{g}']:.1%}" for g in GROUPS),
                ]
            )
    targets, verdicts = [], []
    for name in output["results"]["rules"]:
        if not name.endswith(UNREAD_SUFFIX):
            continue
        batch = name.removesuffix(UNREAD_SUFFIX)
        rules = output["results"]["rules"][name]
        honest = output["results"]["component"][name]
        targets.append(
            [f"Recall, {batch}", "≥ 0.95", f"{rules['recall']:.3f}", f"{honest['recall']:.3f}"]
        )
        verdicts.append(honest["recall"] >= 0.95)
        for g in GROUPS:
            targets.append(
                [
                    f"False flags, {g.replace('_', ' ')}, {batch}",
                    "≤ 3%",
                    f"{rules[f'false_flags_{g}']:.1%}",
                    f"{honest[f'false_flags_{g}']:.1%}",
                ]
            )
            verdicts.append(honest[f"false_flags_{g}"] <= 0.03)
    lines = [
        report.generated_by("bench/safety_unseen.py", output["when"]),
        "",
        f"**Machine:** {output['machine']}. **Sets:** blind batches written by people who never saw"
        " the flagger; all but `unseen4`, `unseen6`, `unseen10`, `unseen13` and `unseen31` have"
        " since been read and tuned on (training figures), those five never are (the honest"
        " figures; `unseen10`, `unseen13` and `unseen31` are samples of everyday messages,"
        " `unseen13` from patients across the English-speaking world; the others lean to hard"
        " cases); `labelled` is also the"
        " second net's training data and every read batch the status check's. **component** is what"
        " config.yml runs: the rules with the learned status check. Rows: "
        + ", ".join(f"{k} {v}" for k, v in output["rows"].items())
        + "."
        " History and kinds of gap: [SAFETY.md](SAFETY.md).",
        "",
        *report.table(header, rows),
        "",
        "### Targets (issue 8), on each unread batch (met or not: the component)",
        "",
        *report.table(
            ["Target", "Goal", "rules", "component", "Met"],
            [[*row, report.verdict(met)] for row, met in zip(targets, verdicts, strict=True)],
        ),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

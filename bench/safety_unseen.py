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
Blind batches, each written without reading the flagger and scored once before it was read:
unseen.yml (half A read in round 1, half B in round 3), unseen2.yml (read in round 2; its blind
figures in UNSEEN2_BEFORE), unseen3.yml (read in round 4; UNSEEN3_BEFORE), unseen5.yml (read in
round 6; UNSEEN5_BEFORE), unseen7.yml (read in round 8; UNSEEN7_BEFORE), unseen8.yml (read in round
9; UNSEEN8_BEFORE), unseen9.yml (read in round 10; UNSEEN9_BEFORE), unseen11.yml (read in round 11;
UNSEEN11_BEFORE), unseen12.yml (read in round 12; UNSEEN12_BEFORE), unseen14.yml (read in round
13; UNSEEN14_BEFORE), unseen15.yml and unseen16.yml (read in round 14; UNSEEN15_BEFORE,
UNSEEN16_BEFORE), unseen17.yml and unseen18.yml (read in round 15; UNSEEN17_BEFORE,
UNSEEN18_BEFORE), unseen19.yml and unseen20.yml (read in round 16; UNSEEN19_BEFORE,
UNSEEN20_BEFORE), unseen21.yml and unseen22.yml (read in round 17; UNSEEN21_BEFORE,
UNSEEN22_BEFORE), unseen23.yml and unseen24.yml (read in round 18; UNSEEN23_BEFORE,
UNSEEN24_BEFORE), and unseen4.yml, unseen6.yml, unseen10.yml and unseen13.yml, which are
never read: the honest figures. The labelled set is also part of the net's training data, so its
"with net" figures are not a held-out measure; the status check learns from every read batch
(labelled, unseen, unseen2, unseen3, unseen5, unseen7, unseen8, unseen9, unseen11, unseen12,
unseen14, unseen15, unseen16, unseen17, unseen18, unseen19, unseen20, unseen21, unseen22, unseen23,
unseen24), so only the unread batches measure it.
Writes bench/results/safety_unseen.json.
Run: `PYTHONPATH=. .venv/bin/python bench/safety_unseen.py`.
"""

from __future__ import annotations

import json
import platform
from datetime import datetime, timezone

from bench import report
from bot.nlu.safety_flagger import POSSIBLE, SafetyFlagger
from bot.settings import ROOT
from tests.safety.metrics import every_set, score_found

RESULTS = ROOT / "bench" / "results" / "safety_unseen.json"
CONTRACT = ("contraindication", "red_flag")
GROUPS = ("negated", "hypothetical", "third_party")
UNREAD_SUFFIX = "_unread"
# unseen2.yml scored with the round-1 code before round 2 changed anything (second net on,
# threshold 0.7), on 2026-11-25; kept here because the code that produced it is gone.
UNSEEN2_BEFORE = {
    "rules": {
        "recall": 0.924,
        "precision": 0.803,
        "false_flags_negated": 0.132,
        "false_flags_hypothetical": 0.126,
        "false_flags_third_party": 0.143,
    },
    "rules_plus_possible": {
        "recall": 0.932,
        "precision": 0.794,
        "false_flags_negated": 0.132,
        "false_flags_hypothetical": 0.137,
        "false_flags_third_party": 0.161,
    },
    "net_alone": {
        "recall": 0.583,
        "precision": 0.631,
        "false_flags_negated": 0.368,
        "false_flags_hypothetical": 0.221,
        "false_flags_third_party": 0.179,
    },
}

# unseen3.yml scored once with the round 2 code (commit 054bef2) before round 4 read it, with its
# labels as written (unseen3_NOTES.md; two antiplatelet rows were relabelled afterwards).
UNSEEN3_BEFORE = {
    "rules": {
        "recall": 0.895,
        "precision": 0.839,
        "false_flags_negated": 0.229,
        "false_flags_hypothetical": 0.19,
        "false_flags_third_party": 0.171,
    },
}

# unseen5.yml scored once with the round 5 code (commit 4f274ee) before round 6 read it.
UNSEEN5_BEFORE = {
    "rules": {
        "recall": 0.927,
        "precision": 0.856,
        "false_flags_negated": 0.182,
        "false_flags_hypothetical": 0.25,
        "false_flags_third_party": 0.158,
    },
    "component": {
        "recall": 0.922,
        "precision": 0.908,
        "false_flags_negated": 0.136,
        "false_flags_hypothetical": 0.114,
        "false_flags_third_party": 0.053,
    },
    "component_plus_possible": {
        "recall": 0.932,
        "precision": 0.844,
        "false_flags_negated": 0.205,
        "false_flags_hypothetical": 0.273,
        "false_flags_third_party": 0.158,
    },
}


# unseen7.yml scored once with the round 7 code (commit 8c85992) before round 8 read it.
UNSEEN7_BEFORE = {
    "rules": {
        "recall": 0.87,
        "precision": 0.879,
        "false_flags_negated": 0.12,
        "false_flags_hypothetical": 0.133,
        "false_flags_third_party": 0.125,
    },
    "component": {
        "recall": 0.864,
        "precision": 0.924,
        "false_flags_negated": 0.1,
        "false_flags_hypothetical": 0.067,
        "false_flags_third_party": 0.0,
    },
    "component_plus_possible": {
        "recall": 0.88,
        "precision": 0.866,
        "false_flags_negated": 0.16,
        "false_flags_hypothetical": 0.156,
        "false_flags_third_party": 0.125,
    },
}

# unseen8.yml scored once with the round 8 code (commit 4869e04) before round 9 read it.
UNSEEN8_BEFORE = {
    "rules": {
        "recall": 0.819,
        "precision": 0.851,
        "false_flags_negated": 0.26,
        "false_flags_hypothetical": 0.067,
        "false_flags_third_party": 0.05,
    },
    "component": {
        "recall": 0.809,
        "precision": 0.91,
        "false_flags_negated": 0.1,
        "false_flags_hypothetical": 0.0,
        "false_flags_third_party": 0.025,
    },
    "component_plus_possible": {
        "recall": 0.824,
        "precision": 0.847,
        "false_flags_negated": 0.28,
        "false_flags_hypothetical": 0.067,
        "false_flags_third_party": 0.05,
    },
}

# unseen9.yml scored once with the round 9 code (commit 6a812ff) before round 10 read it.
UNSEEN9_BEFORE = {
    "rules": {
        "recall": 0.734,
        "precision": 0.855,
        "false_flags_negated": 0.1,
        "false_flags_hypothetical": 0.111,
        "false_flags_third_party": 0.025,
    },
    "component": {
        "recall": 0.729,
        "precision": 0.892,
        "false_flags_negated": 0.08,
        "false_flags_hypothetical": 0.044,
        "false_flags_third_party": 0.0,
    },
    "component_plus_possible": {
        "recall": 0.771,
        "precision": 0.855,
        "false_flags_negated": 0.12,
        "false_flags_hypothetical": 0.111,
        "false_flags_third_party": 0.025,
    },
}

# unseen11.yml scored once with the round 10 code (commit c3211bb) before round 11 read it.
UNSEEN11_BEFORE = {
    "rules": {
        "recall": 0.753,
        "precision": 0.822,
        "false_flags_negated": 0.14,
        "false_flags_hypothetical": 0.244,
        "false_flags_third_party": 0.075,
    },
    "component": {
        "recall": 0.747,
        "precision": 0.893,
        "false_flags_negated": 0.08,
        "false_flags_hypothetical": 0.067,
        "false_flags_third_party": 0.0,
    },
    "component_plus_possible": {
        "recall": 0.774,
        "precision": 0.817,
        "false_flags_negated": 0.18,
        "false_flags_hypothetical": 0.244,
        "false_flags_third_party": 0.075,
    },
}

# unseen12.yml scored once with the round 11 code (commit eb19838) before round 12 read it.
UNSEEN12_BEFORE = {
    "rules": {
        "recall": 0.847,
        "precision": 0.89,
        "false_flags_negated": 0.1,
        "false_flags_hypothetical": 0.156,
        "false_flags_third_party": 0.05,
    },
    "component": {
        "recall": 0.847,
        "precision": 0.953,
        "false_flags_negated": 0.04,
        "false_flags_hypothetical": 0.0,
        "false_flags_third_party": 0.0,
    },
    "component_plus_possible": {
        "recall": 0.863,
        "precision": 0.872,
        "false_flags_negated": 0.14,
        "false_flags_hypothetical": 0.156,
        "false_flags_third_party": 0.05,
    },
}

# unseen14.yml scored once with the round 12 code (commit 5527915) before round 13 read it.
UNSEEN14_BEFORE = {
    "rules": {
        "recall": 0.615,
        "precision": 0.808,
        "false_flags_negated": 0.2,
        "false_flags_hypothetical": 0.089,
        "false_flags_third_party": 0.075,
    },
    "component": {
        "recall": 0.615,
        "precision": 0.881,
        "false_flags_negated": 0.1,
        "false_flags_hypothetical": 0.0,
        "false_flags_third_party": 0.0,
    },
    "component_plus_possible": {
        "recall": 0.667,
        "precision": 0.795,
        "false_flags_negated": 0.26,
        "false_flags_hypothetical": 0.089,
        "false_flags_third_party": 0.075,
    },
}

# unseen15.yml and unseen16.yml scored once with the round 13 code (commit 572160b) before round
# 14 read them.
UNSEEN15_BEFORE = {
    "rules": {
        "recall": 0.88,
        "precision": 0.876,
        "false_flags_negated": 0.14,
        "false_flags_hypothetical": 0.067,
        "false_flags_third_party": 0.075,
    },
    "component": {
        "recall": 0.875,
        "precision": 0.903,
        "false_flags_negated": 0.1,
        "false_flags_hypothetical": 0.044,
        "false_flags_third_party": 0.0,
    },
    "component_plus_possible": {
        "recall": 0.896,
        "precision": 0.878,
        "false_flags_negated": 0.14,
        "false_flags_hypothetical": 0.067,
        "false_flags_third_party": 0.075,
    },
}
UNSEEN16_BEFORE = {
    "rules": {
        "recall": 0.768,
        "precision": 0.844,
        "false_flags_negated": 0.22,
        "false_flags_hypothetical": 0.111,
        "false_flags_third_party": 0.075,
    },
    "component": {
        "recall": 0.758,
        "precision": 0.889,
        "false_flags_negated": 0.14,
        "false_flags_hypothetical": 0.044,
        "false_flags_third_party": 0.05,
    },
    "component_plus_possible": {
        "recall": 0.795,
        "precision": 0.816,
        "false_flags_negated": 0.26,
        "false_flags_hypothetical": 0.133,
        "false_flags_third_party": 0.075,
    },
}

# unseen17.yml and unseen18.yml scored once with the round 14 code (commit 826f42a) before round
# 15 read them.
UNSEEN17_BEFORE = {
    "rules": {
        "recall": 0.884,
        "precision": 0.944,
        "false_flags_negated": 0.1,
        "false_flags_hypothetical": 0.044,
        "false_flags_third_party": 0.075,
    },
    "component": {
        "recall": 0.868,
        "precision": 1.0,
        "false_flags_negated": 0.0,
        "false_flags_hypothetical": 0.0,
        "false_flags_third_party": 0.0,
    },
    "component_plus_possible": {
        "recall": 0.91,
        "precision": 0.92,
        "false_flags_negated": 0.16,
        "false_flags_hypothetical": 0.067,
        "false_flags_third_party": 0.075,
    },
}
UNSEEN18_BEFORE = {
    "rules": {
        "recall": 0.842,
        "precision": 0.851,
        "false_flags_negated": 0.26,
        "false_flags_hypothetical": 0.111,
        "false_flags_third_party": 0.075,
    },
    "component": {
        "recall": 0.837,
        "precision": 0.906,
        "false_flags_negated": 0.14,
        "false_flags_hypothetical": 0.0,
        "false_flags_third_party": 0.075,
    },
    "component_plus_possible": {
        "recall": 0.867,
        "precision": 0.837,
        "false_flags_negated": 0.3,
        "false_flags_hypothetical": 0.111,
        "false_flags_third_party": 0.075,
    },
}

# unseen19.yml and unseen20.yml scored once with the round 15 code (commit 2898623) before round
# 16 read them.
UNSEEN19_BEFORE = {
    "rules": {
        "recall": 0.928,
        "precision": 0.923,
        "false_flags_negated": 0.06,
        "false_flags_hypothetical": 0.2,
        "false_flags_third_party": 0.025,
    },
    "component": {
        "recall": 0.912,
        "precision": 0.989,
        "false_flags_negated": 0.0,
        "false_flags_hypothetical": 0.0,
        "false_flags_third_party": 0.0,
    },
    "component_plus_possible": {
        "recall": 0.948,
        "precision": 0.92,
        "false_flags_negated": 0.08,
        "false_flags_hypothetical": 0.2,
        "false_flags_third_party": 0.025,
    },
}
UNSEEN20_BEFORE = {
    "rules": {
        "recall": 0.891,
        "precision": 0.937,
        "false_flags_negated": 0.02,
        "false_flags_hypothetical": 0.109,
        "false_flags_third_party": 0.032,
    },
    "component": {
        "recall": 0.886,
        "precision": 0.978,
        "false_flags_negated": 0.0,
        "false_flags_hypothetical": 0.0,
        "false_flags_third_party": 0.0,
    },
    "component_plus_possible": {
        "recall": 0.915,
        "precision": 0.934,
        "false_flags_negated": 0.04,
        "false_flags_hypothetical": 0.109,
        "false_flags_third_party": 0.032,
    },
}

# unseen21.yml and unseen22.yml scored once with the round 16 code (commit e262441) before round
# 17 read them.
UNSEEN21_BEFORE = {
    "rules": {
        "recall": 0.826,
        "precision": 0.933,
        "false_flags_negated": 0.133,
        "false_flags_hypothetical": 0.075,
        "false_flags_third_party": 0.0,
    },
    "component": {
        "recall": 0.826,
        "precision": 0.968,
        "false_flags_negated": 0.022,
        "false_flags_hypothetical": 0.025,
        "false_flags_third_party": 0.0,
    },
    "component_plus_possible": {
        "recall": 0.863,
        "precision": 0.9,
        "false_flags_negated": 0.244,
        "false_flags_hypothetical": 0.1,
        "false_flags_third_party": 0.033,
    },
}
UNSEEN22_BEFORE = {
    "rules": {
        "recall": 0.899,
        "precision": 0.895,
        "false_flags_negated": 0.125,
        "false_flags_hypothetical": 0.133,
        "false_flags_third_party": 0.1,
    },
    "component": {
        "recall": 0.894,
        "precision": 0.967,
        "false_flags_negated": 0.0,
        "false_flags_hypothetical": 0.0,
        "false_flags_third_party": 0.075,
    },
    "component_plus_possible": {
        "recall": 0.915,
        "precision": 0.875,
        "false_flags_negated": 0.167,
        "false_flags_hypothetical": 0.133,
        "false_flags_third_party": 0.1,
    },
}

# unseen23.yml and unseen24.yml scored once with the round 17 code (commit d157cdb) before round
# 18 read them.
UNSEEN23_BEFORE = {
    "rules": {
        "recall": 0.858,
        "precision": 0.912,
        "false_flags_negated": 0.146,
        "false_flags_hypothetical": 0.167,
        "false_flags_third_party": 0.0,
    },
    "component": {
        "recall": 0.858,
        "precision": 0.959,
        "false_flags_negated": 0.024,
        "false_flags_hypothetical": 0.028,
        "false_flags_third_party": 0.0,
    },
    "component_plus_possible": {
        "recall": 0.885,
        "precision": 0.894,
        "false_flags_negated": 0.195,
        "false_flags_hypothetical": 0.194,
        "false_flags_third_party": 0.032,
    },
}
UNSEEN24_BEFORE = {
    "rules": {
        "recall": 0.717,
        "precision": 0.882,
        "false_flags_negated": 0.14,
        "false_flags_hypothetical": 0.136,
        "false_flags_third_party": 0.0,
    },
    "component": {
        "recall": 0.717,
        "precision": 0.947,
        "false_flags_negated": 0.04,
        "false_flags_hypothetical": 0.023,
        "false_flags_third_party": 0.0,
    },
    "component_plus_possible": {
        "recall": 0.753,
        "precision": 0.861,
        "false_flags_negated": 0.18,
        "false_flags_hypothetical": 0.182,
        "false_flags_third_party": 0.026,
    },
}


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
        "unseen2_before_round_2": UNSEEN2_BEFORE,
        "unseen3_before_round_4": UNSEEN3_BEFORE,
        "unseen5_before_round_6": UNSEEN5_BEFORE,
        "unseen7_before_round_8": UNSEEN7_BEFORE,
        "unseen8_before_round_9": UNSEEN8_BEFORE,
        "unseen9_before_round_10": UNSEEN9_BEFORE,
        "unseen11_before_round_11": UNSEEN11_BEFORE,
        "unseen12_before_round_12": UNSEEN12_BEFORE,
        "unseen14_before_round_13": UNSEEN14_BEFORE,
        "unseen15_before_round_14": UNSEEN15_BEFORE,
        "unseen16_before_round_14": UNSEEN16_BEFORE,
        "unseen17_before_round_15": UNSEEN17_BEFORE,
        "unseen18_before_round_15": UNSEEN18_BEFORE,
        "unseen19_before_round_16": UNSEEN19_BEFORE,
        "unseen20_before_round_16": UNSEEN20_BEFORE,
        "unseen21_before_round_17": UNSEEN21_BEFORE,
        "unseen22_before_round_17": UNSEEN22_BEFORE,
        "unseen23_before_round_18": UNSEEN23_BEFORE,
        "unseen24_before_round_18": UNSEEN24_BEFORE,
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
        " the flagger; all but `unseen4`, `unseen6`, `unseen10` and `unseen13` have since been read"
        " and tuned on (training figures), those four never are (the honest figures; `unseen10`"
        " and `unseen13` are samples of everyday messages, `unseen13` from patients across the"
        " English-speaking world; the others lean to hard cases); `labelled` is also the"
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

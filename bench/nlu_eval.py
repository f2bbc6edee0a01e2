"""Intent accuracy on real patient questions: mesobot's model beside two baselines.

Systems, all trained on the same data (data/nlu, data/rules, data/stories, domain.yml):
  - mesobot: the repo's model (config.yml), got or trained with bot.ops.model.ensure_model;
  - mesobot_reply: what the patient gets, mesobot's parse through action_respond
    (bench/replies.py: the first answer's intent, or the kind of reply when none was given);
  - tfidf_logreg: TF-IDF (words 1-2 + characters 2-5) and logistic regression on the NLU examples;
  - rasa_default: Rasa's default config (the one `rasa init` writes), trained into a temp dir.

Scoring on tests/nlu/real_questions.yml (one split; `test` by default):
  - a question is right when the predicted intent is its `intent` or one listed in its `also`
    (a message with two questions is answered right by either); `strict` counts `intent` only;
  - out_of_scope questions (general hair-loss, transplant-only and other off-topic questions)
    are right when the model answers out_of_scope or nlu_fallback (a reply: also the honest
    "our notes are about mesotherapy"); a reply that says so is also right for a question
    about another treatment, which is what the design asks the bot to say;
  - a fallback on an FAQ question is a miss (the patient gets no answer);
  - per-intent F1 and macro-F1 over the intents in the split, the confusion's worst pairs.
Also the held-out file's accuracy (tests/nlu/heldout.yml, fallbacks count as misses), and the
training time and model size of the two Rasa models.

The test split is for reporting only; iterate with `--split dev` (its misses are printed and
stored; the test split's never are).

Run: `PYTHONPATH=. .venv/bin/python bench/nlu_eval.py [--split dev] [--systems mesobot,tfidf]`.
Writes bench/results/nlu_eval.json (test) or nlu_eval_dev.json, and a confusion-matrix PNG.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from actions.respond import COVERED_TREATMENTS
from bench import report
from bench.replies import OTHER_TREATMENT, Parse, reply_labels
from bot.ops.environment import PROCESS_DEFAULTS, child_env
from bot.ops.model import ensure_model
from bot.settings import ROOT, Settings

REAL = ROOT / "tests" / "nlu" / "real_questions.yml"
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
RESULTS = ROOT / "bench" / "results"
FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)")  # "[PRP](treatment)" -> "PRP"
SYSTEMS = ("mesobot", "mesobot_reply", "tfidf_logreg", "rasa_default")
# A reply that says the notes are about mesotherapy, not the treatment asked about.
HONEST = (OUT_OF_SCOPE, FALLBACK, OTHER_TREATMENT)

Predict = Callable[[list[str]], list[str]]


# --- data ---------------------------------------------------------------------------------


def real_questions(split: str) -> list[dict[str, Any]]:
    """The real patient questions of one split (`test`, `dev` or `all`)."""
    rows = yaml.safe_load(REAL.read_text(encoding="utf-8"))["questions"]
    return [row for row in rows if split == "all" or row["split"] == split]


def nlu_examples(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """(text, intent) for every intent example in Rasa NLU files (lookups and regexes skipped)."""
    found = []
    for path in paths:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in raw.get("nlu", []) or []:
            if "intent" not in block:
                continue
            for line in str(block.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    text = ANNOTATION.sub(r"\1", line.strip()[2:].strip())
                    found.append((text, str(block["intent"])))
    return found


def training_examples() -> list[tuple[str, str]]:
    return nlu_examples(sorted((ROOT / "data" / "nlu").rglob("*.yml")))


def heldout_examples() -> list[tuple[str, str]]:
    return nlu_examples([HELDOUT])


# --- scoring ------------------------------------------------------------------------------


def about_another_treatment(row: dict[str, Any]) -> bool:
    """The question is about a treatment the notes do not cover, not a comparison with
    mesotherapy or "what is PRP" (which the knowledge base answers)."""
    named = set(row.get("treatments", ()))
    return (
        row["intent"] != "ask_prp_difference"
        and bool(named - COVERED_TREATMENTS)
        and not named & COVERED_TREATMENTS
    )


@dataclass
class Score:
    """Accuracy, per-intent F1 and confusion of one system on one list of questions."""

    total: int = 0
    correct: int = 0
    strict: int = 0
    off_topic: int = 0
    off_topic_handled: int = 0
    in_scope: int = 0
    in_scope_fallbacks: int = 0
    other_treatment: int = 0  # replies that said the notes are about mesotherapy only
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[dict[str, str]] = field(default_factory=list)

    def add(self, row: dict[str, Any], predicted: str, keep_text: bool) -> None:
        gold = row["intent"]
        accepted = {gold, *row.get("also", [])}
        if gold == OUT_OF_SCOPE:
            accepted.update(HONEST)
        elif about_another_treatment(row):
            # The designed answer to a question about a treatment the notes do not cover.
            accepted.add(OTHER_TREATMENT)
        right = predicted in accepted
        self.total += 1
        self.other_treatment += predicted == OTHER_TREATMENT
        self.correct += right
        self.strict += predicted == gold or (gold == OUT_OF_SCOPE and predicted in HONEST)
        if row.get("off_topic"):
            self.off_topic += 1
            self.off_topic_handled += predicted in HONEST
        if gold != OUT_OF_SCOPE:
            self.in_scope += 1
            self.in_scope_fallbacks += predicted == FALLBACK
        # For F1 and the confusion, an accepted answer counts as the gold intent.
        self.pairs[(gold, gold if right else predicted)] += 1
        if not right and keep_text:
            self.misses.append({"text": row["text"], "intent": gold, "predicted": predicted})

    def labels(self) -> list[str]:
        return sorted({gold for gold, _ in self.pairs})

    def per_intent(self) -> dict[str, dict[str, float]]:
        table = {}
        for label in self.labels():
            tp = self.pairs[(label, label)]
            predicted = sum(n for (_, p), n in self.pairs.items() if p == label)
            actual = sum(n for (g, _), n in self.pairs.items() if g == label)
            precision = tp / predicted if predicted else 0.0
            recall = tp / actual if actual else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            table[label] = {
                "precision": round(precision, 3),
                "recall": round(recall, 3),
                "f1": round(f1, 3),
                "support": actual,
            }
        return table

    def summary(self) -> dict[str, Any]:
        per_intent = self.per_intent()
        worst = [
            {"gold": g, "predicted": p, "count": n}
            for (g, p), n in sorted(self.pairs.items(), key=lambda kv: (-kv[1], kv[0]))
            if g != p
        ][:12]
        return {
            "questions": self.total,
            "accuracy": round(self.correct / self.total, 3),
            "accuracy_strict": round(self.strict / self.total, 3),
            "macro_f1": round(sum(v["f1"] for v in per_intent.values()) / len(per_intent), 3),
            "off_topic_handled": round(self.off_topic_handled / max(self.off_topic, 1), 3),
            "off_topic_questions": self.off_topic,
            "fallback_rate_in_scope": round(self.in_scope_fallbacks / max(self.in_scope, 1), 3),
            "other_treatment_replies": self.other_treatment,
            "per_intent": per_intent,
            "worst_pairs": worst,
        }


def evaluate(
    predict: Predict, rows: list[dict[str, Any]], keep_text: bool
) -> tuple[Score, list[str]]:
    predictions = predict([row["text"] for row in rows])
    score = Score()
    for row, predicted in zip(rows, predictions, strict=True):
        score.add(row, predicted, keep_text)
    return score, predictions


def heldout_accuracy(predict: Predict, keep_text: bool = False) -> dict[str, Any]:
    """Intent accuracy on tests/nlu/heldout.yml (every intent; a fallback is a miss)."""
    rows = heldout_examples()
    predictions = predict([text for text, _ in rows])
    pairs = list(zip(predictions, rows, strict=True))
    right = sum(p == gold for p, (_, gold) in pairs)
    found: dict[str, Any] = {"questions": len(rows), "accuracy": round(right / len(rows), 3)}
    if keep_text:
        found["misses"] = [f"{gold} -> {p}: {text}" for p, (text, gold) in pairs if p != gold]
    return found


# --- systems ------------------------------------------------------------------------------


def rasa_parser(path: Path) -> Parse:
    """Parse messages in-process with a trained Rasa model (each text parsed once)."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    agent = Agent.load(str(path))
    parsed: dict[str, dict[str, Any]] = {}

    def parse(texts: list[str]) -> list[dict[str, Any]]:
        async def run() -> None:
            for text in texts:
                if text not in parsed:
                    parsed[text] = await agent.parse_message(text)

        asyncio.run(run())
        return [parsed[text] for text in texts]

    return parse


def rasa_predictor(parse: Parse) -> Predict:
    """The intent of each parse."""
    return lambda texts: [
        (parsed.get("intent") or {}).get("name") or FALLBACK for parsed in parse(texts)
    ]


def reply_predictor(parse: Parse) -> Predict:
    """What the patient gets: each parse through action_respond (bench/replies.py)."""
    return lambda texts: reply_labels(parse(texts))


def tfidf_predictor() -> tuple[Predict, float]:
    """TF-IDF (word 1-2 grams + char_wb 2-5 grams) and logistic regression, argmax intent.

    The same classifier config.yml's LexicalBlend mixes with DIET, here on its own.
    """
    from bot.nlu.lexical_blend import lexical_classifier

    examples = training_examples()
    started = time.perf_counter()
    model = lexical_classifier()
    model.fit([text for text, _ in examples], [intent for _, intent in examples])
    seconds = time.perf_counter() - started
    return (lambda batch: [str(p) for p in model.predict(batch)]), seconds


def rasa_default_config() -> str:
    """The config `rasa init` writes (its pipeline and policies are Rasa's defaults)."""
    import rasa.cli

    return (Path(rasa.cli.__file__).parent / "initial_project" / "config.yml").read_text()


def train_rasa(
    settings: Settings,
    config: Path,
    out: Path,
    name: str,
    nlu_only: bool = False,
    data: list[Path] | None = None,
) -> tuple[Path, float]:
    """Train a model into `out` and return its path and the wall-clock training time."""
    domain = settings.training_files[1]
    folders = data or list(settings.training_data)
    if nlu_only:
        command = [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(config)]
        command += ["--nlu", str(folders[0])]
    else:
        command = [sys.executable, "-m", "rasa", "train", "--config", str(config)]
        command += ["--domain", str(domain), "--data", *map(str, folders)]
    command += ["--out", str(out), "--fixed-model-name", name]
    # An empty training cache of its own: every component is trained, so the time is real.
    env = {**child_env(settings), "RASA_CACHE_DIRECTORY": str(out / f"{name}-cache")}
    started = time.perf_counter()
    subprocess.run(
        command,
        cwd=settings.root,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return out / f"{name}.tar.gz", time.perf_counter() - started


def megabytes(path: Path) -> float:
    return round(path.stat().st_size / 1e6, 2)


# --- report -------------------------------------------------------------------------------


def confusion_png(score: Score, title: str, target: Path) -> None:
    """A confusion-matrix picture (rows: gold intent, columns: predicted)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    gold = score.labels()
    predicted = sorted({p for _, p in score.pairs} - set(gold))
    columns = gold + predicted
    matrix = [[score.pairs[(g, p)] for p in columns] for g in gold]
    fig, ax = plt.subplots(figsize=(1 + 0.55 * len(columns), 1 + 0.5 * len(gold)))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(columns)), columns, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(gold)), gold, fontsize=8)
    top = max(max(row) for row in matrix) or 1
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            if value:
                colour = "white" if value > top / 2 else "black"
                ax.text(j, i, str(value), ha="center", va="center", fontsize=7, color=colour)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(target, dpi=110)
    plt.close(fig)


def markdown_table(results: dict[str, Any]) -> str:
    """The headline table for bench/NLU.md."""
    systems = results["systems"]
    lines = [
        "| system | accuracy | strict | macro-F1 | off-topic handled | FAQ fallbacks |"
        " held-out | training s | model MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def optional(value: Any, digits: int) -> str:
        return "–" if value is None else f"{value:.{digits}f}"

    for name, found in systems.items():
        real = found["real"]
        lines.append(
            f"| {name} | {real['accuracy']:.3f} | {real['accuracy_strict']:.3f} |"
            f" {real['macro_f1']:.3f} | {real['off_topic_handled']:.3f} |"
            f" {real['fallback_rate_in_scope']:.3f} |"
            f" {optional(found.get('heldout', {}).get('accuracy'), 3)} |"
            f" {optional(found.get('training_seconds'), 0)} |"
            f" {optional(found.get('model_mb'), 1)} |"
        )
    return "\n".join(lines)


NOT_FAQ = ("out_of_scope", "book_appointment", "report_complication")


def readme_block(results: dict[str, Any]) -> str:
    """The NLU section of bench/README.md: every system, then issue 11's targets."""
    systems = results["systems"]
    meso = systems.get("mesobot", {})
    real = meso.get("real", {})
    baselines = {k: v["real"] for k, v in systems.items() if k in ("tfidf_logreg", "rasa_default")}
    default = systems.get("rasa_default", {})
    # What the patient reads (bench/replies.py): the off-topic target is about the reply.
    reply = systems.get("mesobot_reply", {}).get("real", {})

    def figure(value: Any) -> str:
        return "–" if value is None else f"{value:.3f}"

    def beside(key: str) -> str:
        return " / ".join(f"{name} {figure(b.get(key))}" for name, b in baselines.items()) or "–"

    faq = {k: v["f1"] for k, v in real.get("per_intent", {}).items() if k not in NOT_FAQ}
    lowest = min(faq, key=lambda k: faq[k]) if faq else None
    above = bool(baselines) and all(
        real.get(key, 0) > b.get(key, 0)
        for b in baselines.values()
        for key in ("accuracy", "macro_f1")
    )
    seconds, size = meso.get("training_seconds"), meso.get("model_mb")

    def at_least(target: str, key: str, goal: float) -> list[str]:
        value = real.get(key)
        return [
            target,
            f"≥ {goal:.2f}",
            figure(value),
            beside(key),
            report.verdict((value or 0) >= goal),
        ]

    rows = [
        at_least("Accuracy", "accuracy", 0.90),
        at_least("Macro-F1", "macro_f1", 0.88),
        [
            "Above both baselines",
            "accuracy and macro-F1",
            "",
            "",
            report.verdict(above if baselines else None),
        ],
        [
            "Held-out file",
            "≥ 0.95",
            figure(meso.get("heldout", {}).get("accuracy")),
            " / ".join(
                f"{n} {figure(systems[n].get('heldout', {}).get('accuracy'))}" for n in baselines
            )
            or "–",
            report.verdict(meso.get("heldout", {}).get("accuracy", 0) >= 0.95),
        ],
        [
            "Lowest FAQ-intent F1",
            "≥ 0.80",
            f"{figure(faq.get(lowest))} ({lowest})" if lowest else "–",
            "",
            report.verdict(faq.get(lowest, 0) >= 0.80 if lowest else None),
        ],
        at_least("Off-topic handled", "off_topic_handled", 0.90),
        *(
            [
                [
                    "Off-topic handled, the reply",
                    "≥ 0.90",
                    figure(reply.get("off_topic_handled")),
                    "",
                    report.verdict(reply.get("off_topic_handled", 0) >= 0.90),
                ]
            ]
            if reply
            else []
        ),
        [
            "Training time",
            "≤ Rasa default's",
            f"{seconds} s" if seconds else "not timed (run with --time-training)",
            f"rasa_default {default.get('training_seconds', '–')} s",
            report.verdict(
                seconds <= default["training_seconds"]
                if seconds and "training_seconds" in default
                else None
            ),
        ],
        [
            "Model size",
            "≤ Rasa default's",
            f"{size} MB" if size else "–",
            f"rasa_default {default.get('model_mb', '–')} MB",
            report.verdict(size <= default["model_mb"] if size and "model_mb" in default else None),
        ],
    ]
    lines = [
        report.provenance(
            "bench/nlu_eval.py", results["commit"], results["commit_dirty"], results["when"]
        ),
        "",
        f"**Machine:** {results['machine']['cpus']} CPUs, Python {results['machine']['python']}."
        f" **Set:** `tests/nlu/real_questions.yml`, {results['split']} split"
        f" ({results['questions']} real patient questions, never trained or tuned on);"
        f" {results['scoring']}. Details, per-intent F1 and experiments: [NLU.md](NLU.md).",
        "",
        markdown_table(results),
        "",
        "### Targets (issue 11)",
        "",
        *report.table(["Target", "Goal", "mesobot", "Baselines", "Met"], rows),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--split", default="test", help="test, dev or test,dev (models are trained once)"
    )
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--model", type=Path, help="evaluate this model as mesobot")
    parser.add_argument(
        "--candidate",
        type=Path,
        metavar="CONFIG",
        help="train an NLU-only model with this config (and --extra-nlu) and evaluate it",
    )
    parser.add_argument(
        "--extra-nlu", type=Path, action="append", default=[], help="add this NLU file"
    )
    parser.add_argument(
        "--time-training",
        action="store_true",
        help="time a training of mesobot's model from an empty Rasa training cache",
    )
    parser.add_argument("--save-candidate", type=Path, help="copy the candidate model here")
    parser.add_argument("--tag", default="", help="suffix for the result files (experiments)")
    args = parser.parse_args(argv)
    splits = [part.strip() for part in args.split.split(",") if part.strip()]
    assert set(splits) <= {"test", "dev"}, splits
    os.environ.update(PROCESS_DEFAULTS)
    logging.disable(logging.WARNING)
    settings = Settings.from_env({}, root=ROOT)
    wanted = [s.strip() for s in args.systems.split(",") if s.strip()]
    if "mesobot_reply" in wanted and "mesobot" not in wanted:
        wanted.append("mesobot")  # the reply is mesobot's parse through the action
    # name -> (predictor, facts about the system)
    systems: dict[str, tuple[Predict, dict[str, Any]]] = {}
    workdir = Path(tempfile.mkdtemp(prefix="nlu_eval_"))
    try:
        if "mesobot" in wanted:
            info: dict[str, Any] = {"config": "config.yml"}
            # ensure_model may reuse Rasa's training cache (a component whose inputs did not
            # change is not retrained), so its time is no training time; --time-training
            # trains again from an empty cache.
            path = args.model or ensure_model(settings)
            if args.time_training:
                _, seconds = train_rasa(settings, settings.training_files[0], workdir, "timed")
                info["training_seconds"] = round(seconds, 1)
            info.update({"model": path.name, "model_mb": megabytes(path)})
            parse = rasa_parser(path)
            systems["mesobot"] = (rasa_predictor(parse), info)
            if "mesobot_reply" in wanted:
                reply = {"config": "config.yml + actions/respond.py", "model": path.name}
                systems["mesobot_reply"] = (reply_predictor(parse), reply)
        if args.candidate:
            data = workdir / "nlu"
            shutil.copytree(ROOT / "data" / "nlu", data)
            for extra in args.extra_nlu:
                shutil.copy(extra, data / f"extra_{extra.name}")
            path, seconds = train_rasa(
                settings, args.candidate, workdir, "candidate", nlu_only=True, data=[data]
            )
            if args.save_candidate:
                shutil.copy(path, args.save_candidate)
            name = "mesobot_plus_suggestions" if args.extra_nlu else "candidate"
            systems[name] = (
                rasa_predictor(rasa_parser(path)),
                {
                    "config": str(args.candidate),
                    "extra_nlu": [str(p) for p in args.extra_nlu],
                    "training_seconds_nlu_only": round(seconds, 1),
                    "model_mb_nlu_only": megabytes(path),
                },
            )
        if "tfidf_logreg" in wanted or "tfidf" in wanted:
            predict, seconds = tfidf_predictor()
            systems["tfidf_logreg"] = (predict, {"training_seconds": round(seconds, 1)})
        if "rasa_default" in wanted:
            config = workdir / "config.yml"
            config.write_text(rasa_default_config())
            path, seconds = train_rasa(settings, config, workdir, "rasa-default")
            systems["rasa_default"] = (
                rasa_predictor(rasa_parser(path)),
                {"training_seconds": round(seconds, 1), "model_mb": megabytes(path)},
            )
        # The held-out file holds conversation intents too, which are replies, not answers.
        heldout = {
            name: heldout_accuracy(predict, "dev" in splits)
            for name, (predict, _) in systems.items()
            if name != "mesobot_reply"
        }
        for split in splits:
            report_split(split, systems, heldout, args.tag)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def report_split(
    split: str,
    systems: dict[str, tuple[Predict, dict[str, Any]]],
    heldout: dict[str, dict[str, Any]],
    tag: str,
) -> None:
    """Score every system on one split; write its JSON, confusion PNG and print the table."""
    rows = real_questions(split)
    keep_text = split == "dev"
    found: dict[str, dict[str, Any]] = {}
    scores: dict[str, Score] = {}
    for name, (predict, info) in systems.items():
        scores[name], _ = evaluate(predict, rows, keep_text)
        held = heldout.get(name, {})
        found[name] = {**info, "heldout": held, "real": scores[name].summary()}
        if keep_text:
            found[name]["misses"] = scores[name].misses
        else:
            found[name]["heldout"] = {k: v for k, v in held.items() if k != "misses"}
    suffix = ("" if split == "test" else f"_{split}") + (f"_{tag}" if tag else "")
    commit, dirty = report.git_state()
    results = {
        "split": split,
        "questions": len(rows),
        "scoring": "right = intent or an `also` intent; out_of_scope also right as nlu_fallback"
        " (mesobot_reply: or the honest other-treatment reply, also right for a question about"
        " another treatment)",
        "training_examples": len(training_examples()),
        "systems": found,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": commit,
        "commit_dirty": dirty,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"nlu_eval{suffix}.json").write_text(json.dumps(results, indent=2) + "\n")
    for name, score in scores.items():
        if name in ("mesobot", "candidate"):
            confusion_png(
                score,
                f"{name} on the real questions ({split} split)",
                RESULTS / f"nlu_confusion{suffix}.png",
            )
            break
    if split == "test" and not tag:
        report.replace_block(
            "nlu", "Intent accuracy on real patient questions", readme_block(results)
        )
    print(f"\n## {split} split ({len(rows)} questions)\n")
    print(markdown_table(results))
    for name, score in scores.items():
        summary = score.summary()
        low = {k: v["f1"] for k, v in summary["per_intent"].items() if v["f1"] < 0.8}
        pairs = ", ".join(
            f"{w['gold']}->{w['predicted']} {w['count']}" for w in summary["worst_pairs"]
        )
        print(f"\n{name}: F1 < 0.80: {low}\n  worst pairs: {pairs}")
        if keep_text:
            for miss in heldout.get(name, {}).get("misses", []):
                print(f"  held-out: {miss}")
            for miss in score.misses:
                print(f"  {miss['intent']:>28} -> {miss['predicted']:<28} {miss['text'][:110]}")


if __name__ == "__main__":
    main()

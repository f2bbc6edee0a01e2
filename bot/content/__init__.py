"""Content: the clinic's settings, the knowledge base, the safety names and what channels say.

Loaded and validated in one way for every process that needs it (actions, gateway, console).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.content.clinic import Clinic, load_clinic
from bot.content.dialogue import Dialogue, load_dialogue
from bot.content.knowledge import Entry, load_knowledge
from bot.content.languages import Languages, load_languages
from bot.content.lexicon import SafetyGuide, load_safety_guide
from bot.content.texts import load_channel_texts
from bot.settings import Settings, get_settings


def load_intents(domain: Path) -> tuple[str, ...]:
    """The intents domain.yml declares."""
    with domain.open(encoding="utf-8") as handle:
        return tuple(str(intent) for intent in yaml.safe_load(handle)["intents"])


@dataclass(frozen=True)
class Content:
    """Everything patient-facing that lives in data files."""

    clinic: Clinic
    knowledge: dict[str, Entry]
    safety: SafetyGuide
    channel_texts: dict[str, str]
    languages: Languages
    dialogue: Dialogue
    # Every intent of domain.yml, for labelling messages in the console.
    intents: tuple[str, ...]

    @property
    def faq_intents(self) -> frozenset[str]:
        """The FAQ intents, one per knowledge-base entry."""
        return frozenset(self.knowledge)


def _check_answers_named(safety: SafetyGuide, knowledge: dict[str, Entry]) -> None:
    """The safety files name FAQ answers by intent: a misspelt one would never apply."""
    named = {case.general_answer for case in safety.unspecified.values()}
    named |= {intent for intents in safety.replaces_answers.values() for intent in intents}
    unknown = sorted(named - set(knowledge))
    if unknown:
        raise ValueError(f"safety files name answers the knowledge base lacks: {unknown}")


def load_content(settings: Settings) -> Content:
    """Read and validate every content file named in the settings."""
    clinic = load_clinic(settings.clinic_file)
    knowledge = load_knowledge(settings.knowledge_dir)
    safety = load_safety_guide(settings.safety_dir)
    _check_answers_named(safety, knowledge)
    return Content(
        clinic=clinic,
        knowledge=knowledge,
        safety=safety,
        channel_texts=load_channel_texts(settings.channels_file, clinic),
        languages=load_languages(settings.languages_file),
        dialogue=load_dialogue(settings.dialogue_file),
        intents=load_intents(settings.training_files[1]),
    )


@lru_cache(maxsize=1)
def current_content() -> Content:
    """This process's content, from the files its settings name (read once)."""
    return load_content(get_settings())


__all__ = ["Clinic", "Content", "Entry", "current_content", "load_content"]

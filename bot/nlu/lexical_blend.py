"""Rasa NLU component: DIET's intent ranking blended with a TF-IDF logistic regression.

DIET alone is confidently wrong: on real questions its wrong answers had a median confidence of
1.0 (bench/NLU.md, round 8). A word and character n-gram logistic regression trained on the same
examples makes different mistakes and spreads its probability when unsure. A weighted mean of
the two picks the intent; on the dev split it beat either alone, and its score tells right
answers from wrong ones far better than DIET's. The blended top score is lower than DIET's,
which is why `FallbackClassifier`'s threshold in config.yml is set for the blend.

The regression reads a word one typing slip from a word of its vocabulary as that word ("wen
can i wosh my hiar" as "wen can i wash my hair"): DIET's reading of such a message depended on
the training run, and the blend then needs one side that does not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import joblib  # type: ignore[import-untyped]
import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.pipeline import Pipeline, make_pipeline, make_union  # type: ignore[import-untyped]

from bot.nlu.spelling import Spellings
from bot.nlu.stored_component import StoredComponent

_FILE = "lexical.joblib"
RANKING_LENGTH = 10


# Weights smaller than this are stored as 0: about two thirds of them, which the model's gzip
# then all but drops (bench/NLU.md, round 11). 0.05 in round 11; 0.03 since round 13, when 0.05
# turned one real question's clear top intent (bench/NLU.md, round 13).
PRUNE_BELOW = 0.03


def lexical_classifier() -> Pipeline:
    """TF-IDF over word 1–2 grams and in-word character 2–5 grams, then logistic regression.

    Classes are weighted by their inverse size: the small intents (greet, deny, request_human,
    30–60 examples) would otherwise lose to the FAQ intents (100–170). Weak regularisation (C
    100) lets the rarer n-grams count. Both were chosen on the dev split (bench/NLU.md, round 9).
    """
    return make_pipeline(
        make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        ),
        LogisticRegression(C=100.0, max_iter=5000, class_weight="balanced"),
    )


def compact(classifier: Pipeline) -> Pipeline:
    """The fitted classifier made small for the model: half-precision weights (a quarter of
    the bytes), the smallest of them stored as 0."""
    regression = classifier[-1]
    weights = regression.coef_
    regression.coef_ = np.where(np.abs(weights) < PRUNE_BELOW, 0.0, weights).astype(np.float16)
    return classifier


def spellings_of(classifier: Pipeline) -> Spellings:
    """The regression's words, the commoner (lower inverse document frequency) weighing more."""
    words = classifier[0].transformer_list[0][1]
    idf = words.idf_
    return Spellings.of(
        {term: -float(idf[index]) for term, index in words.vocabulary_.items() if " " not in term}
    )


def blend(
    ranking: Sequence[Mapping[str, Any]], lexical: Mapping[str, float], weight: float
) -> list[dict[str, Any]]:
    """(1 - weight) x DIET's confidence + weight x the regression's, best first.

    An intent missing from DIET's ranking (it keeps only its top ten) counts as 0 there.
    """
    diet = {str(entry["name"]): float(entry.get("confidence") or 0.0) for entry in ranking}
    names = diet.keys() | lexical.keys()
    mixed = {
        name: (1 - weight) * diet.get(name, 0.0) + weight * lexical.get(name, 0.0) for name in names
    }
    ordered = sorted(mixed.items(), key=lambda item: (-item[1], item[0]))
    return [{"name": name, "confidence": confidence} for name, confidence in ordered]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LexicalBlend(StoredComponent[Pipeline]):
    """Replaces DIET's intent and ranking with the blend of DIET and a lexical classifier."""

    # FallbackClassifier's threshold is set for blended scores: DIET alone under it would
    # answer nearly every message, so a model without the regression must not load.
    REQUIRED = True
    _spellings: Spellings | None = None

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The regression's share of the blend."""
        return {"weight": 0.8}

    @staticmethod
    def required_packages() -> list[str]:
        """scikit-learn's version is part of Rasa's cache key: its pickles are version-bound."""
        return ["sklearn"]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """The weight is a share: from 0 to 1."""
        if not 0.0 <= float(config["weight"]) <= 1.0:
            raise ValueError(f"LexicalBlend: weight must be from 0 to 1, not {config['weight']}")

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the regression on the intent examples and keep it in the model."""
        examples = [e for e in training_data.intent_examples if e.get(TEXT) and e.get(INTENT)]
        intents = {str(example.get(INTENT)) for example in examples}
        if len(intents) < 2:
            raise ValueError("LexicalBlend: the training data needs examples of two intents")
        classifier = lexical_classifier()
        classifier.fit([str(e.get(TEXT)) for e in examples], [str(e.get(INTENT)) for e in examples])
        return self.keep(compact(classifier))

    @classmethod
    def read_state(cls, directory: Path) -> Pipeline:
        """The regression the model was trained with."""
        return joblib.load(directory / _FILE)

    def write_state(self, directory: Path, state: Pipeline) -> None:
        """The fitted pipeline, pickled by joblib (as Rasa keeps its scikit-learn models)."""
        joblib.dump(state, directory / _FILE)

    def process(self, messages: list[Message]) -> list[Message]:
        """Blend each message's DIET ranking with the regression's probabilities."""
        # A message without DIET's ranking (no text) has nothing to blend; one a rule already
        # sent to the fallback stays there.
        todo = [
            message
            for message in messages
            if message.get(INTENT_RANKING_KEY)
            and (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != DEFAULT_NLU_FALLBACK_INTENT_NAME
        ]
        if self.state is None or not todo:
            return messages
        weight = float(self.config["weight"])
        if self._spellings is None:
            self._spellings = spellings_of(self.state)
        texts = [self._spellings.respell(message.get(TEXT) or "") for message in todo]
        probabilities = self.state.predict_proba(texts)
        labels = [str(label) for label in self.state.classes_]
        for message, row in zip(todo, probabilities, strict=True):
            ranking = message.get(INTENT_RANKING_KEY)
            lexical = dict(zip(labels, map(float, row), strict=True))
            mixed = blend(ranking, lexical, weight)
            best = mixed[0]
            message.set(
                INTENT,
                {INTENT_NAME_KEY: best["name"], "confidence": best["confidence"]},
                add_to_output=True,
            )
            message.set(INTENT_RANKING_KEY, mixed[:RANKING_LENGTH], add_to_output=True)
        return messages

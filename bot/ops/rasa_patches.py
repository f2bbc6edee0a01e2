"""Fixes to Rasa 3.6, applied inside the `rasa run` process only.

The tracker store guard (bot/nlu/tracker_guard.py) keeps a turn whose write failed instead of
forgetting it. The rest of this module is one measured fix to the hot path:

Rasa checks every custom action's answer with `jsonschema.validate`, which on every call
first checks Rasa's large events schema against the JSON Schema meta-schema and builds a new
validator. Profiled under 20 conversations, that was about a third of Rasa's CPU
(bench/README.md, "Profile"). Validating against the same schema with one validator built
once gives the same verdict and the same error.
"""

from __future__ import annotations

from typing import Any

from bot.nlu import tracker_guard


def install() -> None:
    """Every fix: the tracker store guard and the action result validator."""
    tracker_guard.install()
    install_validator()


def install_validator() -> None:
    """Replace RemoteAction's per-turn validation with a validator built once."""
    from jsonschema import exceptions
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    kind = validator_for(schema)
    kind.check_schema(schema)
    validator = kind(schema)

    def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error = exceptions.best_match(validator.iter_errors(result))
        if error is None:
            return True
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]

"""What the trained NLU components share: state learned at training, kept in the model."""

from __future__ import annotations

import hashlib
import inspect
import logging
import pickle
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData
from typing_extensions import Self

logger = logging.getLogger(__name__)

State = TypeVar("State")

# What reading a missing, truncated or foreign file raises (a pickle from other library
# versions can fail on a class or module that moved).
UNREADABLE = (ValueError, OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError)


class StoredComponent(GraphComponent, Generic[State]):
    """A component whose learned state is written into the model and read back when loaded.

    Until it is trained, `state` is None and the component leaves messages as they are. A
    model that holds nothing readable for it loads with the component off and a warning, or,
    for a component the rest of the pipeline is tuned around (`REQUIRED`), does not load.
    """

    REQUIRED: ClassVar[bool] = False

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        state: State | None,
    ) -> None:
        self.validate_config(config)
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.state = state

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Raise ValueError for a config the component cannot work with (none by default)."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Self:
        """An untrained component: it lets messages through unchanged."""
        return cls(config, model_storage, resource, None)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> Self:
        """The component with what it learned, or off (with a warning) when the model has none."""
        try:
            with model_storage.read_from(resource) as directory:
                state = cls.read_state(directory)
        except UNREADABLE as error:
            if cls.REQUIRED:
                raise RuntimeError(
                    f"{cls.__name__}: the model holds nothing readable for it; retrain"
                ) from error
            logger.warning("%s: nothing learned in the model; it is off", cls.__name__)
            return cls(config, model_storage, resource, None)
        return cls(config, model_storage, resource, state)

    def keep(self, state: State) -> Resource:
        """Use what was learned and write it into the model."""
        self.state = state
        with self._model_storage.write_to(self._resource) as directory:
            self.write_state(directory, state)
        return self._resource

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """A digest of the modules that define the component and its base classes.

        Rasa's training cache keys a trained component on its class's own source, config and
        inputs. Without this, a change to a function of the component's module, or to this
        base class, would reuse the old training.
        """
        digest = hashlib.sha256()
        for klass in cls.__mro__:
            if klass.__module__.startswith("bot."):
                digest.update(Path(inspect.getfile(klass)).read_bytes())
        return digest.hexdigest()

    @classmethod
    def read_state(cls, directory: Path) -> State:
        """Read what `write_state` wrote."""
        raise NotImplementedError

    def write_state(self, directory: Path, state: State) -> None:
        """Write what was learned into the model's directory for this component."""
        raise NotImplementedError

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data."""
        return training_data

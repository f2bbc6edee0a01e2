"""What decides whether the model must be retrained: data, config, and our components' code."""

from __future__ import annotations

from pathlib import Path

from bot.ops.model import component_sources, fingerprint, training_inputs
from bot.settings import ROOT, Settings


def test_the_code_of_our_own_components_is_a_training_input(tmp_path: Path):
    settings = Settings.from_env({"MESOBOT_RUN_DIR": str(tmp_path)}, root=ROOT)
    inputs = training_inputs(settings)
    # The components named in config.yml, and the modules they are built from.
    for name in ("lexical_blend.py", "vocabulary_guard.py", "stored_component.py", "normalise.py"):
        assert ROOT / "bot" / "nlu" / name in inputs
    assert ROOT / "requirements.lock" in inputs, "library versions: the model is pickled"
    assert not any(path.parent.name == "gateway" for path in inputs), "only the NLU package"


def test_sources_are_the_named_components_packages_only(tmp_path: Path):
    (tmp_path / "bot" / "nlu").mkdir(parents=True)
    (tmp_path / "bot" / "nlu" / "mine.py").write_text("X = 1\n")
    config = tmp_path / "config.yml"
    config.write_text(
        "pipeline:\n"
        "  - name: WhitespaceTokenizer\n"
        "  - name: bot.nlu.mine.Mine\n"
        "  - name: bot.nlu.gone.Gone\n"
    )
    (tmp_path / "bot" / "nlu" / "helper.py").write_text("Y = 2\n")
    (tmp_path / "bot" / "other").mkdir()
    (tmp_path / "bot" / "other" / "far.py").write_text("Z = 3\n")
    nlu = tmp_path / "bot" / "nlu"
    assert component_sources(config) == [nlu / "helper.py", nlu / "mine.py"]


def test_a_change_to_a_component_changes_the_fingerprint(tmp_path: Path):
    for name in ("config.yml", "domain.yml"):
        (tmp_path / name).write_bytes((ROOT / name).read_bytes())
    for part in ("nlu", "rules", "stories"):
        (tmp_path / "data" / part).mkdir(parents=True)
    (tmp_path / "bot" / "nlu").mkdir(parents=True)
    (tmp_path / "bot" / "nlu" / "lexical_blend.py").write_text("WEIGHT = 0.7\n")
    source = tmp_path / "bot" / "nlu" / "stored_component.py"  # imported, not named
    source.write_text("BASE = 1\n")
    settings = Settings.from_env({"MESOBOT_RUN_DIR": str(tmp_path / "run")}, root=tmp_path)
    before = fingerprint(settings)
    source.write_text("BASE = 2\n")
    assert fingerprint(settings) != before

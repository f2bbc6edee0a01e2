"""Components that run inside `rasa run`: the safety flagger and the no-text guard."""

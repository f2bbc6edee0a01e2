"""Rasa SDK custom actions for mesobot (run with `rasa run actions`)."""

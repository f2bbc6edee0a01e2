"""Safety flags: contraindications and red flags in patient messages (spaCy, rule-based)."""

from bot.safety.detector import Mention, SafetyDetector

__all__ = ["Mention", "SafetyDetector"]

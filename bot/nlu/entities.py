"""Names of the safety entities the flagger adds to a parse (the contract in DESIGN.md).

Kept apart from the Rasa component so the action server can read them without importing Rasa.
"""

CONTRAINDICATION = "contraindication"
RED_FLAG = "red_flag"
# Negated, hypothetical or third-party mentions; the role says which.
MENTION_ENTITY = "safety_mention"
# The role of a mention only the learned second net found: staff review it, the patient is
# not told anything was flagged.
POSSIBLE_ROLE = "possible"
# The gateway channel marks a button press it issued and checked with metadata.source.
BUTTON_SOURCE = "button"
PATIENT_SOURCE = "patient"
# A message in a language the bot recognises but does not answer in (value: its code).
LANGUAGE_ENTITY = "language"

"""Names of the safety entities the flagger adds to a parse (the contract in DESIGN.md).

Kept apart from the Rasa component so the action server can read them without importing Rasa.
"""

CONTRAINDICATION = "contraindication"
RED_FLAG = "red_flag"
# Negated, hypothetical or third-party mentions; the role says which.
MENTION_ENTITY = "safety_mention"

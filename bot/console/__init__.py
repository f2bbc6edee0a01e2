"""The staff console: the queue of escalations, a conversation, claim/reply/note/resolve, audit.

Mounted by the gateway under /console; reads content and the store, reaches patients and Rasa
only through what the gateway hands it (bridge.py).
"""

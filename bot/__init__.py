"""mesobot: gateway, safety component, store and command line."""

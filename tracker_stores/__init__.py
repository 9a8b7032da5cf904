"""Tracker stores for Rasa's server (endpoints.yml, `tracker_store: type: …`)."""

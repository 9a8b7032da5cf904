"""Event brokers for Rasa's server (endpoints.production.yml, `event_broker: type: …`)."""

"""Lock stores for Rasa's server (endpoints.production.yml, `lock_store: type: …`)."""

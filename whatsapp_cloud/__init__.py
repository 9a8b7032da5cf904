"""Meta's WhatsApp Cloud API: webhook parsing and signatures, sending within the platform's limits, media, and
the store that makes delivery exactly-once. It knows neither Rasa nor the 311 service."""

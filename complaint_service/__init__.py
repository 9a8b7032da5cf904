"""Indore's 311 complaint service: an Open311 GeoReport v2 server with routing, SLAs and an audit trail.

It knows nothing of Rasa or WhatsApp; the assistant reaches it only over Open311 HTTP.
"""

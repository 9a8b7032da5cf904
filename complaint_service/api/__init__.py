"""The Open311 HTTP face of the service (FastAPI)."""

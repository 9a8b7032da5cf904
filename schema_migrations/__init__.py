"""Alembic migrations configured from code, shared by the 311 service's and the actions' databases."""

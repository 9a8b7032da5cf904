"""Alembic's environment for the actions' database; actions.pending_schema runs it (never an alembic.ini)."""
from actions.pending_complaints import Base
from schema_migrations.history import run_environment

run_environment(Base.metadata)

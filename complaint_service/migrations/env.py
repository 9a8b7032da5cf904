"""Alembic's environment for the 311 database; complaint_service.schema runs it (never an alembic.ini)."""
from complaint_service.models import Base
from schema_migrations.history import run_environment

run_environment(Base.metadata)

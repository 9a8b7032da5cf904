"""Create the production databases and bring their schemas to this release's before any server starts.

    .venv/bin/python scripts/prepare_databases.py

Reads the same environment as the servers: SERVICE311_DATABASE_URL (the 311 service), ACTIONS_DATABASE_URL
(complaints kept during an outage), WHATSAPP_STORE_URL (the WhatsApp channel's message store; optional)
and RASA_DB_HOST / RASA_DB_PORT / RASA_DB_NAME / RASA_DB_USER /
RASA_DB_PASSWORD (Rasa's tracker store). A PostgreSQL database that does not exist yet is created (the role
needs CREATEDB for that; otherwise create it beforehand). The 311 service's and the actions' databases are
migrated with their Alembic chains (complaint_service.schema, actions.pending_schema; a database made before
migrations is recognised and stamped first); production's servers then only check that the schema is theirs
(SERVICE311_MIGRATE_ON_START / ACTIONS_MIGRATE_ON_START=false) and refuse to start on an old one. Rasa's
tracker store and the WhatsApp store still get create_all, which adds missing tables and never changes
existing ones. Doing it here, once, keeps several workers of one server from racing at start-up.
"""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

log = logging.getLogger("prepare_databases")


def rasa_tracker_url() -> URL:
    return URL.create("postgresql", username=os.environ["RASA_DB_USER"],
                      password=os.environ.get("RASA_DB_PASSWORD") or None,
                      host=os.environ["RASA_DB_HOST"], port=int(os.environ["RASA_DB_PORT"]),
                      database=os.environ["RASA_DB_NAME"])


def ensure_database(url: URL) -> None:
    """CREATE DATABASE for a PostgreSQL URL whose database is missing (connecting to `postgres` to do it)."""
    if not url.drivername.startswith("postgresql"):
        return
    maintenance = create_engine(url.set(database="postgres"), future=True, isolation_level="AUTOCOMMIT")
    try:
        with maintenance.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                        {"name": url.database}).first()
            if not exists:
                # A database name cannot be a bound parameter; quote it as an identifier.
                name = connection.dialect.identifier_preparer.quote_identifier(url.database)
                connection.execute(text(f"CREATE DATABASE {name}"))
                log.info("created database %s", url.database)
    finally:
        maintenance.dispose()


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    service_url = make_url(os.environ["SERVICE311_DATABASE_URL"])
    actions_url = make_url(os.environ["ACTIONS_DATABASE_URL"])
    tracker_url = rasa_tracker_url()
    for url in (service_url, actions_url, tracker_url):
        ensure_database(url)

    from complaint_service import schema as service_schema
    from complaint_service.database import make_engine

    service_engine = make_engine(str(service_url))
    service_schema.upgrade_to_latest(service_engine)
    service_engine.dispose()

    from actions import pending_schema

    actions_engine = create_engine(actions_url, future=True)
    pending_schema.upgrade_to_latest(actions_engine)
    actions_engine.dispose()

    from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs

    tracker_engine = create_engine(tracker_url, **create_engine_kwargs(tracker_url))  # honours POSTGRESQL_SCHEMA
    SQLTrackerStore.Base.metadata.create_all(tracker_engine)
    tracker_engine.dispose()
    whatsapp_url = os.environ.get("WHATSAPP_STORE_URL")
    if whatsapp_url:
        ensure_database(make_url(whatsapp_url))
        from whatsapp_cloud.store import WhatsAppStore

        WhatsAppStore(whatsapp_url).engine.dispose()
    log.info("schemas ready in %s", ", ".join(str(url.database) for url in (service_url, actions_url, tracker_url)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

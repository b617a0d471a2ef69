#!/bin/sh
# temporal-schema (docker-compose.yml): creates Temporal's two databases if
# they are missing and brings their schemas to the version the admin-tools
# image ships, which matches the pinned server. Safe to run on every start:
# create ignores an existing database, setup-schema keeps a newer version,
# update-schema applies only what is new.
#
# temporal-sql-tool reads SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER and
# SQL_PASSWORD from the environment.
set -eu
: "${SQL_HOST:?}" "${SQL_USER:?}" "${SQL_PASSWORD:?}"
: "${DBNAME:=temporal}" "${VISIBILITY_DBNAME:=temporal_visibility}"
SCHEMA_DIR=${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}

# No wait loop: compose starts this job once postgres is healthy.
setup() { # database, schema directory
	temporal-sql-tool --db "$1" create # a no-op when the database exists
	temporal-sql-tool --db "$1" setup-schema -v 0.0
	temporal-sql-tool --db "$1" update-schema -d "$2"
}

setup "$DBNAME" "$SCHEMA_DIR/temporal/versioned"
setup "$VISIBILITY_DBNAME" "$SCHEMA_DIR/visibility/versioned"
echo "Temporal schemas ready in ${DBNAME} and ${VISIBILITY_DBNAME}"

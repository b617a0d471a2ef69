#!/bin/sh
# temporal-schema (docker-compose.yml): brings Temporal's two databases to
# the schema version of the pinned server, with the schemas embedded in
# temporal-sql-tool itself (the admin-tools image's tool is of the same server
# release). Safe to run on every start: setup-schema keeps a newer version,
# update-schema applies only what is new.
#
# The databases must exist, owned by SQL_USER: db-roles
# (deploy/postgres/roles.sh) creates them, so that Temporal's role needs no
# right to create databases. temporal-sql-tool reads SQL_PLUGIN, SQL_HOST,
# SQL_PORT, SQL_USER and, if set, SQL_PASSWORD from the environment; with
# the pgx plugin (postgres12_pgx) and no SQL_PASSWORD the password comes from
# the file PGPASSFILE names. TEMPORAL_SQL_TOOL names the tool where it is not
# on PATH (`make prod-check` runs this script outside Docker).
set -eu
: "${SQL_HOST:?}" "${SQL_USER:?}"
: "${DBNAME:=temporal}" "${VISIBILITY_DBNAME:=temporal_visibility}"
: "${TEMPORAL_SQL_TOOL:=temporal-sql-tool}"

# No wait loop: compose starts this job once db-roles has run.
setup() { # database, embedded schema
	"$TEMPORAL_SQL_TOOL" --db "$1" setup-schema -v 0.0
	"$TEMPORAL_SQL_TOOL" --db "$1" update-schema --schema-name "$2"
}

setup "$DBNAME" postgresql/v12/temporal
setup "$VISIBILITY_DBNAME" postgresql/v12/visibility
echo "Temporal schemas ready in ${DBNAME} and ${VISIBILITY_DBNAME}"

#!/bin/sh
# db-roles (docker-compose.yml): gives Temporal and Puente a login role each,
# and each its own databases, so that neither can reach the other's data:
#
#   role from temporal_pgpass  owns TEMPORAL_DB and TEMPORAL_VISIBILITY_DB
#   role from puente_pgpass    owns PUENTE_DB
#
# No other role may connect to those databases (CONNECT revoked from PUBLIC);
# neither role is a superuser or may create databases or roles. Puente's
# migrations need nothing more: unaccent is a trusted extension, which the
# database owner may create. Safe to run on every start: it creates what is
# missing and sets each password from its file again, so a changed secret
# takes effect on the next `up`.
#
# Connects with psql as POSTGRES_USER; host and port from PGHOST and PGPORT,
# the superuser's password from POSTGRES_PASSWORD_FILE when set. `make
# prod-check` runs this same script against its local cluster.
set -eu
: "${POSTGRES_USER:?}" "${SECRETS_DIR:=/run/secrets}"
: "${PUENTE_DB:=puente}" "${TEMPORAL_DB:=temporal}" "${TEMPORAL_VISIBILITY_DB:=temporal_visibility}"

if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
	# psql wants a password file, private to this process, not the environment.
	umask 077
	PGPASSFILE=$(mktemp)
	trap 'rm -f "$PGPASSFILE"' EXIT
	printf '*:*:*:%s:%s\n' "$POSTGRES_USER" "$(cat "$POSTGRES_PASSWORD_FILE")" >"$PGPASSFILE"
	export PGPASSFILE
fi

field() { # pgpass file, field number: the first line's field
	head -n 1 "$1" | cut -d: -f"$2"
}
puente_role=$(field "$SECRETS_DIR/puente_pgpass" 4)
temporal_role=$(field "$SECRETS_DIR/temporal_pgpass" 4)
for r in "$puente_role" "$temporal_role"; do
	if [ -z "$r" ] || [ "$r" = "$POSTGRES_USER" ]; then
		echo "roles.sh: the role in a pgpass file is empty or the superuser ($POSTGRES_USER): want a role of its own" >&2
		exit 1
	fi
done

psql -X -q -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
	-v puente_role="$puente_role" -v puente_pw="$(field "$SECRETS_DIR/puente_pgpass" 5-)" \
	-v temporal_role="$temporal_role" -v temporal_pw="$(field "$SECRETS_DIR/temporal_pgpass" 5-)" \
	-v puente_db="$PUENTE_DB" -v temporal_db="$TEMPORAL_DB" -v visibility_db="$TEMPORAL_VISIBILITY_DB" <<'SQL'
SELECT format('CREATE ROLE %I', r) FROM (VALUES (:'puente_role'), (:'temporal_role')) AS v(r)
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) \gexec
ALTER ROLE :"puente_role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'puente_pw';
ALTER ROLE :"temporal_role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'temporal_pw';

SELECT format('CREATE DATABASE %I OWNER %I', d, o)
FROM (VALUES (:'puente_db', :'puente_role'), (:'temporal_db', :'temporal_role'), (:'visibility_db', :'temporal_role')) AS v(d, o)
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = d) \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', d, o) || ';' || format('REVOKE ALL ON DATABASE %I FROM PUBLIC', d)
FROM (VALUES (:'puente_db', :'puente_role'), (:'temporal_db', :'temporal_role'), (:'visibility_db', :'temporal_role')) AS v(d, o) \gexec
SQL
echo "roles $puente_role ($PUENTE_DB) and $temporal_role ($TEMPORAL_DB, $TEMPORAL_VISIBILITY_DB) ready"

#!/bin/sh
# Creates the compose stack's secrets, once: random passwords for the
# PostgreSQL superuser and for the two login roles, Temporal's and Puente's.
# docker-compose.yml mounts them under /run/secrets; they are never put in an
# environment variable. An existing file is kept, so running it again is safe.
#
#   sh deploy/secrets.sh            # writes ./secrets
#   sh deploy/secrets.sh DIR        # writes DIR
#
# postgres_password holds the superuser's password alone (the postgres image's
# POSTGRES_PASSWORD_FILE), grafana_admin_password Grafana's `admin` password
# (--profile observability), puente_metrics_token the bearer token the API
# asks of /metrics scrapers (PUENTE_METRICS_TOKEN_FILE; Prometheus sends it). temporal_pgpass and puente_pgpass are PostgreSQL
# password files (`*:*:*:role:password`, read through PGPASSFILE by Temporal's
# pgx driver and by Puente); deploy/postgres/roles.sh takes each role's name
# and password from them. The directory is private (0700); the files are
# readable by every user (0644) because the containers run as their own
# users (postgres 999, temporal 1000, puente 65532), and Compose mounts the
# host file as it is.
set -eu
dir=${1:-secrets}
: "${PUENTE_DB_USER:=puente}" "${TEMPORAL_DB_USER:=temporal}"

# 24 random bytes as hex: safe in a URL and in a password file.
random() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }

mkdir -p "$dir"
chmod 0700 "$dir"
for file in postgres_password grafana_admin_password puente_metrics_token; do
	if [ ! -s "$dir/$file" ]; then
		random >"$dir/$file"
		echo "wrote $dir/$file"
	fi
done
for pair in "puente_pgpass:$PUENTE_DB_USER" "temporal_pgpass:$TEMPORAL_DB_USER"; do
	file=$dir/${pair%%:*}
	if [ ! -s "$file" ]; then
		printf '*:*:*:%s:%s\n' "${pair#*:}" "$(random)" >"$file"
		echo "wrote $file"
	fi
done
chmod 0644 "$dir/postgres_password" "$dir/grafana_admin_password" "$dir/puente_metrics_token" \
	"$dir/puente_pgpass" "$dir/temporal_pgpass"

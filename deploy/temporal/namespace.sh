#!/bin/sh
# temporal-namespace (docker-compose.yml): waits until the Temporal frontend
# answers SERVING, creates Puente's namespace and registers Puente's search
# attributes (PUENTE_SEARCH_ATTRIBUTES: name=type pairs). Safe to run on every
# start: it creates only what is missing. `puente worker` registers the same
# attributes at start (worker.EnsureSearchAttributes); doing it here first
# closes the window in which the API could start a priority before they exist.
# TEMPORAL_CLI names the Temporal CLI where it is not on PATH (`make
# prod-check` runs this script outside Docker).
set -eu
: "${TEMPORAL_ADDRESS:?}" "${TEMPORAL_NAMESPACE:?}" "${PUENTE_SEARCH_ATTRIBUTES:?}"
: "${TEMPORAL_NAMESPACE_RETENTION:=720h}" "${TEMPORAL_CLI:=temporal}"
temporal() { "$TEMPORAL_CLI" "$@"; }
listing=$(mktemp)
trap 'rm -f "$listing"' EXIT

# The CLI resolves the host itself; resolve it to IPv4 first, as Temporal's
# own compose samples do, so an IPv6 answer cannot get in the way.
host=${TEMPORAL_ADDRESS%:*}
port=${TEMPORAL_ADDRESS##*:}
ip=$(getent ahosts "$host" 2>/dev/null | awk '$2 == "STREAM" && $1 ~ /^[0-9.]+$/ { print $1; exit }')
addr="${ip:-$host}:$port"

tries=0
retry() { # command…: retries for about two minutes
	tries=0
	until "$@"; do
		tries=$((tries + 1))
		if [ "$tries" -ge 60 ]; then
			echo "gave up: $*" >&2
			return 1
		fi
		sleep 2
	done
}

serving() { temporal operator cluster health --address "$addr" 2>/dev/null | grep -q SERVING; }
echo "waiting for the Temporal frontend at $TEMPORAL_ADDRESS ($addr)"
retry serving

if temporal operator namespace describe --address "$addr" --namespace "$TEMPORAL_NAMESPACE" >/dev/null 2>&1; then
	echo "namespace $TEMPORAL_NAMESPACE exists"
else
	temporal operator namespace create --address "$addr" --namespace "$TEMPORAL_NAMESPACE" \
		--retention "$TEMPORAL_NAMESPACE_RETENTION" --description "Puente priorities"
	echo "namespace $TEMPORAL_NAMESPACE created (retention $TEMPORAL_NAMESPACE_RETENTION)"
fi

# The namespace becomes visible to the search-attribute API once the
# frontend's namespace cache refreshes.
listed() { temporal operator search-attribute list --address "$addr" --namespace "$TEMPORAL_NAMESPACE" >"$listing" 2>&1; }
retry listed

for pair in $PUENTE_SEARCH_ATTRIBUTES; do
	name=${pair%%=*}
	type=${pair#*=}
	if grep -qw "$name" "$listing"; then
		echo "search attribute $name exists"
	else
		temporal operator search-attribute create --address "$addr" --namespace "$TEMPORAL_NAMESPACE" \
			--name "$name" --type "$type"
		echo "search attribute $name ($type) registered"
	fi
done

all_listed() {
	listed || return 1
	for pair in $PUENTE_SEARCH_ATTRIBUTES; do
		grep -qw "${pair%%=*}" "$listing" || return 1
	done
}
retry all_listed
echo "namespace $TEMPORAL_NAMESPACE ready"

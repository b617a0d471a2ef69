#!/bin/sh
# `make chart-check`: lints the Helm chart, renders it for its default and
# production values, and validates every object with kubecheck (the API
# server's own decoding, defaulting and create validation, offline). Then
# renders broken on purpose must be refused, or the validation proves
# nothing. HELM and KUBECHECK name the binaries (the Makefile builds them).
set -eu
: "${HELM:?}" "${KUBECHECK:?}"
chart=charts/puente
ns=puente
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$HELM" lint --strict "$chart"
"$HELM" lint --strict "$chart" -f "$chart/values-production.yaml"

render() { # output file, extra helm arguments…
	out=$1
	shift
	"$HELM" template puente "$chart" --namespace "$ns" --kube-version 1.34.0 "$@" >"$out"
}

for values in default production chart-made-secret; do
	case $values in
	default) render "$tmp/$values.yaml" ;;
	production) render "$tmp/$values.yaml" -f "$chart/values-production.yaml" ;;
	chart-made-secret) render "$tmp/$values.yaml" --set database.existingSecret= --set database.password=example ;;
	esac
	echo "== $values values: $(grep -c '^kind:' "$tmp/$values.yaml") objects"
	"$KUBECHECK" -namespace "$ns" <"$tmp/$values.yaml"
done

# Each broken render must be refused, with the reason shown.
refused() { # name, file
	if "$KUBECHECK" -namespace "$ns" <"$2" >"$tmp/out" 2>&1; then
		echo "chart-check: kubecheck accepted a broken render: $1" >&2
		exit 1
	fi
	echo "refused as it should be ($1): $(grep INVALID "$tmp/out" | head -n 1)"
}
render "$tmp/bad-port.yaml" --set api.port=70000
refused "container port out of range" "$tmp/bad-port.yaml"
sed 's/^\(\s*\)readinessProbe:/\1readinessProbes:/' "$tmp/default.yaml" >"$tmp/bad-field.yaml"
refused "unknown field" "$tmp/bad-field.yaml"
sed '/matchLabels:/,/component:/ s/component: api/component: apix/' "$tmp/default.yaml" >"$tmp/bad-selector.yaml"
refused "selector that does not match the pod template" "$tmp/bad-selector.yaml"
render "$tmp/bad-cpu.yaml" --set api.resources.requests.cpu=lots
refused "resource quantity" "$tmp/bad-cpu.yaml"
render "$tmp/bad-hpa.yaml" --set worker.autoscaling.minReplicas=5 --set worker.autoscaling.maxReplicas=2
refused "HPA with max below min" "$tmp/bad-hpa.yaml"
echo "chart-check passed"

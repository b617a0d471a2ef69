#!/usr/bin/env bash
# Fails when git tracks a binary file over 1 MB: the repository holds source,
# and anything a command builds is rebuilt, not committed. A file is binary
# when grep (-I) sees it so: it holds a NUL byte.
set -euo pipefail
cd "$(dirname "$0")/.."
found=0
while IFS= read -r -d '' f; do
	[ -f "$f" ] || continue
	size=$(stat -c %s "$f")
	[ "$size" -gt 1048576 ] || continue
	if ! LC_ALL=C grep -qI '' "$f"; then
		echo "tracked binary over 1 MB: $f ($size bytes)" >&2
		found=1
	fi
done < <(git ls-files -z)
exit "$found"

#!/usr/bin/env bash
# Copies seed corpora into fuzz/corpus/<target>/ (not committed): the project's fixtures and
# ../shared/ics-corpus for the calendar targets, config files for the config target.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
shared="${SHARED_CORPUS:-$repo/../shared/ics-corpus}"
for t in parse parse_expand body_check; do
  mkdir -p "$here/corpus/$t"
  cp "$repo"/fixtures/*.ics "$here/corpus/$t/"
  if [[ -d "$shared" ]]; then
    cp "$shared"/*.ics "$here/corpus/$t/"
  fi
done
mkdir -p "$here/corpus/config"
cp "$repo/config.toml" "$here/corpus/config/default.toml"
find "$repo/tests" "$repo/examples" -name '*.toml' -exec cp {} "$here/corpus/config/" \; 2>/dev/null || true
echo "seeded: $(for t in parse parse_expand body_check config; do printf '%s=%s ' "$t" "$(ls "$here/corpus/$t" | wc -l)"; done)"

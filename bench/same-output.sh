#!/usr/bin/env bash
# Checks that two calaudit binaries give byte-identical output on normal calendars: `report
# --format json` and `occurrences --format jsonl` (stdout and stderr) for the bundled sample
# (a quarter and seven years), the benchmark kit's cal_5y, cal_1y_outlook and cal_stress (whose
# 31,984 events take the two-thread expansion path), and every fixture (a fixture added since
# OLD may crash or stall OLD: that shows up as a difference, set FIXTURES to a narrower glob).
#
#   bench/same-output.sh OLD_BINARY NEW_BINARY     # prints the diff; exit 1 when they differ
#
# Workloads come from bench/work/ (made by bench/compare.sh) or are generated there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
shared="${SHARED_BENCH:-$repo/../shared/bench}"
work="${WORK:-$here/work}"
old="$(realpath "$1")" new="$(realpath "$2")"
mkdir -p "$work"
gen() { # name args...
  local name=$1; shift
  [[ -s "$work/$name.ics" ]] || (cd "$work" && python3 "$shared/gen_calendar.py" "$@" --out "$name.ics" >/dev/null)
}
gen cal_5y --years 5 --style google
gen cal_1y_outlook --years 1 --style outlook
gen cal_stress --years 10 --owners 4 --oneoffs-per-week 10.5 --style google
snap() { # binary outdir
  local bin=$1 out=$2
  mkdir -p "$out"
  run() { # name feed from to
    for cmd in report occurrences; do
      local fmt=json; [[ $cmd == occurrences ]] && fmt=jsonl
      local rc=0
      (cd "$out" && "$bin" "$cmd" --feed "$2" --from "$3" --to "$4" --tz America/Los_Angeles \
        --me me@example.com --format "$fmt" -c /dev/null >"$1.$cmd.out" 2>"$1.$cmd.err") || rc=$?
      echo "exit $rc" >>"$out/$1.$cmd.err"
    done
  }
  run sample "$repo/fixtures/sample-manager.ics" 2026-01-05 2026-04-06
  run sample_wide "$repo/fixtures/sample-manager.ics" 2020-01-06 2027-01-04
  run cal_5y "$work/cal_5y.ics" 2021-01-01 2026-01-01
  run cal_1y_outlook "$work/cal_1y_outlook.ics" 2025-01-01 2026-01-01
  run cal_stress "$work/cal_stress.ics" 2016-01-01 2026-01-01
  for f in "$repo"/fixtures/${FIXTURES:-*}.ics; do run "fx_$(basename "$f" .ics)" "$f" 2024-01-01 2027-01-01; done
}
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
snap "$old" "$tmp/old"
snap "$new" "$tmp/new"
diff -r "$tmp/old" "$tmp/new"

#!/usr/bin/env bash
# Side-by-side benchmark: calaudit against the Python peer (../shared/bench/baseline.py) on the
# shared benchmark calendars, in one run on one machine, so that the ratios mean something on
# a noisy shared box. Prints a markdown table on stdout; progress goes to stderr.
#
#   bench/compare.sh                 # 3 runs per tool and file, medians
#   RUNS=5 bench/compare.sh          # more runs
#   FILES="cal_1y cal_5y" bench/compare.sh
#
# Needs python3 (with venv), cargo, and ../shared/bench beside the repository
# (or SHARED_BENCH=/path/to/shared/bench). Workloads are generated into bench/work/ (ignored by
# git) when missing; the Python peer is installed into a throw-away venv there.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
shared="${SHARED_BENCH:-$repo/../shared/bench}"
work="${WORK:-$here/work}"
runs="${RUNS:-3}"
files="${FILES:-cal_1y cal_1y_outlook cal_5y cal_stress}"
tz="America/Los_Angeles"
me="me@example.com"

say() { echo "compare.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }

[[ -f "$shared/gen_calendar.py" && -f "$shared/baseline.py" ]] \
  || die "no benchmark kit at $shared (set SHARED_BENCH)"
command -v python3 >/dev/null || die "python3 is missing"
mkdir -p "$work"

# 1. Workloads (deterministic: same seed, same bytes).
gen_args() {
  case "$1" in
    cal_1y) echo "--years 1 --style google" ;;
    cal_1y_outlook) echo "--years 1 --style outlook" ;;
    cal_5y) echo "--years 5 --style google" ;;
    cal_stress) echo "--years 10 --owners 4 --oneoffs-per-week 10.5 --style google" ;;
    *) die "unknown workload $1" ;;
  esac
}
for f in $files; do
  if [[ ! -s "$work/$f.ics" || ! -s "$work/$f.ics.stats.json" ]]; then
    say "generating $f.ics"
    # shellcheck disable=SC2046
    (cd "$work" && python3 "$shared/gen_calendar.py" $(gen_args "$f") --out "$f.ics" >/dev/null) \
      || die "generating $f failed"
  fi
done

# 2. The Python peer, in a venv of its own.
venv="$work/venv"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c "import icalendar, recurring_ical_events" 2>/dev/null; then
  say "setting up the Python peer in $venv"
  rm -rf "$venv"
  python3 -m venv "$venv" || die "python3 -m venv failed (apt-get install python3-venv)"
  "$venv/bin/pip" install -q -r "$shared/requirements.txt" || die "pip install failed"
fi

# 3. calaudit, release build.
say "building calaudit (release)"
(cd "$repo" && cargo build --release --quiet) || die "cargo build failed"
target="${CARGO_TARGET_DIR:-$repo/target}"
calaudit="$target/release/calaudit"
[[ -x "$calaudit" ]] || die "no binary at $calaudit"

# The span of a workload: its stats file says it.
span() {
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["span"]; print(s[0], s[1])' \
    "$work/$1.ics.stats.json" || die "cannot read the span of $1"
}

# Runs a command once; prints "cpu_seconds wall_seconds max_rss_kb": the rusage of the child
# from wait4 (what /usr/bin/time reports), at microsecond resolution, since /usr/bin/time -f
# rounds to 10 ms, which is the whole run of calaudit on the small files.
# Fails loudly when the command fails (its stderr is shown) or prints nothing.
measure() {
  python3 "$here/measure.py" "$@" || { say "command failed: $*"; exit 1; }
}

# Median of numbers on stdin (one per line).
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# Runs "$@" $runs times; sets CPU, WALL, RSS to the medians.
bench() {
  local i cpus="" walls="" rsss="" r
  for ((i = 0; i < runs; i++)); do
    r="$(measure "$@")" || exit 1
    read -r c w m <<<"$r"
    cpus+="$c"$'\n'
    walls+="$w"$'\n'
    rsss+="$m"$'\n'
  done
  CPU="$(printf '%s' "$cpus" | median)"
  WALL="$(printf '%s' "$walls" | median)"
  RSS="$(printf '%s' "$rsss" | median)"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) b = 0.001; printf "%.0f", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

rows=()
for f in $files; do
  read -r from to <<<"$(span "$f")"
  ics="$work/$f.ics"
  bytes="$(stat -c %s "$ics")"
  say "$f: wc -l"
  bench wc -l "$ics"
  wc_wall="$WALL"
  say "$f: calaudit ($runs runs, $from..$to)"
  bench "$calaudit" report --feed "$ics" --from "$from" --to "$to" --tz "$tz" --me "$me" --format json
  c_cpu="$CPU" c_wall="$WALL" c_rss="$RSS"
  say "$f: baseline.py ($runs runs)"
  bench "$venv/bin/python" "$shared/baseline.py" "$ics" "$from" "$to" --tz "$tz"
  p_cpu="$CPU" p_wall="$WALL" p_rss="$RSS"
  rows+=("| $f.ics | $(awk -v b="$bytes" 'BEGIN { printf "%.1f MB", b / 1e6 }') | $from..$to \
| $p_cpu s | $c_cpu s | **$(ratio "$p_cpu" "$c_cpu")×** \
| $(mib "$p_rss") MiB | $(mib "$c_rss") MiB ($(awk -v k="$c_rss" -v b="$bytes" 'BEGIN { printf "%.1f", k * 1024 / b }')× file) \
| $wc_wall s | $c_wall s ($(ratio "$c_wall" "$wc_wall")× wc) |")
done

echo
echo "Medians of $runs runs; CPU = user+sys; wall and peak RSS of the child (wait4, as /usr/bin/time); $(date -u +%Y-%m-%d), $(nproc) cores."
echo
echo "| file | size | span | baseline.py CPU | calaudit CPU | CPU ratio | baseline.py peak RSS | calaudit peak RSS | \`wc -l\` wall | calaudit wall |"
echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"

#!/usr/bin/env bash
# The performance job of a pipeline, in one script (examples/ci/ calls it; so does a test):
#   1. set up bbsim (npm packages, k6 built once and cached in $BBSIM_CACHE),
#   2. run a scenario n times against the mock (or $BBSIM_TARGET, a service started by the job),
#   3. compare with the committed baseline; with none yet, save this run as the baseline,
#   4. leave junit.xml files, report.html, compare.html and compare.md under $BBSIM_OUT.
# Exit: 0 no regression (or a new baseline), 1 a regression or a failing run, 2 could not run.
# A run that fails (bbsim run exit 1 breach, 3 a norm not judged, 4 errors over the budget) is never
# saved as the baseline; runs that lose requests or cannot judge a norm (3, 4) fail the job.
# Settings (environment):
#   BBSIM_SCENARIO   scenario name (scenarios/<name>.ts)             default smoke
#   BBSIM_SCENARIOS  scenario folder                                  default: bbsim's scenarios
#   BBSIM_REPEAT     runs per job (compare needs >= 2 to see jitter)  default 3
#   BBSIM_BASELINE   baseline folder                                  default results/baselines/<scenario>
#   BBSIM_OUT        where results go (publish it as an artifact)     default results/ci
#   BBSIM_TARGET     base URL of a service under test (loopback)      default: start the mock
#   BBSIM_ENGINE     k6 or native                                     default k6
#   BBSIM_MOCK_CONFIG  a mock config file (bbsim mock --config format) for the mock each run starts
#   BBSIM_BUDGETS    extra --budget values, space separated, e.g. "p99=10%,5ms error-rate=1pp"
#   BBSIM_FAIL_ON_BREACH  1: a breached norm fails the job too         default 0
set -uo pipefail
# Relative paths are the caller's: from another repo (bash node_modules/bbsim/scripts/ci-perf.sh) its
# scenarios, baselines and results stay in that repo.
CALLER="$PWD"
abs() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$CALLER" "$1" ;; esac; }
cd "$(dirname "$0")/.."

SCENARIO="${BBSIM_SCENARIO:-smoke}"
scenario_args=()
[ -n "${BBSIM_SCENARIOS:-}" ] && scenario_args=(--scenarios "$(abs "$BBSIM_SCENARIOS")")
REPEAT="${BBSIM_REPEAT:-3}"
BASELINE="$(abs "${BBSIM_BASELINE:-results/baselines/$SCENARIO}")"
OUT="$(abs "${BBSIM_OUT:-results/ci}")"
[ -n "${BBSIM_MOCK_CONFIG:-}" ] && BBSIM_MOCK_CONFIG="$(abs "$BBSIM_MOCK_CONFIG")"
log() { printf '[ci-perf] %s\n' "$*"; }

BBSIM_NO_BROWSER=1 bash scripts/setup || { log "set-up failed"; exit 2; }
mkdir -p "$OUT"
target_args=()
[ -n "${BBSIM_TARGET:-}" ] && target_args=(--target "$BBSIM_TARGET")
[ -n "${BBSIM_MOCK_CONFIG:-}" ] && target_args+=(--mock-config "$BBSIM_MOCK_CONFIG")

log "running $SCENARIO $REPEAT times"
node bin/bbsim.js run "$SCENARIO" "${scenario_args[@]}" --repeat "$REPEAT" --out "$OUT/runs" --engine "${BBSIM_ENGINE:-k6}" --quiet "${target_args[@]}" | tee "$OUT/run.log"
run_rc=${PIPESTATUS[0]}
if [ "$run_rc" -eq 2 ]; then log "the scenario could not run"; exit 2; fi
if [ "$REPEAT" -gt 1 ]; then
  run_dir=$(sed -n 's/^[0-9]* of [0-9]* runs in \(.*\) (runs.json)$/\1/p' "$OUT/run.log" | tail -1)
else
  # One run (BBSIM_REPEAT=1): its folder is the one its report is in.
  run_dir=$(sed -n 's/^report: \(.*\)\/report\.html$/\1/p' "$OUT/run.log" | tail -1)
fi
[ -n "$run_dir" ] || { log "no run folder in the output"; exit 2; }

case "$run_rc" in
  0) verdict="every checked norm holds" ;;
  1) verdict="a norm is breached" ;;
  3) verdict="a norm the scenario checks could not be judged (no or too few successful requests, or no figure from the target)" ;;
  4) verdict="more requests failed than the error budget allows" ;;
  *) verdict="bbsim run exited $run_rc" ;;
esac

if [ ! -f "$BASELINE/runs.json" ]; then
  if [ "$run_rc" -ne 0 ]; then
    log "no baseline at $BASELINE, and this run fails ($verdict, exit $run_rc): not saving it as the baseline"
    log "fix the run (see $run_dir/report.html), or save it by hand: node bin/bbsim.js baseline save $run_dir"
    exit 1
  fi
  log "no baseline at $BASELINE: saving this run as the baseline (commit it)"
  node bin/bbsim.js baseline save "$run_dir" --name "$(basename "$BASELINE")" --dir "$(dirname "$BASELINE")" || exit 2
  exit 0
fi

budget_args=()
for b in ${BBSIM_BUDGETS:-}; do budget_args+=(--budget "$b"); done
node bin/bbsim.js compare "$BASELINE" "$run_dir" --out "$OUT/compare" "${budget_args[@]}"
compare_rc=$?
[ "$compare_rc" -eq 2 ] && { log "could not compare"; exit 2; }
if [ "$compare_rc" -eq 1 ]; then log "regression against $BASELINE (see $OUT/compare/compare.md)"; exit 1; fi
if [ "$run_rc" -eq 3 ] || [ "$run_rc" -eq 4 ]; then log "this run fails: $verdict (exit $run_rc)"; exit 1; fi
if [ "$run_rc" -eq 1 ] && [ "${BBSIM_FAIL_ON_BREACH:-0}" = "1" ]; then log "a norm is breached"; exit 1; fi
log "no regression against $BASELINE"
exit 0

#!/usr/bin/env bash
# Plugin test: a rule from outside the library, loaded by the CLI as users load one.
#   1. build   `dotnet build examples/CustomRule -c Release` (the example plugin: rule local-sign, option
#              local-sign-feedback).
#   2. help    `rhmlab train --plugin <dll> --help` lists the rule and its option.
#   3. train   one short run of local-sign with --plugin and its option given; the record names the rule and holds
#              the option; a refused value of the option exits 2 with one line naming it.
#   4. sweep   a two-point sweep over the option with --plugin (sign, exact): both runs finish, and their records
#              hold the two values; the same sweep again runs nothing (finished runs are recognised by their hashes).
#   5. env     the same train with the plugin named by RHMLAB_PLUGINS instead of --plugin.
# Ends with one line: "plugin test: PASSED (...)", or "plugin test: FAILED at step <step>: <reason>" (exit 1) after
# the tail of that step's output.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
unset RHMLAB_PLUGINS
work="$(mktemp -d "${TMPDIR:-/tmp}/rhmlab-plugin-test.XXXXXX")"
trap 'rm -rf "$work"' EXIT
log="$work/step.log"
step="setup"
begin() { step="$1"; : >"$log"; echo "plugin test: $step"; }
fail() {
  [ -s "$log" ] && tail -n 40 "$log" | sed 's/^/  | /'
  echo "plugin test: FAILED at step $step: $*"
  exit 1
}
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

begin build
dotnet build "$repo/examples/CustomRule/CustomRule.csproj" -c Release --nologo -v q -clp:ErrorsOnly >"$log" 2>&1 || fail "the example does not build"
plugin="$repo/examples/CustomRule/bin/Release/net10.0/CustomRule.dll"
[ -f "$plugin" ] || fail "no $plugin"
rhmlab=("$repo/rhmlab")
small=(--nc 3 --m 3 --v 3 --L 2 --train 40 --test 20 --width 8 --epochs 3 --blas managed)

begin help
"${rhmlab[@]}" train --plugin "$plugin" --help >"$log" 2>&1 || fail "train --help with the plugin failed"
grep -q -- "--local-sign-feedback" "$log" || fail "--help does not list --local-sign-feedback"
grep -q "local-sign" <(grep -- "--rule " "$log") || fail "--help does not list the rule local-sign"

begin train
"${rhmlab[@]}" train --plugin "$plugin" --rule local-sign --local-sign-feedback exact "${small[@]}" --json --out "$work/run" >"$log" 2>&1 \
  || fail "train --plugin exited $?"
[ "$(json "$work/run/result.json" 'd["rule"]')" = local-sign ] || fail "the record does not name local-sign"
[ "$(json "$work/run/result.json" 'd["config"]["local-sign-feedback"]')" = exact ] || fail "the record's config does not hold local-sign-feedback = exact"
"${rhmlab[@]}" train --plugin "$plugin" --rule local-sign --local-sign-feedback maybe "${small[@]}" >"$log" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "a refused value exited $rc, not 2"
[ "$(wc -l <"$log")" -eq 1 ] && grep -q "^rhmlab: error: local-sign-feedback: unknown value 'maybe'" "$log" || fail "a refused value is not one line naming the option"

begin sweep
cat >"$work/plan.json" <<'JSON'
{ "grid": { "local-sign-feedback": ["sign", "exact"] },
  "fixed": { "rule": "local-sign", "nmv": 3, "L": 2, "train": 40, "test": 20, "width": 8, "epochs": 3, "blas": "managed" } }
JSON
"${rhmlab[@]}" sweep "$work/plan.json" --plugin "$plugin" --out "$work/sweep" --jobs 2 >"$log" 2>&1 || fail "sweep --plugin exited $?"
n=$(find "$work/sweep/runs" -name result.json | wc -l)
[ "$n" -eq 2 ] || fail "$n records, not 2"
values=$(for f in "$work"/sweep/runs/*/result.json; do json "$f" 'd["config"]["local-sign-feedback"]'; done | sort | tr '\n' ' ')
[ "$values" = "exact sign " ] || fail "the records hold '$values', not exact and sign"
"${rhmlab[@]}" sweep "$work/plan.json" --plugin "$plugin" --out "$work/sweep" >"$log" 2>&1 || fail "the second sweep exited $?"
grep -q "0 finished, 2 skipped" "$log" || fail "the second sweep ran finished runs again"

begin env
RHMLAB_PLUGINS="$plugin" "${rhmlab[@]}" train --rule local-sign "${small[@]}" --json >"$log" 2>&1 || fail "train with RHMLAB_PLUGINS exited $?"

echo "plugin test: PASSED (example built; train, a refused value, a two-point sweep and its resumption, RHMLAB_PLUGINS)"

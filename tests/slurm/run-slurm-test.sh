#!/usr/bin/env bash
# Real Slurm test of `rhmlab slurm` and `rhmlab sweep` on a single-node cluster started on this machine
# (recipe: proctrack/linuxproc, task/none, no cgroups, no systemd). Needs root; installs slurm-wlm and munge with
# apt when missing. The config lives in a private folder (SLURM_CONF), so /etc/slurm is not touched.
#   1. A 6-run plan as an array of 3 tasks: every run gets its result.json, each executed once.
#   2. A plan of slower runs as an array of 2: task 1 is cancelled with scancel while its second run executes; the
#      sweep must release that run's lock; the whole array is submitted again, and then every run is finished,
#      no finished run was executed again (attempts.log and unchanged result.json), and a final local
#      `rhmlab sweep` finds nothing left to do.
# Ends with one line: "slurm test: PASSED (...)", "slurm test: FAILED: ..." (exit 1) or
# "slurm test: SKIPPED: <reason>" (exit 0) when no cluster can be started here.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
t0=$(date +%s.%N)
elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
skip() { echo "slurm test: SKIPPED: $*"; exit 0; }

[ "$(uname -s)" = Linux ] || skip "not Linux"
[ "$(id -u)" = 0 ] || skip "needs root (starts munged, slurmctld and slurmd)"

# One test at a time on a machine: the daemons listen on fixed ports.
exec 9>/tmp/rhmlab-slurm-test.lock
flock -w 180 9 || skip "another slurm test kept the lock for 3 minutes"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || skip "slurm-wlm is not installed and there is no apt-get"
  echo "slurm test: installing slurm-wlm munge" >&2
  (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends slurm-wlm munge) >/dev/null 2>&1 \
    || skip "apt-get install slurm-wlm munge failed"
fi
for c in slurmctld slurmd sbatch squeue scancel sinfo munged munge unmunge runuser; do
  command -v "$c" >/dev/null || skip "$c is missing after installation"
done
if pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null; then
  skip "a Slurm daemon not started by this test is already running"
fi

dll="$repo/src/RhmLab.Cli/bin/Release/net10.0/RhmLab.Cli.dll"
if [ ! -f "$dll" ]; then
  dotnet build "$repo/src/RhmLab.Cli/RhmLab.Cli.csproj" -c Release --nologo -v q -clp:ErrorsOnly >&2 || skip "cannot build the CLI"
fi
dotnet_host="$(command -v dotnet)"
rhmlab() { "$dotnet_host" "$dll" "$@"; }

D="$(mktemp -d /tmp/rhmlab-slurm.XXXXXX)"
export SLURM_CONF="$D/slurm.conf"
# Sweeps calibrate the cost model into the cache: the test's own folder, never the user's ~/.cache.
export RHMLAB_CACHE="$D/cache"
started_munged=0
daemon_pids=()

alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${s#Z}" = "$s" ]; }   # a zombie counts as dead

stop_cluster() {
  squeue -h -o %i 2>/dev/null | xargs -r scancel 2>/dev/null || true
  local f p pids=()
  for f in "$D/slurmd.pid" "$D/slurmctld.pid"; do [ -s "$f" ] && pids+=("$(cat "$f")"); done
  [ $started_munged = 1 ] && [ -s /run/munge/munged.pid ] && pids+=("$(cat /run/munge/munged.pid)")
  [ ${#pids[@]} -gt 0 ] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 100); do
    local left=0; for p in "${pids[@]}"; do alive "$p" && left=1; done
    [ $left = 0 ] && return 0; sleep 0.1
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

finish() {
  local rc=$?
  stop_cluster
  if [ "${keep_logs:-0}" = 1 ] || [ -n "${RHMLAB_SLURM_KEEP:-}" ]; then echo "slurm test: logs kept in $D" >&2; else rm -rf "$D"; fi
  exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM

fail() {
  echo "slurm test: details of the failure:" >&2
  tail -n 20 "$D"/log/slurmctld.log "$D"/log/slurmd.log >&2 2>/dev/null || true
  for f in "$D"/job*/logs/*.out; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 15 "$f" >&2; }; done
  keep_logs=1
  echo "slurm test: FAILED: $* (after $(elapsed) s)"
  exit 1
}

start_cluster() {
  local H C M
  H=$(hostname -s)
  C=$(nproc)
  M=$(( $(awk '/^MemAvailable:/{print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
  mkdir -p "$D"/{ctld,spool,log}
  cat > "$SLURM_CONF" <<EOF
ClusterName=rhmlabtest
SlurmctldHost=$H(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$D/ctld
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MaxArraySize=10001
InactiveLimit=0
KillWait=5
MinJobAge=600
NodeName=$H NodeAddr=127.0.0.1 CPUs=$C RealMemory=$M State=UNKNOWN
PartitionName=debug Nodes=$H Default=YES MaxTime=INFINITE State=UP
EOF
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none || return 1
  fi
  chown munge:munge /etc/munge /etc/munge/munge.key && chmod 0700 /etc/munge && chmod 0400 /etc/munge/munge.key || return 1
  mkdir -p /run/munge && chown munge:munge /run/munge && chmod 0755 /run/munge || return 1
  if ! { [ -s /run/munge/munged.pid ] && alive "$(cat /run/munge/munged.pid)"; }; then
    runuser -u munge -- /usr/sbin/munged || return 1
    started_munged=1
  fi
  munge -n | unmunge >/dev/null || return 1
  /usr/sbin/slurmctld -c -f "$SLURM_CONF" || return 1
  /usr/sbin/slurmd -f "$SLURM_CONF" || return 1
  local i=0
  until [ "$(sinfo -h -n "$H" -o %t 2>/dev/null)" = idle ]; do
    i=$((i + 1)); [ $i -gt 60 ] && return 1
    sleep 0.5
  done
}

if ! start_cluster; then
  tail -n 5 "$D"/log/*.log >&2 2>/dev/null || true
  skip "the single-node cluster did not start (see the daemon logs above)"
fi
echo "slurm test: cluster up after $(elapsed) s" >&2

# Waits until job $1 has left the queue, at most $2 seconds.
wait_job() {
  local i=0
  while squeue -h -j "$1" 2>/dev/null | grep -q .; do
    i=$((i + 1)); [ $i -gt $(($2 * 4)) ] && fail "job $1 still queued after $2 s"
    sleep 0.25
  done
}

# "index hash state label" for each run of plan $1 in results $2 (optionally only shard $3).
states() { rhmlab sweep "$1" --out "$2" --dry-run ${3:+--shard "$3"} | grep -E '^ *[0-9]+ [0-9a-f]{16} '; }

count_lines() { [ -f "$1" ] && grep -c " $2 " "$1" || echo 0; }

# Every run of the plan is done and was finished by exactly one attempt; sets $checked to the number of runs.
check_all_done_once() {
  local plan=$1 res=$2 idx hash state rest fin
  checked=0
  while read -r idx hash state rest; do
    checked=$((checked + 1))
    [ "$state" = done ] || fail "run $hash ($rest) is $state, not done"
    fin=$(count_lines "$res/runs/$hash/attempts.log" finished)
    [ "$fin" = 1 ] || fail "run $hash ($rest) was finished $fin times"
  done < <(states "$plan" "$res")
  [ $checked -gt 0 ] || fail "no runs listed for $plan"
}

tiny='"nmv": 3, "L": 2, "train": 30, "test": 20, "width": 8, "epochs": 3, "blas": "managed"'

# --- 1. a plain array -----------------------------------------------------------------------------------------------
mkdir -p "$D/job1"
cat > "$D/plan1.json" <<EOF
{ "grid": { "rule": ["bp", "dfa"], "seed": [1, 2, 3] }, "fixed": { $tiny } }
EOF
rhmlab slurm "$D/plan1.json" --array 3 --out "$D/job1/job.sbatch" --results "$D/res1" >/dev/null || fail "rhmlab slurm failed"
grep -q -- '--array=1-3' "$D/job1/job.sbatch" || fail "the script has no --array=1-3"
J1=$(sbatch --parsable "$D/job1/job.sbatch") || fail "sbatch refused the script"
wait_job "$J1" 90
check_all_done_once "$D/job1/job.plan.json" "$D/res1"
[ "$checked" = 6 ] || fail "plan 1 has $checked runs, expected 6"
for i in 1 2 3; do
  grep -q "sweep: done" "$D/job1/logs/rhmlab-sweep-${J1}_$i.out" 2>/dev/null || fail "task $i left no 'sweep: done' line"
done
echo "slurm test: array of 3 ran 6 runs after $(elapsed) s" >&2

# --- 2. cancel one task mid-run, resubmit ------------------------------------------------------------------------------
mkdir -p "$D/job2"
cat > "$D/plan2.json" <<EOF
{ "grid": { "seed": [1, 2, 3, 4] },
  "fixed": { "nmv": 3, "L": 3, "train": 200, "test": 100, "width": 16, "epochs": 6000, "stop-loss": 0, "eval-every": 0,
             "probe": "none", "blas": "managed" } }
EOF
rhmlab slurm "$D/plan2.json" --array 2 --out "$D/job2/job.sbatch" --results "$D/res2" >/dev/null || fail "rhmlab slurm failed"
plan2="$D/job2/job.plan.json"
mapfile -t shard1 < <(states "$plan2" "$D/res2" 1/2 | awk '{print $2}')
[ ${#shard1[@]} = 2 ] || fail "shard 1/2 should hold 2 runs, holds ${#shard1[@]}"
first="$D/res2/runs/${shard1[0]}" second="$D/res2/runs/${shard1[1]}"
J2=$(sbatch --parsable "$D/job2/job.sbatch") || fail "sbatch refused the script"
# Cancel task 1 once its first run is finished and its second is running.
i=0
until [ -f "$first/result.json" ] && [ -f "$second/claim" ]; do
  i=$((i + 1)); [ $i -gt 400 ] && fail "task 1 never reached its second run"
  sleep 0.2
done
scancel "${J2}_1" || fail "scancel ${J2}_1 failed"
wait_job "$J2" 90
[ -f "$second/result.json" ] && fail "the cancelled run has a result (the cancel came too late)"
[ -f "$second/claim" ] && fail "the cancelled run's lock was not released on SIGTERM"
grep -q " cancelled " "$second/attempts.log" || fail "the cancelled run's attempts.log has no 'cancelled' line"
declare -A before
for r in "$D"/res2/runs/*/; do
  [ -f "$r/result.json" ] && before[$r]=$(md5sum < "$r/result.json")
done
[ ${#before[@]} = 3 ] || fail "expected 3 finished runs before the resubmission, found ${#before[@]}"
J3=$(sbatch --parsable "$D/job2/job.sbatch") || fail "sbatch refused the resubmission"
wait_job "$J3" 90
check_all_done_once "$plan2" "$D/res2"
[ "$checked" = 4 ] || fail "plan 2 has $checked runs, expected 4"
for r in "${!before[@]}"; do
  [ "$(md5sum < "$r/result.json")" = "${before[$r]}" ] || fail "finished run $(basename "$r") was rewritten by the resubmission"
  [ "$(count_lines "$r/attempts.log" started)" = 1 ] || fail "finished run $(basename "$r") was started again"
done
[ "$(count_lines "$second/attempts.log" started)" = 2 ] || fail "the cancelled run should have been started twice"
collect=$(rhmlab sweep "$plan2" --out "$D/res2" 2>&1) || fail "the collecting sweep failed: $collect"
echo "$collect" | grep -q "0 finished, 4 skipped" || fail "the collecting sweep did work: $collect"

echo "slurm test: PASSED (array of 3: 6 runs; array of 2 with task 1 cancelled mid-run and resubmitted: 4 runs, each finished once; $(elapsed) s)"

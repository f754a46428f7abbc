#!/usr/bin/env bash
# Ledger latency benchmark: the gateway at a constant (open-loop) request rate with the request log on vs off.
# See bench/README.md, "Ledger: request log on vs off at 500 req/s".
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"

ROUNDS=3
RATE=500
DURATION=20
WARMUP=5
MODES="json"
DELAY_MS=2
MAX_CONNS=256
TIMEOUT=10
PORT_BASE=18280
GW_DIR=""
LOAD_DIR=""
POSTGRES=0
RESULTS_DIR="$REPO/bench/results"
KEEP_TMP=0
GW_TIMEOUT=60
GW_ENV=()
MASTER_KEY="sk-bench"
LOCK=/tmp/switchyard-build.lock

usage() {
  cat <<EOF
Usage: bench/ledger/run.sh [options]

Runs the published gateway against a fake upstream at a constant arrival rate (open loop, latency from the scheduled
send time), with server.request_log on and off, alternating ON/OFF in each round, and reports per run the achieved rate,
errors, p50/p90/p99/p99.9/max and the ledger rows written; then the median over rounds of p99(on)/p99(off) and
p50(on)/p50(off). All on 127.0.0.1; every run is bounded in time; everything it starts is stopped on exit.

Options:
  -r, --rounds N         ON/OFF pairs per mode (default $ROUNDS)
      --rate N           requests per second (default $RATE)
  -d, --duration SEC     measured seconds per run (default $DURATION)
  -w, --warmup SEC       warm-up seconds per run at the same rate, not recorded (default $WARMUP)
      --modes LIST       json and/or sse (default $MODES)
      --delay-ms MS      fixed delay of the fake upstream before it answers (default $DELAY_MS)
      --max-conns N      most HTTP connections the load generator opens (default $MAX_CONNS)
      --postgres         ledger in a throw-away PostgreSQL (initdb/pg_ctl in a temp dir, default durability
                         settings) instead of SQLite under the data directory
      --gateway-dir DIR  use an already published gateway (DIR/switchyard); skips dotnet publish
      --load-dir DIR     use an already published LedgerLoad (DIR/LedgerLoad); skips its publish
      --gateway-env K=V  extra environment for the gateway process, repeatable
      --port-base N      ports N (upstream), N+1 (gateway), N+2 (PostgreSQL) (default $PORT_BASE)
      --results-dir DIR  where the TSV goes (default bench/results)
      --keep-tmp         keep the temp dir (configs, logs, raw output)
  -h, --help             this text
EOF
}

die() { echo "ledger/run.sh: $*" >&2; exit 2; }
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    -r|--rounds) ROUNDS="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    -d|--duration) DURATION="$2"; shift 2 ;;
    -w|--warmup) WARMUP="$2"; shift 2 ;;
    --modes) MODES="$2"; shift 2 ;;
    --delay-ms) DELAY_MS="$2"; shift 2 ;;
    --max-conns) MAX_CONNS="$2"; shift 2 ;;
    --postgres) POSTGRES=1; shift ;;
    --gateway-dir) GW_DIR="$2"; shift 2 ;;
    --load-dir) LOAD_DIR="$2"; shift 2 ;;
    --gateway-env) [[ "$2" == *=* ]] || die "--gateway-env wants NAME=VALUE"; GW_ENV+=("$2"); shift 2 ;;
    --port-base) PORT_BASE="$2"; shift 2 ;;
    --results-dir) RESULTS_DIR="$2"; shift 2 ;;
    --keep-tmp) KEEP_TMP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

[[ "$ROUNDS" =~ ^[0-9]+$ && "$ROUNDS" -ge 1 && "$ROUNDS" -le 50 ]] || die "--rounds must be 1..50"
[[ "$RATE" =~ ^[0-9]+$ && "$RATE" -ge 1 && "$RATE" -le 100000 ]] || die "--rate must be 1..100000"
[[ "$DURATION" =~ ^[0-9]+$ && "$DURATION" -ge 1 && "$DURATION" -le 600 ]] || die "--duration must be 1..600"
[[ "$WARMUP" =~ ^[0-9]+$ && "$WARMUP" -le 120 ]] || die "--warmup must be 0..120"
[[ "$DELAY_MS" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--delay-ms must be a number"
[[ "$MAX_CONNS" =~ ^[0-9]+$ && "$MAX_CONNS" -ge 1 ]] || die "--max-conns must be >= 1"
[[ "$PORT_BASE" =~ ^[0-9]+$ && "$PORT_BASE" -ge 1024 && "$PORT_BASE" -le 65000 ]] || die "--port-base must be 1024..65000"
IFS=, read -r -a MODE_LIST <<<"$MODES"
for m in "${MODE_LIST[@]}"; do [[ "$m" =~ ^(json|sse)$ ]] || die "unknown mode '$m'"; done
command -v python3 >/dev/null 2>&1 || die "python3 is required (report)"
command -v curl >/dev/null 2>&1 || die "curl is required"
HAVE_SQLITE=0; command -v sqlite3 >/dev/null 2>&1 && HAVE_SQLITE=1

UP_PORT=$PORT_BASE
GW_PORT=$((PORT_BASE + 1))
PG_PORT=$((PORT_BASE + 2))
port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
for p in "$UP_PORT" "$GW_PORT"; do port_busy "$p" && die "port $p on 127.0.0.1 is in use; pick another --port-base"; done
[[ $POSTGRES -eq 1 ]] && port_busy "$PG_PORT" && die "port $PG_PORT on 127.0.0.1 is in use; pick another --port-base"

# ---------------------------------------------------------------- cleanup
TMP="$(mktemp -d /tmp/switchyard-ledger.XXXXXX)"
UP_PID=""
GW_PID=""
LOAD_PID=""
PG_BIN=""
PG_DATA=""
PG_ROOT=""
AS_PG=()

stop_pid() {  # pid [signal] [seconds]: signal, wait, then SIGKILL
  local pid="$1" sig="${2:-TERM}" secs="${3:-5}" i
  [[ -n "$pid" ]] || return 0
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -"$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < secs * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { log "pid $pid still running after ${secs}s, SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }
  wait "$pid" 2>/dev/null || true
}

stop_postgres() {
  [[ -n "$PG_DATA" && -n "$PG_BIN" ]] || return 0
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 \
    || "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
  PG_DATA=""
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$LOAD_PID" TERM
  stop_pid "$GW_PID" TERM 15
  stop_pid "$UP_PID" TERM
  stop_postgres
  [[ -n "$PG_ROOT" && $KEEP_TMP -eq 0 && $rc -eq 0 ]] && rm -rf "$PG_ROOT"
  if [[ $KEEP_TMP -eq 1 || $rc -ne 0 ]]; then
    log "temp dir kept: $TMP${PG_ROOT:+ (PostgreSQL: $PG_ROOT)}"
  else
    rm -rf "$TMP"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# ---------------------------------------------------------------- build
snapshot() {  # copy of the build props and the given dirs (no bin/obj) into $TMP/src; prints the root
  local root="$TMP/src" f
  mkdir -p "$root"
  for f in Directory.Build.props Directory.Build.targets Directory.Packages.props global.json NuGet.config nuget.config; do
    [[ -e "$REPO/$f" ]] && cp "$REPO/$f" "$root/"
  done
  tar -C "$REPO" --exclude=bin --exclude=obj -cf - "$@" | tar -C "$root" -xf -
  echo "$root"
}

publish() {  # project outdir logname: dotnet publish from a snapshot, under the shared build lock
  local project="$1" out="$2" name="$3" root
  root=$(snapshot "$(dirname "$project")")
  log "dotnet publish $project -c Release -o $out (snapshot in $root; waiting for $LOCK)"
  if ! (cd "$root" && flock -w 1200 "$LOCK" timeout 900 dotnet publish "$project" -c Release -o "$out" -nologo -v q) >"$TMP/publish-$name.log" 2>&1; then
    log "dotnet publish of $project failed; last lines of $TMP/publish-$name.log:"
    grep -E 'error' "$TMP/publish-$name.log" | sort -u | tail -15 >&2 || tail -15 "$TMP/publish-$name.log" >&2
    exit 1
  fi
}

command -v dotnet >/dev/null 2>&1 || [[ -n "$GW_DIR" && -n "$LOAD_DIR" ]] || die "dotnet not found"
if [[ -z "$GW_DIR" ]]; then
  GW_DIR="$TMP/gw"
  snapshot src >/dev/null
  publish src/Switchyard.Server "$GW_DIR" gateway
  # what was built, for the TSV header of this and later --gateway-dir runs
  echo "$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo none)$( (cd "$REPO" && git status --porcelain -- src 2>/dev/null | grep -q .) && echo ' + uncommitted changes in src/') (published $(date -u +%Y-%m-%dT%H:%MZ))" >"$GW_DIR/switchyard-source.txt"
fi
[[ -x "$GW_DIR/switchyard" ]] || die "no executable $GW_DIR/switchyard"
if [[ -z "$LOAD_DIR" ]]; then
  LOAD_DIR="$TMP/load"
  publish bench/LedgerLoad "$LOAD_DIR" load
fi
[[ -x "$LOAD_DIR/LedgerLoad" ]] || die "no executable $LOAD_DIR/LedgerLoad"

# ---------------------------------------------------------------- upstream
log "starting fake upstream on :$UP_PORT (delay ${DELAY_MS} ms)"
"$LOAD_DIR/LedgerLoad" upstream --port "$UP_PORT" --delay-ms "$DELAY_MS" \
  --json "$REPO/bench/load/upstream/chat.json" --sse "$REPO/bench/load/upstream/chat.sse" >"$TMP/upstream.log" 2>&1 &
UP_PID=$!
for i in $(seq 1 100); do port_busy "$UP_PORT" && break; kill -0 "$UP_PID" 2>/dev/null || break; sleep 0.1; done
port_busy "$UP_PORT" || { cat "$TMP/upstream.log" >&2; die "fake upstream did not start"; }

mkdir -p "$TMP/bodies"
for m in "${MODE_LIST[@]}"; do
  case "$m" in
    json) sed -e 's/__MODEL__/bench/' -e 's/__STREAM_FIELDS__/"stream": false/' "$REPO/bench/load/chat-request.json" ;;
    sse) sed -e 's/__MODEL__/bench/' -e 's/__STREAM_FIELDS__/"stream": true, "stream_options": {"include_usage": true}/' "$REPO/bench/load/chat-request.json" ;;
  esac >"$TMP/bodies/$m.json"
done

# ---------------------------------------------------------------- PostgreSQL (optional)
PG_ADMIN_URL=""
if [[ $POSTGRES -eq 1 ]]; then
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [[ -n "$PG_BIN" && -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" ]] || die "--postgres: no /usr/lib/postgresql/*/bin/initdb"
  command -v psql >/dev/null 2>&1 || die "--postgres: psql not found"
  # under /tmp itself, so that the postgres user can reach it
  PG_ROOT=$(mktemp -d /tmp/switchyard-ledger-pg.XXXXXX)
  PG_DATA_DIR="$PG_ROOT/data"
  if [[ $EUID -eq 0 ]]; then
    chown -R postgres:postgres "$PG_ROOT"
    AS_PG=(runuser -u postgres --)
  fi
  log "initdb + pg_ctl start ($PG_BIN, port $PG_PORT, default durability: fsync on, synchronous_commit on)"
  "${AS_PG[@]}" "$PG_BIN/initdb" -D "$PG_DATA_DIR" -A trust -U postgres -E UTF8 >"$TMP/initdb.log" 2>&1 || { cat "$TMP/initdb.log" >&2; die "initdb failed"; }
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA_DIR" -l "$PG_ROOT/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_ROOT -c max_connections=200" start >"$TMP/pg_ctl.log" 2>&1 \
    || { cat "$TMP/pg_ctl.log" "$PG_ROOT/server.log" >&2; die "pg_ctl start failed"; }
  PG_DATA="$PG_DATA_DIR"
  PG_ADMIN_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
fi

# ---------------------------------------------------------------- gateway
start_gateway() {  # dir request_log(true|false) database_url
  local d="$1" on="$2" db="$3"
  mkdir -p "$d"
  cat >"$d/switchyard.yaml" <<EOF
# generated by bench/ledger/run.sh
models:
  - name: bench
    provider: openai-compatible
    model: gpt-4o-mini
    api_base: http://127.0.0.1:$UP_PORT/v1
    api_key: bench
    price:
      input_per_mtok: 0.15
      output_per_mtok: 0.6
server:
  master_key: $MASTER_KEY
  data_dir: $d/data
  request_log: $on
${db:+  database_url: $db}
EOF
  (cd "$d" && exec env -u OPENAI_API_KEY -u ANTHROPIC_API_KEY -u GEMINI_API_KEY -u SWITCHYARD_MASTER_KEY ${GW_ENV[@]+"${GW_ENV[@]}"} \
     "$GW_DIR/switchyard" serve --config "$d/switchyard.yaml" --host 127.0.0.1 --port "$GW_PORT") \
     >"$d/stdout.log" 2>"$d/stderr.log" &
  GW_PID=$!
  local deadline=$((SECONDS + GW_TIMEOUT)) code=""
  while [[ $SECONDS -lt $deadline ]]; do
    kill -0 "$GW_PID" 2>/dev/null || { log "gateway exited during start-up:"; tail -20 "$d/stderr.log" "$d/stdout.log" >&2; return 1; }
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$GW_PORT/health/ready" || true)
    [[ "$code" == 200 ]] && return 0
    sleep 0.2
  done
  log "gateway not ready within ${GW_TIMEOUT}s (last status ${code:-none})"; tail -20 "$d/stderr.log" >&2 || true
  return 1
}

count_rows() {  # dir database_url -> "rows completed priced" or "- - -"
  local d="$1" db="$2" out=""
  if [[ -n "$db" ]]; then
    out=$(psql -X -A -t -F ' ' "$db" -c "select count(*), count(*) filter (where state = 'completed'), count(*) filter (where cost_micros > 0) from spend_ledger" 2>/dev/null || true)
  elif [[ $HAVE_SQLITE -eq 1 && -f "$d/data/switchyard.db" ]]; then
    out=$(sqlite3 -separator ' ' "$d/data/switchyard.db" "select count(*), coalesce(sum(state = 'completed'), 0), coalesce(sum(cost_micros > 0), 0) from spend_ledger" 2>/dev/null || true)
  fi
  echo "${out:-- - -}"
}

# ---------------------------------------------------------------- run
mkdir -p "$RESULTS_DIR"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
TSV="$RESULTS_DIR/ledger-$STAMP.tsv"
COLS="kind	round	mode	request_log	db	target_rps	achieved_rps	scheduled	ok	errors	p50_ms	p90_ms	p99_ms	p999_ms	max_ms	mean_ms	svc_p50_ms	svc_p99_ms	late_p99_ms	late_max_ms	gw_cpu_us_req	load_cpu_us_req	box_busy_cores	steal_cores	ledger_rows	rows_completed	rows_priced	gw_rss_mib	loadavg	note"
DB_KIND=sqlite; [[ $POSTGRES -eq 1 ]] && DB_KIND=postgres
{
  echo "# switchyard ledger run $STAMP"
  echo "# host $(hostname) $(nproc) cpus; $(uname -sr); dotnet $(dotnet --version 2>/dev/null || echo -)"
  echo "# gateway source $(cat "$GW_DIR/switchyard-source.txt" 2>/dev/null || echo unknown)$([[ "$GW_DIR" != "$TMP/gw" ]] && echo " (from --gateway-dir $GW_DIR)"); repo now at $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo none)"
  echo "# rate ${RATE}/s open loop; warmup ${WARMUP}s; duration ${DURATION}s; rounds $ROUNDS; modes ${MODE_LIST[*]}; upstream delay ${DELAY_MS} ms; max conns $MAX_CONNS; db $DB_KIND"
  echo "# loadavg_before $(cut -d' ' -f1-3 /proc/loadavg)"
  [[ ${#GW_ENV[@]} -gt 0 ]] && echo "# gateway_env ${GW_ENV[*]}"
  echo "$COLS"
} >"$TSV"

GW_LOG_ERRORS=0
for ((r = 1; r <= ROUNDS; r++)); do
  for m in "${MODE_LIST[@]}"; do
    for on in true false; do
      label=$([[ $on == true ]] && echo on || echo off)
      d="$TMP/run-$r-$m-$label"
      db=""
      if [[ $POSTGRES -eq 1 ]]; then
        name="ledger_${r}_${m}_${label}"
        psql -X -q "$PG_ADMIN_URL" -c "CREATE DATABASE $name" >/dev/null || die "CREATE DATABASE $name failed"
        db="postgresql://postgres@127.0.0.1:$PG_PORT/$name"
      fi
      log "round $r/$ROUNDS $m request_log=$label: gateway up"
      start_gateway "$d" "$on" "$db" || die "gateway did not start (see $d)"
      la=$(cut -d' ' -f1 /proc/loadavg)
      log "round $r/$ROUNDS $m request_log=$label: ${WARMUP}s warm-up + ${DURATION}s at ${RATE}/s"
      timeout -k 5 $((WARMUP + DURATION + TIMEOUT + 60)) "$LOAD_DIR/LedgerLoad" load \
        --url "http://127.0.0.1:$GW_PORT/v1/chat/completions" --key "$MASTER_KEY" --body "$TMP/bodies/$m.json" --mode "$m" \
        --rate "$RATE" --warmup "$WARMUP" --duration "$DURATION" --max-conns "$MAX_CONNS" --timeout "$TIMEOUT" --pid "$GW_PID" \
        >"$d/load.out" 2>"$d/load.err" &
      LOAD_PID=$!
      wait "$LOAD_PID" || log "load generator exited with status $? (see $d/load.err)"
      LOAD_PID=""
      rss=$(awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/$GW_PID/status" 2>/dev/null || echo -)
      stop_pid "$GW_PID" TERM 15   # graceful: the ledger queue drains before exit
      GW_PID=""
      if grep -qiE 'fail|error|exception|crit' "$d/stderr.log" "$d/stdout.log" 2>/dev/null; then GW_LOG_ERRORS=$((GW_LOG_ERRORS + 1)); fi
      read -r rows completed priced <<<"$(count_rows "$d" "$db")"
      result=$(grep '^RESULT' "$d/load.out" || true)
      if [[ -z "$result" ]]; then
        log "no RESULT from the load generator:"; sed 's/^/    /' "$d/load.err" >&2
        printf 'run\t%s\t%s\t%s\t%s\t%s\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t%s\t%s\t%s\t%s\t%s\tload generator failed\n' \
          "$r" "$m" "$label" "$DB_KIND" "$RATE" "$rows" "$completed" "$priced" "$rss" "$la" >>"$TSV"
        continue
      fi
      python3 - "$result" "$r" "$m" "$label" "$DB_KIND" "$rows" "$completed" "$priced" "$rss" "$la" >>"$TSV" <<'EOF'
import sys
result, r, m, label, db, rows, completed, priced, rss, la = sys.argv[1:]
kv = dict(f.split("=", 1) for f in result.split("\t")[1:])
cols = ["target_rps", "achieved_rps", "scheduled", "ok", "errors", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "mean_ms",
        "svc_p50_ms", "svc_p99_ms", "late_p99_ms", "late_max_ms", "gw_cpu_us_req", "load_cpu_us_req", "box_busy_cores", "steal_cores"]
print("\t".join(["run", r, m, label, db] + [kv.get(c, "-") for c in cols] + [rows, completed, priced, rss, la, kv.get("note", "")]))
EOF
      tail -1 "$TSV" | awk -F'\t' '{printf "    %-4s %-3s %6s req/s  err %s  p50 %s  p90 %s  p99 %s  p99.9 %s  max %s ms  gwCPU %s us/req  rows %s (priced %s)  box %s cores\n", $3, $4, $7, $10, $11, $12, $13, $14, $15, $21, $25, $27, $23}' >&2
    done
  done
done
{
  echo "# loadavg_after $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# gateway_runs_with_error_lines_in_log $GW_LOG_ERRORS"
} >>"$TSV"

python3 "$HERE/report.py" --tsv-summary "$TSV" >"$TMP/summary.tsv" && cat "$TMP/summary.tsv" >>"$TSV"
python3 "$HERE/report.py" "$TSV"
echo
echo "TSV: $TSV"
[[ $KEEP_TMP -eq 1 ]] && echo "temp dir (configs, logs, raw output): $TMP"
exit 0

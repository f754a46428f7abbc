#!/usr/bin/env bash
# Load harness for Switchyard: wrk + nginx on 127.0.0.1. See bench/README.md for what the figures mean.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"

DURATION=10
WARMUP=3
CONNS="16,64"
THREADS=2
TARGETS="direct,hop,relay,gateway"
MODES="json,sse"
PROBE=1
PROBE_ROUNDS=5
PROBE_SECONDS=1
PORT_BASE=18180
GW_DIR=""
RELAY_DIR=""
RELAY_PID=""
GW_TIMEOUT=60
RESULTS_DIR="$REPO/bench/results"
KEEP_TMP=0
INSTALL=1
REQUIRE_GW=0
IN_PLACE=0
PROBE_PIN=split
PROBE_HOLD=1
GC_COUNTERS=1
GW_ENV=()
PUBLISH_ARGS=()
REQUEST_LOG=true
MASTER_KEY="sk-bench"

usage() {
  cat <<EOF
Usage: bench/load/run.sh [options]

Measures the gateway against a fixed-response nginx upstream on this machine, all on 127.0.0.1:
  direct   wrk -> nginx mock                      (ceiling of the rig)
  hop      wrk -> nginx proxy_pass -> nginx mock  (floor of "one more hop")
  relay    wrk -> kestrel-relay -> nginx mock     (bench/KestrelRelay: Kestrel + SocketsHttpHandler, no gateway work;
                                                   the floor of any .NET gateway, built and tuned as the gateway is)
  gateway  wrk -> switchyard -> nginx mock        (published Release build of src/Switchyard.Server)
in JSON and SSE modes, at each connection count, plus a serial c=1 probe (bench/load/probe.py).
Prints a table and writes a TSV under bench/results/. Every run is bounded in time; all processes
it starts are stopped on exit, Ctrl-C or failure. Installs nginx-light and wrk with apt-get when missing.

Options:
  -d, --duration SEC       seconds per measured wrk point (default $DURATION)
  -w, --warmup SEC         wrk warm-up per target and mode before measuring, 0 = none (default $WARMUP)
  -c, --connections LIST   comma-separated wrk connection counts (default $CONNS)
  -t, --threads N          wrk threads (default $THREADS)
      --targets LIST       any of direct,hop,relay,gateway (default $TARGETS)
      --modes LIST         any of json,sse,embed (default $MODES; embed = POST /v1/embeddings)
      --probe-rounds N     c=1 probe: interleaved rounds (default $PROBE_ROUNDS)
      --probe-seconds S    c=1 probe: seconds per target per round (default $PROBE_SECONDS)
      --probe-pin MODE     c=1 probe CPU placement: split (default: probe client on CPU 0, nginx and the
                           gateway on CPU 1 while probing, so every client->server hop crosses CPUs the
                           same way) or none (scheduler decides; results become bimodal on this VM)
      --probe-no-hold      c=1 probe: do not hold /dev/cpu_dma_latency at 0 (by default, as root, idle
                           vCPUs poll instead of halting while probing: removes the VM's wake-up jitter)
      --no-probe           skip the c=1 probe
      --no-gc-counters     do not attach dotnet-counters to the gateway during load points (by default, when
                           dotnet-counters is installed, allocation per request, GCs/s and GC pause share are
                           reported; install: dotnet tool install -g dotnet-counters)
      --gateway-dir DIR    use an already published gateway (DIR/switchyard); skips dotnet publish
      --relay-dir DIR      use an already published bench/KestrelRelay (DIR/kestrel-relay); skips its dotnet publish
      --gateway-env K=V    extra environment for the gateway process, repeatable (runtime knobs, e.g.
                           DOTNET_gcServer=1 or DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1)
      --request-log on|off the gateway's spend ledger and request log (server.request_log; default on)
      --gateway-timeout S  seconds to wait for GET /health/ready = 200 (default $GW_TIMEOUT)
      --require-gateway    fail if the gateway cannot be built or started (default: drop the target)
      --publish-arg ARG    extra argument for dotnet publish, repeatable (-p:PublishAot=false: the JIT build
                           instead of the default native-AOT one)
      --publish-in-place   publish from the repo itself (default: from a copy of src/ in the temp dir,
                           so the bench never touches the repo's bin/ and obj/)
      --port-base N        ports N (mock), N+1 (hop), N+2 (gateway), N+3 (relay) (default $PORT_BASE)
      --results-dir DIR    where the TSV goes (default bench/results)
      --keep-tmp           keep the temp dir (configs, logs, raw wrk output)
      --no-install         never run apt-get
  -h, --help               this text

Example: bench/load/run.sh -d 5 -c 16 --targets hop,gateway --modes json
EOF
}

die() { echo "run.sh: $*" >&2; exit 2; }
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    -d|--duration) DURATION="$2"; shift 2 ;;
    -w|--warmup) WARMUP="$2"; shift 2 ;;
    -c|--connections) CONNS="$2"; shift 2 ;;
    -t|--threads) THREADS="$2"; shift 2 ;;
    --targets) TARGETS="$2"; shift 2 ;;
    --modes) MODES="$2"; shift 2 ;;
    --probe-rounds) PROBE_ROUNDS="$2"; shift 2 ;;
    --probe-seconds) PROBE_SECONDS="$2"; shift 2 ;;
    --no-probe) PROBE=0; shift ;;
    --probe-pin) PROBE_PIN="$2"; shift 2 ;;
    --probe-no-hold) PROBE_HOLD=0; shift ;;
    --no-gc-counters) GC_COUNTERS=0; shift ;;
    --request-log) case "$2" in on) REQUEST_LOG=true ;; off) REQUEST_LOG=false ;; *) die "--request-log wants on or off" ;; esac; shift 2 ;;
    --gateway-env) [[ "$2" == *=* ]] || die "--gateway-env wants NAME=VALUE"; GW_ENV+=("$2"); shift 2 ;;
    --gateway-dir) GW_DIR="$2"; shift 2 ;;
    --relay-dir) RELAY_DIR="$2"; shift 2 ;;
    --gateway-timeout) GW_TIMEOUT="$2"; shift 2 ;;
    --require-gateway) REQUIRE_GW=1; shift ;;
    --publish-in-place) IN_PLACE=1; shift ;;
    --publish-arg) PUBLISH_ARGS+=("$2"); shift 2 ;;
    --port-base) PORT_BASE="$2"; shift 2 ;;
    --results-dir) RESULTS_DIR="$2"; shift 2 ;;
    --keep-tmp) KEEP_TMP=1; shift ;;
    --no-install) INSTALL=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

[[ "$DURATION" =~ ^[0-9]+$ && "$DURATION" -ge 1 && "$DURATION" -le 600 ]] || die "--duration must be 1..600"
[[ "$WARMUP" =~ ^[0-9]+$ && "$WARMUP" -le 120 ]] || die "--warmup must be 0..120"
[[ "$THREADS" =~ ^[0-9]+$ && "$THREADS" -ge 1 ]] || die "--threads must be >= 1"
[[ "$PORT_BASE" =~ ^[0-9]+$ && "$PORT_BASE" -ge 1024 && "$PORT_BASE" -le 65000 ]] || die "--port-base must be 1024..65000"
IFS=, read -r -a CONN_LIST <<<"$CONNS"
for c in "${CONN_LIST[@]}"; do
  [[ "$c" =~ ^[0-9]+$ && "$c" -ge "$THREADS" && "$c" -le 10000 ]] || die "bad connection count '$c' (must be >= threads)"
done
IFS=, read -r -a TARGET_LIST <<<"$TARGETS"
for t in "${TARGET_LIST[@]}"; do [[ "$t" =~ ^(direct|hop|relay|gateway)$ ]] || die "unknown target '$t'"; done
IFS=, read -r -a MODE_LIST <<<"$MODES"
for m in "${MODE_LIST[@]}"; do [[ "$m" =~ ^(json|sse|embed)$ ]] || die "unknown mode '$m'"; done
[[ "$PROBE_PIN" =~ ^(split|none)$ ]] || die "--probe-pin must be split or none"
if [[ "$PROBE_PIN" == split && ( $(nproc) -lt 2 || -z "$(command -v taskset)" ) ]]; then PROBE_PIN=none; fi

MOCK_PORT=$PORT_BASE
HOP_PORT=$((PORT_BASE + 1))
GW_PORT=$((PORT_BASE + 2))
RELAY_PORT=$((PORT_BASE + 3))
CLK_TCK=$(getconf CLK_TCK)

has_target() { local x; for x in "${TARGET_LIST[@]}"; do [[ "$x" == "$1" ]] && return 0; done; return 1; }
drop_target() {
  local x keep=()
  for x in "${TARGET_LIST[@]}"; do [[ "$x" != "$1" ]] && keep+=("$x"); done
  TARGET_LIST=("${keep[@]}")
}

# ---------------------------------------------------------------- tools
ensure_tools() {
  local missing=()
  command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  if [[ ${#missing[@]} -gt 0 ]]; then
    [[ $INSTALL -eq 1 ]] || die "missing: ${missing[*]} (and --no-install given)"
    [[ $EUID -eq 0 ]] || die "missing: ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}"
    log "installing ${missing[*]} with apt-get"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2; then
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
    fi
  fi
  command -v python3 >/dev/null 2>&1 || die "python3 is required (probe and report)"
  command -v curl >/dev/null 2>&1 || die "curl is required"
}
ensure_tools
NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"
COUNTERS_BIN=""
if [[ $GC_COUNTERS -eq 1 ]]; then
  for c in "$(command -v dotnet-counters || true)" "$HOME/.dotnet/tools/dotnet-counters" /opt/dotnet-tools/dotnet-counters; do
    [[ -n "$c" && -x "$c" ]] && { COUNTERS_BIN="$c"; break; }
  done
fi

port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
for p in "$MOCK_PORT" "$HOP_PORT" "$GW_PORT" "$RELAY_PORT"; do
  port_busy "$p" && die "port $p on 127.0.0.1 is in use; pick another --port-base"
done

# ---------------------------------------------------------------- cleanup
TMP="$(mktemp -d /tmp/switchyard-bench.XXXXXX)"
NGINX_PID=""
GW_PID=""
BG_PIDS=()

stop_pid() {  # pid [signal] : signal, wait up to 5 s, then SIGKILL
  local pid="$1" sig="${2:-TERM}" i
  [[ -n "$pid" ]] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -"$sig" "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

forget_pid() {  # drop an exact pid from BG_PIDS
  local p keep=()
  for p in "${BG_PIDS[@]}"; do [[ "$p" != "$1" ]] && keep+=("$p"); done
  BG_PIDS=("${keep[@]}")
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local p
  for p in "${BG_PIDS[@]}"; do stop_pid "$p" TERM; done
  stop_pid "$GW_PID" TERM
  stop_pid "$RELAY_PID" TERM
  local workers
  workers=$(nginx_pids | cut -s -d' ' -f2-)
  stop_pid "$NGINX_PID" QUIT   # graceful: master stops its workers
  for p in $workers; do        # a worker left behind by a master that had to be killed
    grep -qs 'nginx: worker' "/proc/$p/cmdline" && kill -KILL "$p" 2>/dev/null || true
  done
  if [[ $KEEP_TMP -eq 1 || $rc -ne 0 ]]; then
    log "temp dir kept: $TMP"
  else
    rm -rf "$TMP"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# ---------------------------------------------------------------- request bodies
mkdir -p "$TMP/bodies"
make_body() {  # mode model -> file
  local mode="$1" model="$2" f="$TMP/bodies/$1-$2.json"
  case "$mode" in
    json) sed -e "s/__MODEL__/$model/" -e 's/__STREAM_FIELDS__/"stream": false/' "$HERE/chat-request.json" >"$f" ;;
    sse) sed -e "s/__MODEL__/$model/" -e 's/__STREAM_FIELDS__/"stream": true, "stream_options": {"include_usage": true}/' "$HERE/chat-request.json" >"$f" ;;
    embed) printf '{"model": "%s", "input": "The nightly export job writes forty thousand rows into a CSV file and uploads it to object storage."}' "$model" >"$f" ;;
  esac
  echo "$f"
}

# target mode -> "port path model token"
target_spec() {
  local target="$1" mode="$2" port path model token=""
  case "$target" in
    direct) port=$MOCK_PORT ;;
    hop) port=$HOP_PORT ;;
    relay) port=$RELAY_PORT ;;
    gateway) port=$GW_PORT; token=$MASTER_KEY ;;
  esac
  case "$mode" in
    json) model=bench-json; path=/json/v1/chat/completions ;;
    sse) model=bench-sse; path=/sse/v1/chat/completions ;;
    embed) model=bench-embed; path=/json/v1/embeddings ;;
  esac
  if [[ "$target" == gateway ]]; then
    [[ "$mode" == embed ]] && path=/v1/embeddings || path=/v1/chat/completions
  fi
  echo "$port $path $model $token"
}

# ---------------------------------------------------------------- nginx
nginx_quote() {  # file -> nginx single-quoted string literal, byte-exact (trailing newlines kept)
  python3 - "$1" <<'PY'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
if "$" in s:
    sys.exit(f"fixture {sys.argv[1]} contains '$' (nginx would read it as a variable)")
sys.stdout.write("'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'")
PY
}

start_nginx() {
  local d="$TMP/nginx"
  mkdir -p "$d/temp"
  local user_line=""
  [[ $EUID -eq 0 ]] && user_line="user root;"
  local echo_module=""
  cat >"$d/nginx.conf" <<EOF
# generated by bench/load/run.sh
$user_line
worker_processes 2;
daemon off;
master_process on;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  server_tokens off;
  client_body_temp_path $d/temp/client_body;
  proxy_temp_path $d/temp/proxy;
  fastcgi_temp_path $d/temp/fastcgi;
  uwsgi_temp_path $d/temp/uwsgi;
  scgi_temp_path $d/temp/scgi;
  client_body_buffer_size 64k;
  client_max_body_size 16m;
  keepalive_requests 10000000;
  keepalive_timeout 120s;

  # fixed-response mock of an OpenAI-compatible provider
  server {
    listen 127.0.0.1:$MOCK_PORT backlog=4096;
    location = /json/v1/chat/completions { default_type application/json; return 200 $(nginx_quote "$HERE/upstream/chat.json"); }
    location = /v1/chat/completions      { default_type application/json; return 200 $(nginx_quote "$HERE/upstream/chat.json"); }
    location = /sse/v1/chat/completions {
      default_type text/event-stream;
      add_header Cache-Control no-cache;
      return 200 $(nginx_quote "$HERE/upstream/chat.sse");
    }
    location ~ ^/(json/|sse/)?v1/embeddings\$ { default_type application/json; return 200 $(nginx_quote "$HERE/upstream/embeddings.json"); }
    location ~ ^/(json/|sse/)?v1/models\$ {
      default_type application/json;
      return 200 '{"object":"list","data":[{"id":"gpt-4o-mini","object":"model","created":1721172741,"owned_by":"system"}]}';
    }
    location / { default_type application/json; return 404 '{"error":{"message":"bench mock: unknown path","type":"invalid_request_error","code":"not_found","param":null}}'; }
  }

  # one more hop, no logic: the floor any gateway is compared with
  upstream bench_mock {
    server 127.0.0.1:$MOCK_PORT;
    keepalive 256;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
  }
  server {
    listen 127.0.0.1:$HOP_PORT backlog=4096;
    location / {
      proxy_pass http://bench_mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
EOF
  "$NGINX_BIN" -t -q -p "$d" -c "$d/nginx.conf" -e "$d/error.log" >&2 || die "nginx config test failed ($d/nginx.conf)"
  "$NGINX_BIN" -p "$d" -c "$d/nginx.conf" -e "$d/error.log" >"$d/stdout.log" 2>&1 &
  NGINX_PID=$!
  local i
  for i in $(seq 1 50); do
    if port_busy "$MOCK_PORT" && port_busy "$HOP_PORT" && [[ $(nginx_pids | wc -w) -ge 3 ]]; then return 0; fi
    kill -0 "$NGINX_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$d/error.log" >&2 || true
  die "nginx did not start"
}

nginx_pids() {  # master + workers
  [[ -n "$NGINX_PID" ]] || return 0
  echo "$NGINX_PID $(cat "/proc/$NGINX_PID/task/$NGINX_PID/children" 2>/dev/null || true)"
}

# ---------------------------------------------------------------- gateway
snapshot_tree() {  # dest path... : the repo's build files and the given paths, without bin/ and obj/
  local dest="$1" f; shift
  mkdir -p "$dest"
  for f in Directory.Build.props Directory.Build.targets Directory.Packages.props global.json NuGet.config nuget.config; do
    [[ -e "$REPO/$f" ]] && cp "$REPO/$f" "$dest/"
  done
  tar -C "$REPO" --exclude=bin --exclude=obj -cf - "$@" | tar -C "$dest" -xf -
}

dotnet_publish() {  # root project outdir logfile [extra args...] : a Release publish, its errors shown when it fails
  local root="$1" project="$2" out="$3" logfile="$4"; shift 4
  log "dotnet publish $project -c Release -o $out $* (from $root)"
  if ! (cd "$root" && timeout 900 dotnet publish "$project" -c Release -o "$out" -nologo -v q "$@") >"$logfile" 2>&1; then
    log "dotnet publish $project failed; last lines of $logfile:"
    grep -E 'error|Error' "$logfile" | sort -u | tail -15 >&2 || tail -15 "$logfile" >&2
    return 1
  fi
}

publish_gateway() {
  if [[ -n "$GW_DIR" ]]; then
    [[ -x "$GW_DIR/switchyard" ]] || die "--gateway-dir $GW_DIR has no executable switchyard"
    return 0
  fi
  command -v dotnet >/dev/null 2>&1 || { log "dotnet not found"; return 1; }
  GW_DIR="$TMP/gw"
  local root="$REPO"
  if [[ $IN_PLACE -eq 0 ]]; then
    # publish a snapshot of the tree, so that our bin/ and obj/ never collide with a build running in the repo
    root="$TMP/src"
    snapshot_tree "$root" src
  fi
  dotnet_publish "$root" src/Switchyard.Server "$GW_DIR" "$TMP/publish.log" ${PUBLISH_ARGS[@]+"${PUBLISH_ARGS[@]}"} || return 1
  [[ -x "$GW_DIR/switchyard" ]] || { log "publish produced no $GW_DIR/switchyard"; return 1; }
}

start_gateway() {
  local d="$TMP/gateway"
  mkdir -p "$d"
  cat >"$d/switchyard.yaml" <<EOF
# generated by bench/load/run.sh
models:
  - name: bench-json
    provider: openai-compatible
    model: gpt-4o-mini
    api_base: http://127.0.0.1:$MOCK_PORT/json/v1
    api_key: bench
    price: {input_per_mtok: 0.15, output_per_mtok: 0.6}
  - name: bench-sse
    provider: openai-compatible
    model: gpt-4o-mini
    api_base: http://127.0.0.1:$MOCK_PORT/sse/v1
    api_key: bench
    price: {input_per_mtok: 0.15, output_per_mtok: 0.6}
  - name: bench-embed
    provider: openai-compatible
    model: text-embedding-3-small
    api_base: http://127.0.0.1:$MOCK_PORT/json/v1
    api_key: bench
    price: {input_per_mtok: 0.02, output_per_mtok: 0}
server:
  master_key: $MASTER_KEY
  request_log: $REQUEST_LOG
EOF
  # cwd = temp dir, so that ./data (SQLite etc.) lands there; provider keys of the shell are not passed on
  (cd "$d" && exec env -u OPENAI_API_KEY -u ANTHROPIC_API_KEY -u GEMINI_API_KEY -u SWITCHYARD_MASTER_KEY ${GW_ENV[@]+"${GW_ENV[@]}"} \
     "$GW_DIR/switchyard" serve --config "$d/switchyard.yaml" --host 127.0.0.1 --port "$GW_PORT") \
     >"$d/stdout.log" 2>"$d/stderr.log" &
  GW_PID=$!
  local deadline=$((SECONDS + GW_TIMEOUT)) code
  while [[ $SECONDS -lt $deadline ]]; do
    if ! kill -0 "$GW_PID" 2>/dev/null; then
      log "gateway exited during start-up; stderr/stdout tail:"
      for f in "$d/stderr.log" "$d/stdout.log"; do tail -n 20 "$f" >&2 || true; done
      GW_PID=""
      return 1
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$GW_PORT/health/ready" || true)
    [[ "$code" == 200 ]] && return 0
    sleep 0.2
  done
  log "gateway not ready within ${GW_TIMEOUT}s (last /health/ready status: ${code:-none}); log tail:"
  tail -20 "$d/stderr.log" "$d/stdout.log" >&2 || true
  stop_pid "$GW_PID" TERM
  GW_PID=""
  return 1
}

# ---------------------------------------------------------------- relay (the .NET floor)
publish_relay() {
  if [[ -n "$RELAY_DIR" ]]; then
    [[ -x "$RELAY_DIR/kestrel-relay" ]] || die "--relay-dir $RELAY_DIR has no executable kestrel-relay"
    return 0
  fi
  command -v dotnet >/dev/null 2>&1 || { log "dotnet not found"; return 1; }
  RELAY_DIR="$TMP/relay"
  local root="$TMP/relay-src"
  snapshot_tree "$root" bench/KestrelRelay
  dotnet_publish "$root" bench/KestrelRelay "$RELAY_DIR" "$TMP/publish-relay.log"
}

start_relay() {
  "$RELAY_DIR/kestrel-relay" --port "$RELAY_PORT" --upstream "http://127.0.0.1:$MOCK_PORT" >"$TMP/relay.log" 2>&1 </dev/null &
  RELAY_PID=$!
  local i code
  for i in $(seq 1 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 -X POST -H 'Content-Type: application/json' \
      --data-binary "@$(make_body json bench-json)" "http://127.0.0.1:$RELAY_PORT/json/v1/chat/completions" || true)
    [[ "$code" == 200 ]] && return 0
    kill -0 "$RELAY_PID" 2>/dev/null || break
    sleep 0.1
  done
  log "relay did not answer (last status ${code:-none}); log tail:"; tail -10 "$TMP/relay.log" >&2 || true
  stop_pid "$RELAY_PID" TERM
  RELAY_PID=""
  return 1
}

# ---------------------------------------------------------------- measurement helpers
cpu_ticks() {  # pids... -> utime+stime sum (clock ticks); fields after "(comm)" to be safe
  local sum=0 p line rest
  for p in "$@"; do
    line=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    rest=${line##*) }
    # rest: state(3) ppid(4) ... utime is field 14 overall = 12th in rest, stime 13th
    set -- $rest
    sum=$((sum + ${12} + ${13}))
  done
  echo $sum
}

box_busy_ticks() {  # "busy total steal" from /proc/stat (all CPUs)
  local _ u n s i w q sq st
  read -r _ u n s i w q sq st _ </proc/stat
  echo "$((u + n + s + q + sq)) $((u + n + s + i + w + q + sq + st)) $st"
}

rss_sampler() {  # outfile pids... : peak of summed VmRSS (kB) every 0.25 s until killed
  local out="$1"; shift
  local max=0 sum p k v
  while :; do
    sum=0
    for p in "$@"; do
      if [[ -r /proc/$p/status ]]; then
        while read -r k v _; do
          if [[ "$k" == VmRSS: ]]; then sum=$((sum + v)); break; fi
        done <"/proc/$p/status" 2>/dev/null || true
      fi
    done
    if ((sum > max)); then max=$sum; echo "$max" >"$out"; fi
    sleep 0.25
  done
}

children_cpu_us() {  # -> CHILD_CPU_US: CPU (user+sys) of this shell's reaped children, microseconds
  # must run in the current shell: `times` in a $(...) subshell would report the subshell's (empty) children
  times >"$TMP/times.txt"
  CHILD_CPU_US=$(python3 -c '
import re, sys
line = open(sys.argv[1]).read().strip().splitlines()[-1]   # e.g. "0m1.234s 0m0.567s"
print(int(sum(int(m) * 60 + float(sec) for m, sec in re.findall(r"(\d+)m([\d.]+)s", line)) * 1e6))' "$TMP/times.txt")
}

rss_now_kb() {
  local sum=0 p k v
  for p in "$@"; do
    [[ -r /proc/$p/status ]] || continue
    while read -r k v _; do [[ "$k" == VmRSS: ]] && { sum=$((sum + v)); break; }; done <"/proc/$p/status"
  done
  echo $sum
}

TSV_COLS="kind	mode	target	conns	threads	seconds	requests	req_s	p50_ms	p90_ms	p99_ms	ttfb_p50_ms	ttfb_p90_ms	ttfb_p99_ms	non2xx	sock_err	bytes_per_req	gw_cpu_us_req	nginx_cpu_us_req	box_cores	rss_peak_mib	nginx_rss_mib	note	wrk_cores	other_cores	steal_cores	alloc_b_req	gc0_s	gc1_s	gc2_s	gc_pause_pct"

run_wrk() {  # target mode conns seconds outfile
  local target="$1" mode="$2" conns="$3" secs="$4" out="$5"
  local port path model token body
  read -r port path model token <<<"$(target_spec "$target" "$mode")"
  body="$TMP/bodies/$mode-$model.json"
  BENCH_BODY_FILE="$body" BENCH_PATH="$path" BENCH_AUTH="$token" \
    timeout -k 5 $((secs + 30)) wrk -t "$THREADS" -c "$conns" -d "${secs}s" --timeout 5s --latency \
      -s "$HERE/chat.lua" "http://127.0.0.1:$port" >"$out" 2>&1 &
  local wpid=$!
  BG_PIDS+=("$wpid")
  wait "$wpid" || log "wrk exited with status $? for $target/$mode/c$conns (see below)"
  forget_pid "$wpid"
}

measure_point() {  # target mode conns
  local target="$1" mode="$2" conns="$3"
  local out="$TMP/wrk/$mode-$target-c$conns.txt"
  local npids gpids="" rss_pids rssf="$TMP/wrk/rss-$mode-$target-c$conns" nrssf
  nrssf="$rssf.nginx"
  npids=$(nginx_pids)
  [[ "$target" == gateway ]] && gpids="$GW_PID"
  [[ "$target" == relay ]] && gpids="$RELAY_PID"
  rss_pids=${gpids:-$npids}
  echo 0 >"$rssf"; echo 0 >"$nrssf"
  rss_sampler "$rssf" $rss_pids &
  local s1=$!; BG_PIDS+=("$s1")
  rss_sampler "$nrssf" $npids &
  local s2=$!; BG_PIDS+=("$s2")
  local g0=0 g1=0 n0 n1 b0 b1 t0 t1
  [[ -n "$gpids" ]] && g0=$(cpu_ticks $gpids)
  n0=$(cpu_ticks $npids)
  b0=$(box_busy_ticks)
  local cntf="$TMP/wrk/counters-$mode-$target-c$conns.csv" cpid=""
  if [[ -n "$gpids" && -n "$COUNTERS_BIN" && $DURATION -ge 4 ]]; then
    # --duration: it must end by itself (killed, it writes nothing and leaves its session in the gateway)
    timeout -k 2 $((DURATION + 15)) "$COUNTERS_BIN" collect -p "$gpids" --refresh-interval 1 --format csv -o "$cntf" \
      --duration "$(d=$((DURATION - 1)); printf '00:%02d:%02d:%02d' $((d / 3600)) $((d % 3600 / 60)) $((d % 60)))" --counters 'System.Runtime[dotnet.gc.heap.total_allocated,dotnet.gc.collections,dotnet.gc.pause.time]' \
      >"$TMP/wrk/counters.log" 2>&1 </dev/null &
    cpid=$!; BG_PIDS+=("$cpid")
  fi
  local w0 w1
  children_cpu_us; w0=$CHILD_CPU_US
  t0=$(date +%s%N)
  run_wrk "$target" "$mode" "$conns" "$DURATION" "$out"
  t1=$(date +%s%N)
  children_cpu_us; w1=$CHILD_CPU_US
  b1=$(box_busy_ticks)
  n1=$(cpu_ticks $npids)
  [[ -n "$gpids" ]] && g1=$(cpu_ticks $gpids)
  stop_pid "$s1" TERM; stop_pid "$s2" TERM
  if [[ -n "$cpid" ]]; then wait "$cpid" 2>/dev/null || true; forget_pid "$cpid"; fi
  forget_pid "$s1"; forget_pid "$s2"
  local stat
  stat=$(grep '^WRKSTAT' "$out" || true)
  if [[ -z "$stat" ]]; then
    log "no WRKSTAT from wrk for $target/$mode/c$conns:"; sed 's/^/    /' "$out" >&2
    printf 'load\t%s\t%s\t%s\t%s\t%s\t0\t0\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\twrk failed\t-\t-\t-\t-\t-\t-\t-\t-\n' \
      "$mode" "$target" "$conns" "$THREADS" "$DURATION" >>"$TSV"
    return 0
  fi
  python3 - "$stat" "$mode" "$target" "$conns" "$THREADS" "$g0" "$g1" "$n0" "$n1" "$b0" "$b1" "$t0" "$t1" \
      "$(cat "$rssf")" "$(cat "$nrssf")" "$CLK_TCK" "$([[ -n "$gpids" ]] && echo 1 || echo 0)" "$w0" "$w1" "$cntf" >>"$TSV" <<'EOF'
import os, sys
(stat, mode, target, conns, threads, g0, g1, n0, n1, b0, b1, t0, t1, rss, nrss, clk, has_gw, w0, w1, cntf) = sys.argv[1:]
kv = dict(f.split("=", 1) for f in stat.split("\t")[1:])
req = int(kv["requests"]); dur = int(kv["duration_us"]) / 1e6
clk = int(clk)
busy0, tot0, st0 = map(int, b0.split()); busy1, tot1, st1 = map(int, b1.split())
wall = (int(t1) - int(t0)) / 1e9
ncpu = os.cpu_count() or 1
# cores from tick shares (robust against lumpy tick accounting), not from wall time
cores = lambda ticks: ticks / max(1, tot1 - tot0) * ncpu
def us_per_req(a, b):
    return f"{(int(b) - int(a)) / clk * 1e6 / req:.1f}" if req else "-"
non2xx = int(kv["err_status"])
sock = sum(int(kv[k]) for k in ("err_connect", "err_read", "err_write", "err_timeout"))
row = ["load", mode, target, conns, threads, f"{dur:.2f}", str(req), f"{req / dur:.0f}",
       f"{int(kv['lat_p50_us']) / 1000:.3f}", f"{int(kv['lat_p90_us']) / 1000:.3f}", f"{int(kv['lat_p99_us']) / 1000:.3f}",
       "-", "-", "-", str(non2xx), str(sock), f"{int(kv['bytes']) / req:.0f}" if req else "-",
       us_per_req(g0, g1) if has_gw == "1" else "-", us_per_req(n0, n1),
       f"{cores(busy1 - busy0):.2f}",
       f"{int(rss) / 1024:.0f}", f"{int(nrss) / 1024:.0f}", "",
       f"{cores((int(w1) - int(w0)) / 1e6 * clk):.2f}",
       f"{max(0.0, cores(busy1 - busy0 - (int(g1) - int(g0) + int(n1) - int(n0)) - (int(w1) - int(w0)) / 1e6 * clk)):.2f}",
       f"{cores(st1 - st0):.2f}"]
# dotnet-counters: per-second rates; use the whole seconds inside the wrk run (drop first and last sample)
gc = ["-"] * 5
try:
    series = {}
    for line in open(cntf, encoding="utf-8").read().splitlines()[1:]:
        f = line.rsplit(",", 2)
        if len(f) != 3:
            continue
        stamp_name, value = f[0], float(f[2])
        stamp, _, name = stamp_name.partition(",System.Runtime,")
        series.setdefault(name, {})[stamp] = value
    def mean_mid(name_part):
        vals = []
        for name, by_t in series.items():
            if name_part in name:
                v = [by_t[k] for k in sorted(by_t)]
                vals.append(v[1:-1] if len(v) > 2 else v)
        if not vals:
            return None
        n = min(len(v) for v in vals)
        return sum(sum(v[:n]) for v in vals) / n if n else None
    rps = req / dur if dur else 0
    alloc = mean_mid("total_allocated")
    g0s, g1s, g2s = (mean_mid(f"generation={g}]") for g in ("gen0", "gen1", "gen2"))
    pause = mean_mid("pause.time")
    if alloc is not None and rps:
        gc = [f"{alloc / rps:.0f}", f"{g0s or 0:.1f}", f"{g1s or 0:.1f}", f"{g2s or 0:.1f}", f"{(pause or 0) * 100:.2f}"]
except (OSError, ValueError):
    pass
row += gc
print("\t".join(row))
EOF
  tail -1 "$TSV" | awk -F'\t' '{printf "    %-7s %-5s c=%-4s %8s req/s  p50 %s ms  p99 %s ms  non2xx %s  sockerr %s  gwCPU %s us/req  nginxCPU %s us/req\n", $3, $2, $4, $8, $9, $11, $15, $16, $18, $19}' >&2
}

# ---------------------------------------------------------------- run
mkdir -p "$TMP/wrk" "$RESULTS_DIR"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
TSV="$RESULTS_DIR/load-$STAMP.tsv"

if has_target gateway; then
  if ! publish_gateway; then
    [[ $REQUIRE_GW -eq 1 ]] && die "gateway build failed"
    log "gateway target dropped (build failed)"; drop_target gateway
  fi
fi

if has_target relay; then
  if ! publish_relay; then
    [[ $REQUIRE_GW -eq 1 ]] && die "relay build failed"
    log "relay target dropped (build failed)"; drop_target relay
  fi
fi

log "starting nginx (mock :$MOCK_PORT, hop :$HOP_PORT)"
start_nginx

# sanity: the mock answers as intended
for m in "${MODE_LIST[@]}"; do
  read -r port path model token <<<"$(target_spec direct "$m")"
  b=$(make_body "$m" "$model")
  code=$(curl -s -o "$TMP/check-$m" -w '%{http_code} %{content_type}' -X POST -H 'Content-Type: application/json' --data-binary "@$b" "http://127.0.0.1:$HOP_PORT$path")
  [[ "$code" == 200* ]] || die "nginx hop answered '$code' for $path"
  log "upstream $m: $code, $(wc -c <"$TMP/check-$m") bytes"
  make_body "$m" bench-json >/dev/null; make_body "$m" bench-sse >/dev/null; make_body "$m" bench-embed >/dev/null
done

if has_target gateway; then
  log "starting gateway on :$GW_PORT ($GW_DIR/switchyard)"
  if ! start_gateway; then
    [[ $REQUIRE_GW -eq 1 ]] && die "gateway did not start"
    log "gateway target dropped (did not become ready)"; drop_target gateway
  else
    log "gateway ready, pid $GW_PID, RSS $(( $(rss_now_kb "$GW_PID") / 1024 )) MiB idle"
  fi
fi
if has_target relay; then
  log "starting relay on :$RELAY_PORT ($RELAY_DIR/kestrel-relay)"
  if ! start_relay; then
    [[ $REQUIRE_GW -eq 1 ]] && die "relay did not start"
    log "relay target dropped (did not answer)"; drop_target relay
  fi
fi
[[ ${#TARGET_LIST[@]} -gt 0 ]] || die "no targets left"

GW_RSS_IDLE="-"
[[ -n "$GW_PID" ]] && GW_RSS_IDLE=$(( $(rss_now_kb "$GW_PID") / 1024 ))
NGINX_RSS_IDLE=$(( $(rss_now_kb $(nginx_pids)) / 1024 ))
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "# switchyard load run $STAMP"
  echo "# host $(hostname) $(nproc) cpus; $(uname -sr); nginx $("$NGINX_BIN" -v 2>&1 | sed 's/.*\///'); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); dotnet $(dotnet --version 2>/dev/null || echo -)"
  echo "# source $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo none)$( (cd "$REPO" && git status --porcelain -- src 2>/dev/null | grep -q .) && echo ' + uncommitted changes in src/')$([[ -n "$GW_DIR" && "$GW_DIR" != "$TMP/gw" ]] && echo " (gateway from --gateway-dir $GW_DIR)")"
  echo "# duration ${DURATION}s warmup ${WARMUP}s threads $THREADS conns $CONNS targets ${TARGET_LIST[*]} modes ${MODE_LIST[*]} probe ${PROBE_ROUNDS}x${PROBE_SECONDS}s pin=$PROBE_PIN hold_cpu_awake=$([[ $PROBE_HOLD -eq 1 && -w /dev/cpu_dma_latency ]] && echo yes || echo no)"
  echo "# loadavg_before $LOAD_BEFORE"
  echo "# rss_idle_mib gateway=$GW_RSS_IDLE nginx=$NGINX_RSS_IDLE"
  [[ ${#GW_ENV[@]} -gt 0 ]] && echo "# gateway_env ${GW_ENV[*]}"
  echo "$TSV_COLS"
} >"$TSV"
log "load average before: $LOAD_BEFORE"

# warm-up (JIT, connection pools), not recorded
if [[ "$WARMUP" -gt 0 ]]; then
  for m in "${MODE_LIST[@]}"; do
    for t in "${TARGET_LIST[@]}"; do
      log "warm-up $t $m ${WARMUP}s"
      run_wrk "$t" "$m" "${CONN_LIST[0]}" "$WARMUP" "$TMP/wrk/warmup-$m-$t.txt"
      w=$(grep '^WRKSTAT' "$TMP/wrk/warmup-$m-$t.txt" || true)
      [[ -n "$w" ]] || { log "warm-up of $t/$m produced no stats:"; sed 's/^/    /' "$TMP/wrk/warmup-$m-$t.txt" >&2; }
    done
  done
fi

# serial probe at c=1
if [[ $PROBE -eq 1 ]]; then
  for m in "${MODE_LIST[@]}"; do
    [[ "$m" == embed ]] && continue
    args=()
    for t in "${TARGET_LIST[@]}"; do
      read -r port path model token <<<"$(target_spec "$t" "$m")"
      args+=(--target "$t,$port,$path,$TMP/bodies/$m-$model.json${token:+,$token}")
    done
    pin=()
    hold=""
    [[ $PROBE_HOLD -eq 1 && -w /dev/cpu_dma_latency ]] && hold=1
    log "c=1 probe $m: ${PROBE_ROUNDS} rounds x ${PROBE_SECONDS}s per target (pin: $PROBE_PIN, hold cpu awake: ${hold:-no})"
    if [[ "$PROBE_PIN" == split ]]; then
      pin=(taskset -c 0)
      for p in $(nginx_pids) $GW_PID $RELAY_PID; do taskset -a -p -c 1 "$p" >/dev/null 2>&1 || true; done
    fi
    timeout -k 5 $(( (PROBE_ROUNDS * ${PROBE_SECONDS%.*} + 2) * ${#TARGET_LIST[@]} + 60 )) \
      "${pin[@]}" python3 "$HERE/probe.py" ${hold:+--hold-cpu-awake} --mode "$m" --rounds "$PROBE_ROUNDS" --seconds "$PROBE_SECONDS" "${args[@]}" >"$TMP/probe-$m.txt" \
      || log "probe $m exited with status $?"
    if [[ "$PROBE_PIN" == split ]]; then
      for p in $(nginx_pids) $GW_PID $RELAY_PID; do taskset -a -p -c "0-$(( $(nproc) - 1 ))" "$p" >/dev/null 2>&1 || true; done
    fi
    # PROBE mode target n errors p50 p90 p99 mean ttfb50 ttfb90 ttfb99 gw_hdr check
    awk -F'\t' -v th="$THREADS" '$1=="PROBE" {
      printf "probe\t%s\t%s\t1\t1\t-\t%s\t-\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t-\t-\t-\t-\t-\t-\t-\tmean=%s gw_overhead_hdr_p50=%s %s\t-\t-\t-\t-\t-\t-\t-\t-\n",
        $2, $3, $4, $6, $7, $8, $10, $11, $12, $5, $9, $13, $14 }' "$TMP/probe-$m.txt" >>"$TSV"
    grep '^PROBE' "$TMP/probe-$m.txt" | awk -F'\t' '{printf "    %-7s %-4s n=%-6s err=%-4s p50 %s p99 %s ttfb50 %s ms  %s\n", $3, $2, $4, $5, $6, $8, $10, $14}' >&2
  done
fi

# measured points, targets interleaved at each point
for m in "${MODE_LIST[@]}"; do
  for c in "${CONN_LIST[@]}"; do
    for t in "${TARGET_LIST[@]}"; do
      log "wrk $t $m c=$c t=$THREADS ${DURATION}s"
      measure_point "$t" "$m" "$c"
      if [[ "$t" == gateway ]] && ! kill -0 "$GW_PID" 2>/dev/null; then
        log "gateway process died during the run; stderr tail:"; tail -20 "$TMP/gateway/stderr.log" >&2 || true
        drop_target gateway; GW_PID=""
      fi
    done
  done
done

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
GW_RSS_END="-"
GW_RSS_HWM="-"
if [[ -n "$GW_PID" ]]; then
  GW_RSS_END=$(( $(rss_now_kb "$GW_PID") / 1024 ))
  # the kernel's high-water mark: every spike of the run (a GC's), not only those a 0.25 s sample happens to catch
  GW_RSS_HWM=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$GW_PID/status" 2>/dev/null || echo "-")
fi
{
  echo "# loadavg_after $LOAD_AFTER"
  echo "# rss_end_mib gateway=$GW_RSS_END"
  echo "# rss_hwm_mib gateway=$GW_RSS_HWM"
} >>"$TSV"
log "load average after: $LOAD_AFTER"

if [[ -n "$GW_PID" ]]; then
  # things the gateway said while under load (first distinct lines), for the reader
  if [[ -s "$TMP/gateway/stderr.log" || -s "$TMP/gateway/stdout.log" ]]; then
    n=$(cat "$TMP/gateway/stderr.log" "$TMP/gateway/stdout.log" | wc -l)
    echo "# gateway_log_lines $n" >>"$TSV"
    # distinct messages: timestamps and request ids folded, first 240 characters, most frequent first
    grep -hiE 'fail|error|exception|warn|crit' "$TMP/gateway/stderr.log" "$TMP/gateway/stdout.log" 2>/dev/null \
      | sed -E 's/^[0-9:.]+ //; s/req_[0-9a-zA-Z]+/req_*/g' | cut -c1-240 \
      | sort | uniq -c | sort -rn | head -8 | sed 's/^ */# gateway_log x/' >>"$TSV" || true
  fi
fi

python3 "$HERE/report.py" "$TSV"
echo
echo "TSV: $TSV"
[[ $KEEP_TMP -eq 1 ]] && echo "temp dir (configs, logs, raw wrk output): $TMP"
exit 0

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Runs the standard benchmark scenarios against the bare relay (the floor) and
# against optiverse-collab-server, and prints a Markdown table.
#
#   bench/run-bench.sh [BUILD_DIR]        (default: $BUILD_DIR or /work/main/build)
#
# Environment: BENCH_DURATION (10), BENCH_WARMUP (2) seconds of measured/warm-up
# load; BENCH_REPEAT (3) runs of each load scenario per server, the median by
# p99 goes in the table; BENCH_LOG_DIR for the per-run logs and JSON (default:
# a temp dir).
# Each server is started fresh on a free loopback port for each scenario and
# stopped afterwards; scenarios alternate between the servers so background
# load on a shared machine hits both alike. Total runtime: about 4 minutes.
set -euo pipefail

SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-${BUILD_DIR:-/work/main/build}}
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
REPEAT=${BENCH_REPEAT:-3}
LOG_DIR=${BENCH_LOG_DIR:-$(mktemp -d /tmp/optiverse-bench.XXXXXX)}
mkdir -p "$LOG_DIR"

log() { printf '%s\n' "$*" >&2; }

# --- build ------------------------------------------------------------------
if [[ ! -f "$BUILD/build.ninja" && ! -f "$BUILD/Makefile" ]]; then
    log "Configuring $BUILD (Release, tests off)…"
    gen=()
    command -v ninja >/dev/null && gen=(-G Ninja)
    cmake -S "$SRC_DIR" -B "$BUILD" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >"$LOG_DIR/configure.log" 2>&1 \
        || { log "configure failed, see $LOG_DIR/configure.log"; exit 1; }
fi
log "Building benchmark targets in $BUILD…"
cmake --build "$BUILD" --target optiverse-collab-bench optiverse-bare-relay -j2 >"$LOG_DIR/build.log" 2>&1 \
    || { log "build failed, see $LOG_DIR/build.log"; exit 1; }
cmake --build "$BUILD" --target optiverse-collab-server -j2 >>"$LOG_DIR/build.log" 2>&1 \
    || log "note: target optiverse-collab-server did not build (see $LOG_DIR/build.log)"

BIN="$BUILD/bin"
BENCH="$BIN/optiverse-collab-bench"
RELAY="$BIN/optiverse-bare-relay"
SERVER="$BIN/optiverse-collab-server"
[[ -x "$BENCH" && -x "$RELAY" ]] || { log "missing $BENCH or $RELAY"; exit 1; }
HAVE_SERVER=0
if [[ -x "$SERVER" ]]; then HAVE_SERVER=1; else log "note: $SERVER not found: our server is skipped"; fi

# 1,000 idle connections plus the load clients need more than 1,024 descriptors
# (the relay and the bench raise their own soft limit; this covers any server).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# LAN announcements of the server under test stay on this computer.
export OPTIVERSE_DISCOVERY_INTERFACES=lo

# --- servers ------------------------------------------------------------------
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT

free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# start_server NAME LOGFILE -> sets SERVER_PID and PORT
OURS_ARGS=(--max-connections-per-address 2000 --max-handshakes-per-address 128)

start_server() {
    local name=$1 logfile=$2
    PORT=$(free_port) || { log "no free port"; return 1; }
    case "$name" in
        relay) "$RELAY" --host 127.0.0.1 --port "$PORT" >"$logfile" 2>&1 & ;;
        # Default limits: the host's 10,000-item push (~1.7 MB) is within --max-state-bytes.
        # Every load client comes from 127.0.0.1: the per-address caps are raised to let
        # 1,000 idle connections and 64 handshakes at once through, as from many computers.
        ours) "$SERVER" --host 127.0.0.1 --port "$PORT" "${OURS_ARGS[@]}" >"$logfile" 2>&1 & ;;
        # The cost of durability: every command committed to SQLite (WAL) first.
        ours-durable)
            rm -rf "$LOG_DIR/data"
            "$SERVER" --host 127.0.0.1 --port "$PORT" "${OURS_ARGS[@]}" --data-dir "$LOG_DIR/data" >"$logfile" 2>&1 & ;;
    esac
    SERVER_PID=$!
    for _ in $(seq 1 100); do
        if grep -q '^Ready\.' "$logfile" 2>/dev/null; then return 0; fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
        sleep 0.1
    done
    log "$name did not become ready, see $logfile"
    cleanup
    SERVER_PID=""
    return 1
}

stop_server() {
    cleanup
    SERVER_PID=""
}

# CPU time the hypervisor gave to other guests ("steal"), in % of all CPU time
# since the "cpu" line $1 of /proc/stat: on a shared VM it, not the server,
# often decides p99.
cpu_line() { head -n 1 /proc/stat; }
steal_since() {
    awk -v before="$1" 'BEGIN { split(before, b, " ") }
        { t = 0; for (i = 2; i <= 9; i++) t += $i - b[i]; printf "%.0f", (t > 0 ? 100 * ($9 - b[9]) / t : 0); exit }' /proc/stat
}

ROWS=()
SPREAD=()
LAST_STEAL=0
# run NAME LABEL SCENARIO-ARGS…   (appends the table row to ROWS)
run() {
    local name=$1 label=$2
    shift 2
    local tag="${name}-$(echo "$label" | tr -c 'a-zA-Z0-9' '_')${RUN_SUFFIX:-}"
    log "[$name] $label…"
    if ! start_server "$name" "$LOG_DIR/$tag.server.log"; then
        ROWS+=("| $name | $label | server did not start | | | | | | | | |")
        return
    fi
    local row before
    before=$(cpu_line)
    row=$(timeout 150 "$BENCH" --url "ws://127.0.0.1:$PORT" --server-pid "$SERVER_PID" \
              --warmup "$WARMUP" --duration "$DURATION" --markdown "$name | $label" "$@" \
              2>"$LOG_DIR/$tag.bench.log" | tail -n 1) || true
    [[ -n "$row" ]] || row="| $name | $label | bench failed, see $LOG_DIR/$tag.bench.log | | | | | | | | |"
    LAST_STEAL=$(steal_since "$before")
    sed 's/^/    /' "$LOG_DIR/$tag.bench.log" >&2
    log "    CPU steal during the run: ${LAST_STEAL}%"
    ROWS+=("$row")
    stop_server
}

SERVERS=(relay)
[[ $HAVE_SERVER == 1 ]] && SERVERS+=(ours)

# repeat LABEL SCENARIO-ARGS…: REPEAT runs per server, alternating, so a
# stall of this shared machine hits one run, not one server. The table gets
# each server's median run by p99; SPREAD lists every run's p99 and CPU.
repeat() {
    local label=$1
    shift
    local -A runs=()
    for r in $(seq 1 "$REPEAT"); do
        for s in "${SERVERS[@]}"; do
            RUN_SUFFIX="-$r" run "$s" "$label" "$@"
            runs[$s]+="${ROWS[-1]}"$'\t'"${LAST_STEAL}"$'\n'
            unset 'ROWS[-1]'
        done
    done
    for s in "${SERVERS[@]}"; do
        # field 6 is p99 (fields are split on '|'; field 1 is empty)
        local sorted
        # lines are "ROW<TAB>STEAL"; sorted by p99
        sorted=$(printf '%s' "${runs[$s]}" | awk -F'|' 'NF > 10 { v=$6; gsub(/ /,"",v); print (v ~ /^[0-9.]+$/ ? v : 1e9) "\t" $0 }' \
                     | sort -g | cut -f2-)
        local n
        n=$(printf '%s\n' "$sorted" | grep -c '^|' || true)
        ROWS+=("$(printf '%s\n' "$sorted" | sed -n "$(( (n + 1) / 2 ))p" | cut -f1)")
        SPREAD+=("$s, $label: p99 $(printf '%s\n' "$sorted" | awk -F'|' '{gsub(/ /,"",$6); printf "%s ", $6}')ms; CPU $(printf '%s\n' "$sorted" | awk -F'|' '{gsub(/ /,"",$10); printf "%s ", $10}')µs/delivery; CPU steal $(printf '%s\n' "$sorted" | awk -F'\t' '{printf "%s%% ", $2}')")
    done
}

start=$(date +%s)
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
START_CPU=$(cpu_line)
for s in "${SERVERS[@]}"; do run "$s" "1,000 idle connections" --sessions 0 --idle-connections 1000; done
repeat "1×10 clients×100/s" --sessions 1 --clients 10 --rate 100
repeat "10×10 clients×10/s" --sessions 10 --clients 10 --rate 10
if [[ $HAVE_SERVER == 1 ]]; then
    run ours "join 10,000 items" --sessions 0 --join-items 10000
    run ours-durable "10×10 clients×10/s" --sessions 10 --clients 10 --rate 10
fi
elapsed=$(( $(date +%s) - start ))
TOTAL_STEAL=$(steal_since "$START_CPU")

echo
echo "Optiverse collaboration benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $(uname -sr), Qt $(pkg-config --modversion Qt6Core 2>/dev/null || echo '?'), warm-up ${WARMUP} s, measured ${DURATION} s, load average at start ${LOADAVG}, CPU steal ${TOTAL_STEAL}% (time the hypervisor gave to other guests)"
echo
echo "| Server | Scenario | Deliveries/s | p50 ms | p99 ms | max ms | Lost | Cross-session | Server CPU µs/delivery | KiB/idle conn | Join ms (connect→state / request→state) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
echo
echo "Load rows are each server's median run by p99 of ${REPEAT} (runs alternate between servers); every run, sorted by p99:"
printf -- '- %s\n' "${SPREAD[@]}"
echo

# --- targets (ours against the relay measured in this run) -------------------
if [[ $HAVE_SERVER == 1 ]]; then
    # field N of the row whose label matches: fields are split on '|'
    cell() { printf '%s\n' "${ROWS[@]}" | awk -F'|' -v s=" $1 " -v l="$2" -v n="$3" \
                 '$2==s && index($3,l) { gsub(/ /,"",$n); print $n }'; }
    verdict() { if [[ ${1:-0} == 1 ]]; then echo "met"; else echo "**missed**"; fi; }
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.2f", a/b; else print "n/a" }'; }
    le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && b != "" && a+0 <= b+0) }'; }
    lost=$(cell ours "10×10" 8); cross=$(cell ours "10×10" 9)
    p99o=$(cell ours "10×10" 6); p99r=$(cell relay "10×10" 6)
    cpuo=$(cell ours "10×10" 10); cpur=$(cell relay "10×10" 10)
    rsso=$(cell ours "idle" 11); rssr=$(cell relay "idle" 11)
    join=$(cell ours "join" 12); joinconn=${join%%/*}
    rp=$(ratio "$p99o" "$p99r"); rc=$(ratio "$cpuo" "$cpur")
    echo "Targets for our server:"
    echo "- 10×10×10/s: lost $lost, cross-session $cross — $(verdict $([[ $lost == 0 && $cross == 0 ]] && echo 1))"
    echo "- 10×10×10/s p99 ${p99o} ms vs relay ${p99r} ms = ×${rp} (≤ 1.5) — $(verdict $(le "$rp" 1.5 && echo 1))"
    echo "- 10×10×10/s CPU ${cpuo} vs relay ${cpur} µs/delivery = ×${rc} (≤ 1.5) — $(verdict $(le "$rc" 1.5 && echo 1))"
    echo "- RSS per idle connection ${rsso} KiB vs relay ${rssr} KiB (≤) — $(verdict $(le "$rsso" "$rssr" && echo 1))"
    echo "- 10,000-item join: connect→state / request→state ${join} ms (connect→state < 100) — $(verdict $(le "$joinconn" 100 && echo 1))"
    echo
fi
echo "Total ${elapsed} s; logs and per-run output in $LOG_DIR"

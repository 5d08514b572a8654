#!/usr/bin/env bash
# The demo: a collaboration server and two host windows joined to one session.
# An edit in one window appears in the other. Without a display the same demo
# runs offscreen and prints every change as it is synced.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scripts/bootstrap.sh
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target optiverse-collab-server optiverse-host-stub optiverse_collaboration
bin=$root/$build/bin

work=$(mktemp -d)
export XDG_CONFIG_HOME=$work/config # the demo never touches your own settings
export OPTIVERSE_DISCOVERY_INTERFACES=lo # LAN announcements stay on this computer
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# Start the server on 8765, or the next free port.
port=${PORT:-8765}
for _ in $(seq 1 20); do
    "$bin/optiverse-collab-server" --host 127.0.0.1 --port "$port" >"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 50); do
        grep -q '^Ready\.' "$work/server.log" 2>/dev/null && break
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    grep -q '^Ready\.' "$work/server.log" && break
    server_pid=""
    port=$((port + 1))
done
[ -n "$server_pid" ] || { echo "Could not start the server:"; cat "$work/server.log"; exit 1; }
url=ws://127.0.0.1:$port
echo "Server running at $url (session \"demo\")"

host() { # name script [extra args]
    local name=$1 script=$2; shift 2
    QT_LOGGING_RULES="optiverse.collab.info=true" "$bin/optiverse-host-stub" --enable-plugin Collaboration \
        --collab-connect "$url" --collab-session demo --collab-name "$name" --script "$script" "$@"
}

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "${QT_QPA_PLATFORM:-}" != offscreen ]; then
    echo "Two windows open: alice and bob. Insert, drag, edit or delete items in one and watch the other."
    echo "Close both windows to end the demo."
    host alice "$root/demo/alice.json" &
    host bob "$root/demo/bob.json" &
    wait %2 %3 2>/dev/null || true
else
    echo "No display found: running the same demo offscreen and printing each change as it is synced."
    export QT_QPA_PLATFORM=offscreen
    host alice "$root/demo/alice.json" --dump-scene "$work/alice.json" --quit-after 4000 2>&1 | sed -u 's/^/[alice] /' | grep -v -e propagateSizeHints -e XDG_RUNTIME_DIR &
    host bob "$root/demo/bob.json" --dump-scene "$work/bob.json" --quit-after 4000 2>&1 | sed -u 's/^/[bob]   /' | grep -v -e propagateSizeHints -e XDG_RUNTIME_DIR &
    wait %2 %3
    items=$(grep -c '"item_uuid"' "$work/alice.json" || true)
    if cmp -s "$work/alice.json" "$work/bob.json"; then
        echo "Both scenes are identical ($items items):"
        cat "$work/alice.json"
    else
        echo "The scenes differ:"; diff "$work/alice.json" "$work/bob.json" || true
        exit 1
    fi
fi

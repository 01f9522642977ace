#!/usr/bin/env bash
# Hostile HTTP clients, scripted (issue 13): starts the shipped gateway (file mode, loopback only) with one route the
# gateway answers itself, opens HOSTILE_CLIENTS idle keep-alive clients (default 10,000; each makes one request, then
# stays connected), and checks that a normal client is served while they hold their connections and that the process
# is still up; then the idle clients leave, a normal client must be served again and a bare-LF request be refused
# with 400. Repeated HOSTILE_RUNS times (default 3), each with a new gateway. Every wait is bounded.
# HOSTILE_NOFILE=N starts the gateway under `ulimit -n N` (default: this shell's hard limit); below about
# HOSTILE_CLIENTS * 4/3 + 400 the cap (--max-connections auto) refuses clients beyond it, and the normal client is only
# required to be served once the idle ones are gone. HOSTILE_MAX_CONNECTIONS=N passes --max-connections N (default
# auto); a cap above what HOSTILE_NOFILE allows runs the descriptors out, and the gateway must refuse connections
# with its descriptor reserve released, stay up, and serve again once the idle clients leave.
# Usage: scripts/run-hostile-http.sh [--keep]   (--keep leaves the temporary folder and the logs)
# Needs: the .NET 10 SDK, python3 and curl; a hard descriptor limit above HOSTILE_CLIENTS + 100 for the clients.
set -euo pipefail
cd "$(dirname "$0")/.."
keep=${1:-}
command -v curl >/dev/null || { echo "missing curl" >&2; exit 2; }
command -v python3 >/dev/null || { echo "missing python3" >&2; exit 2; }
clients=${HOSTILE_CLIENTS:-10000}
runs=${HOSTILE_RUNS:-3}
max_connections=${HOSTILE_MAX_CONNECTIONS:-auto}
ulimit -n "$(ulimit -Hn)"
nofile=${HOSTILE_NOFILE:-$(ulimit -Hn)}
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((clients + 100)) ]; then
  echo "this shell may open $(ulimit -n) descriptors, too few for $clients clients" >&2; exit 2
fi

work=$(mktemp -d /tmp/hostile-http.XXXXXX)
address=127.0.0.1
port=${HOSTILE_PORT:-18990}
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ "$keep" = --keep ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

mkdir -p "$work/m"
cat >"$work/m/gateway.yaml" <<EOF
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: gc}
spec: {controllerName: akka-gateway.dev/controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: g, namespace: default}
spec:
  gatewayClassName: gc
  addresses: [{type: IPAddress, value: "$address"}]
  listeners: [{name: http, port: $port, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: default}
spec:
  parentRefs: [{name: g}]
  rules:
  - filters: [{type: RequestRedirect, requestRedirect: {hostname: target.example, statusCode: 302}}]
EOF

# The idle clients: connect, send one request, read its answer, then stay connected until stdin closes.
cat >"$work/idle.py" <<'EOF'
import asyncio, sys
address, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
async def client(held):
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(address, port), 10)
        writer.write(b"GET / HTTP/1.1\r\nHost: idle.example\r\n\r\n")
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        if b" 302 " in head.split(b"\r\n")[0]:
            held.append(writer)
    except Exception:
        pass
async def main():
    held = []
    for start in range(0, count, 500):
        await asyncio.gather(*(client(held) for _ in range(start, min(count, start + 500))))
    print(f"{len(held)} idle clients answered and holding", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for w in held:
        w.close()
asyncio.run(main())
EOF

echo "building Gateway.Host (Release)..."
dotnet build -c Release Gateway.Host -v quiet -nologo >/dev/null
dll=Gateway.Host/bin/Release/net10.0/Gateway.Host.dll

failures=0
check() { # description, command...
  local what=$1; shift
  if "$@"; then echo "ok    $what"; else echo "FAIL  $what"; failures=$((failures + 1)); fi
}
normal() { curl -s -o /dev/null -m 5 -w '%{http_code}' -H "Host: normal.example" "http://$address:$port/" || true; }
bare_lf() { python3 -c "
import socket; s = socket.create_connection(('$address', $port), 5); s.settimeout(5)
s.sendall(b'GET / HTTP/1.1\r\nHost: lf.example\r\nX-A: a\nX-B: 1\r\nConnection: close\r\n\r\n')
print(s.recv(64).split(b' ')[1].decode())" 2>/dev/null || echo none; }

for run in $(seq "$runs"); do
  echo "run $run of $runs (gateway descriptor limit $nofile, $clients idle clients)"
  log="$work/gateway-$run.log"
  bash -c 'ulimit -n "$1" && exec dotnet "$2" --manifests "$3" --no-cluster --max-connections "$4"' _ "$nofile" "$dll" "$work/m" "$max_connections" >"$log" 2>&1 &
  pid=$!
  ready=
  for _ in $(seq 600); do # at most 60 s
    if [ "$(normal)" = 302 ]; then ready=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  check "run $run: serving" test -n "$ready"
  grep -o "client connections capped at [0-9]* over all HTTP sockets (descriptor limit [0-9a-z]*)" "$log" || true

  exec 3> >(python3 "$work/idle.py" "$address" "$port" "$clients" >"$work/idle-$run.log" 2>&1)
  for _ in $(seq 1800); do # at most 180 s
    grep -q "idle clients" "$work/idle-$run.log" 2>/dev/null && break
    sleep 0.1
  done
  cat "$work/idle-$run.log"
  during=$(normal)
  echo "      normal client while they hold: $during; gateway descriptors: $(ls "/proc/$pid/fd" 2>/dev/null | wc -l), RSS: $(( $(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0) / 1024 )) MiB"
  if [ "$nofile" = unlimited ] || [ "$nofile" -ge $((clients * 4 / 3 + 400)) ]; then
    check "run $run: a normal client is served while $clients idle clients hold their connections" test "$during" = 302
  fi
  check "run $run: gateway still running" kill -0 "$pid"
  exec 3>&-
  served=
  for _ in $(seq 300); do # at most 30 s
    if [ "$(normal)" = 302 ]; then served=1; break; fi
    sleep 0.1
  done
  check "run $run: a normal client is served after the idle clients left" test -n "$served"
  check "run $run: a bare LF line terminator is refused (400)" test "$(bare_lf)" = 400
  check "run $run: no crash in the log" bash -c "! grep -qE 'Out of memory|Unhandled exception' '$log'"
  grep -E "cannot accept connections|Out of file descriptors|File descriptors are free again" "$log" | head -3 || true
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=
done

if [ "$failures" -gt 0 ]; then echo "$failures check(s) failed"; keep=--keep; exit 1; fi
echo "all checks held"

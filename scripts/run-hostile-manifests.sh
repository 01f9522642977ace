#!/usr/bin/env bash
# Hostile manifests, scripted: starts the gateway (file mode, loopback only) on a temporary folder holding a good
# route next to a symbolic link loop, a JSON document nested 100,000 levels deep, a 50 MB file and an HTTPRoute with
# 10,000 hostnames, then checks that it becomes ready, serves the good route, refuses each hostile input with its
# reason, stays responsive, and takes a change made afterwards. Every wait is bounded; exit code 0 when all held.
# Usage: scripts/run-hostile-manifests.sh [--keep]   (--keep leaves the temporary folder and the log)
# Needs: the .NET 10 SDK and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
keep=${1:-}
command -v curl >/dev/null || { echo "missing curl" >&2; exit 2; }

work=$(mktemp -d /tmp/hostile-manifests.XXXXXX)
m="$work/manifests"
mkdir -p "$m/loop"
address=127.0.0.1
port=${HOSTILE_PORT:-18980}
mgmt=${HOSTILE_MANAGEMENT_PORT:-18981}
log="$work/gateway.log"
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ "$keep" = --keep ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

route() { # name, hostnames (comma-separated YAML flow items)
  cat <<EOF
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: $1, namespace: default}
spec:
  parentRefs: [{name: g}]
  hostnames: [$2]
  rules:
  - filters: [{type: RequestRedirect, requestRedirect: {hostname: $1.target.example, statusCode: 302}}]
EOF
}

cat >"$m/gateway.yaml" <<EOF
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
EOF
route good good.example.com >"$m/good.yaml"
route wide "$(seq -s, -f 'h%g.example.com' 0 9999)" >"$m/hostnames.yaml"
{ printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":'
  head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; printf '}\n'; } >"$m/deep.json"
head -c $((50 * 1024 * 1024)) /dev/zero | tr '\0' '#' >"$m/big.yaml"
ln -s "$m" "$m/loop/a"
ln -s "$m" "$m/loop/b"
ln -s .. "$m/loop/up"

echo "building Gateway.Host (Release)..."
dotnet build -c Release Gateway.Host -v quiet -nologo >/dev/null
dll=Gateway.Host/bin/Release/net10.0/Gateway.Host.dll

started=$(date +%s%N)
dotnet "$dll" --manifests "$m" --status-dir "$work/status" --management-port "$mgmt" >"$log" 2>&1 &
pid=$!

failures=0
check() { # description, command...
  local what=$1; shift
  if "$@"; then echo "ok    $what"; else echo "FAIL  $what"; failures=$((failures + 1)); fi
}
status_of() { curl -s -o /dev/null -m 5 -w '%{http_code}' -H "Host: $1" "http://$address:$port/"; }

ready=
for _ in $(seq 600); do # at most 60 s
  if [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$mgmt/health/ready")" = 200 ]; then ready=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
check "ready after $(( ($(date +%s%N) - started) / 1000000 )) ms" test -n "$ready"
check "good route served (302)" test "$(status_of good.example.com)" = 302
check "the 10,000-hostname route is not served (404)" test "$(status_of h0.example.com)" = 404
grep_log() { grep -q -- "$1" "$log"; }
check "reported: spec.hostnames: Too many: 10000" grep_log "spec.hostnames: Too many: 10000: must have at most 16 items"
check "reported: deep.json nested deeper than 64 levels" grep_log "deep.json document 0: refused: nested deeper than 64 levels"
check "reported: big.yaml refused by its size, unread" grep_log "big.yaml document -1: refused: "
check "reported: each symbolic link loop" test "$(grep -c 'symbolic link loop' "$log")" -ge 3

route later later.example.com >"$m/later.yaml"
served=
for _ in $(seq 100); do # at most 10 s
  if [ "$(status_of later.example.com)" = 302 ]; then served=1; break; fi
  sleep 0.1
done
check "a route added afterwards is served" test -n "$served"
check "still responsive: 20 requests to the good route" bash -c "for i in \$(seq 20); do [ \"\$(curl -s -o /dev/null -m 5 -w '%{http_code}' -H 'Host: good.example.com' http://$address:$port/)\" = 302 ] || exit 1; done"
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
echo "gateway RSS: $((rss / 1024)) MiB"
check "gateway still running" kill -0 "$pid"

echo "log: $log"
grep -E "Manifest problem" "$log" | sed -E 's/(Too many: 10000: must have at most 16 items).*/\1 .../' | cut -c1-220 || true
if [ "$failures" -gt 0 ]; then echo "$failures check(s) failed"; keep=--keep; exit 1; fi
echo "all checks held"

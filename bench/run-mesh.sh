#!/usr/bin/env bash
# The mesh proxy's per-hop latency: requests from inside a client network namespace (a meshed "pod") to an nginx
# endpoint there, sent directly to the endpoint, through the proxy on an HTTPRoute with a Service parent (the HTTP
# path: route lookup, filters, YARP forwarding) and through the proxy on a Service without routes (TCP splice).
# wrk with one connection (-c1), so the latency is per request, not queueing; the hop's cost is the difference of the
# medians. Needs root (ip netns, nftables), nginx and wrk from Debian: apt-get install -y nginx wrk nftables iproute2.
# Usage: bench/run-mesh.sh [--duration 10s] [--rounds 3] [--label NAME]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=10s; rounds=3; label=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --label) label="-$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in ip nft nginx wrk dotnet; do command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }; done

build_out=$(dotnet build Gateway.Host/Gateway.Host.csproj -c Release -nologo -v q 2>&1) || { echo "$build_out" >&2; exit 1; }
dll="$PWD/Gateway.Host/bin/Release/net10.0/Gateway.Host.dll"
ns="mesh-bench-$$"
work="$(mktemp -d)"
proxy_pid=""
cleanup() {
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null && wait "$proxy_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns"
ip -n "$ns" link set lo up
# The rules Gateway.Host/Mesh/Inject/RedirectRules.cs generates for the default range, port and uid.
ip netns exec "$ns" nft -f - <<'RULES'
table ip akka_gateway_mesh {
  chain output {
    type nat hook output priority -100; policy accept;
    meta skuid 1337 return
    ip daddr 127.96.0.0/16 meta l4proto tcp redirect to :15001
  }
}
RULES

mkdir -p "$work/manifests" "$work/nginx"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx; uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server { listen 127.97.0.1:8080; keepalive_requests 1000000; location / { return 200 "ok\n"; } }
}
CONF
ip netns exec "$ns" nginx -c "$work/nginx/nginx.conf"

cat > "$work/manifests/mesh.yaml" <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: bench}
---
apiVersion: v1
kind: Service
metadata: {name: routed, namespace: bench}
spec:
  clusterIP: 127.96.0.10
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: routed-1, namespace: bench, labels: {kubernetes.io/service-name: routed}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [127.97.0.1]}]
---
apiVersion: v1
kind: Service
metadata: {name: plain, namespace: bench}
spec:
  clusterIP: 127.96.0.11
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: plain-1, namespace: bench, labels: {kubernetes.io/service-name: plain}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [127.97.0.1]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: routed, namespace: bench}
spec:
  parentRefs: [{group: "", kind: Service, name: routed, port: 80}]
  rules:
  - backendRefs: [{name: routed, port: 80}]
YAML

ip netns exec "$ns" dotnet "$dll" --mode mesh --manifests "$work/manifests" --mesh-namespace client --log-level Warning >"$work/proxy.log" 2>&1 &
proxy_pid=$!
for _ in $(seq 1 120); do
  if ip netns exec "$ns" wrk -t1 -c1 -d1s http://127.96.0.10/ 2>/dev/null | grep -q "Requests/sec"; then break; fi
  sleep 1
done

run() { # name url → "p50 p99 req/s" (ms, ms, 1/s)
  ip netns exec "$ns" wrk -t1 -c1 -d"$duration" --latency "$2" | awk -v n="$1" '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    $1=="50%" {p50=ms($2)} $1=="99%" {p99=ms($2)} $1=="Requests/sec:" {rps=$2}
    END { printf "%s %.3f %.3f %.0f\n", n, p50, p99, rps }'
}
stamp="$(date -u +%Y-%m-%dT%H%M)"
out="bench/results/$stamp-mesh$label.md"
{
  echo "# Mesh proxy per-hop latency ($stamp UTC)"
  echo
  echo "Machine: $(nproc) cores, $(uname -r), load average at start: $(cut -d' ' -f1-3 /proc/loadavg). wrk -t1 -c1 -d$duration, $rounds rounds."
  echo
  echo "| round | target | p50 ms | p99 ms | req/s |"
  echo "|---|---|---:|---:|---:|"
  for r in $(seq 1 "$rounds"); do
    for t in "direct http://127.97.0.1:8080/" "mesh-http http://127.96.0.10/" "mesh-passthrough http://127.96.0.11/"; do
      set -- $t
      run "$1" "$2" | awk -v r="$r" '{ printf "| %s | %s | %s | %s | %s |\n", r, $1, $2, $3, $4 }'
    done
  done
} | tee "$out"
echo "written: $out"

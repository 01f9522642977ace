#!/usr/bin/env bash
# Rate limiting benchmark (issue 14 part 1): three replicas (Release build, real processes in file mode, one cluster)
# share one Gateway address through SO_REUSEPORT (one address pool for all three), so the kernel spreads the client's
# connections (one per request) over them; each replica's /metrics shows its share. Backend: nginx. "Admitted" is any
# answer but 429 (the rate limiter let it through). Scenarios, each with its own RateLimitPolicy (scope Cluster):
#   global  300 requests/minute, Global key: 1,000 requests sent in 20 s -> admitted, target [285, 315]
#   keys    5 requests/minute per ClientIP (from X-Forwarded-For, --forwarded-trusted-hops 1): KEYS distinct keys x 10
#           requests -> per key admitted, target within 5 % of 5 (i.e. exactly 5) for every key
#   speed   requests/s through a route with a Cluster policy that is never exceeded vs a route without one (wrk, with all
#           three replicas up; skipped when wrk is missing; target >= 0.9x)
#   kill    300 requests/minute: 1,000 requests in 20 s, replica n3 killed after 7 s -> admitted (bound: at most one more
#           interval's worth for the moved counter, 600), and no status other than 200/429 from the survivors
# Then each replica's lease counters (gateway_ratelimit_*).
# Writes bench/results/<date>-ratelimit-<label>.md.
# Usage: bench/run-ratelimit.sh [--keys N] [--label NAME]   Needs: the .NET 10 SDK, python3, nginx, curl; wrk optional (apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
keys=10000; label=run
while [ $# -gt 0 ]; do
  case "$1" in
    --keys) keys=$2; shift 2 ;;
    --label) label=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for tool in python3 nginx curl; do command -v $tool >/dev/null || { echo "missing $tool (apt-get install -y nginx curl python3)" >&2; exit 2; }; done
build_out=$(dotnet build -c Release Gateway.Host -v quiet -nologo 2>&1) || { echo "$build_out" >&2; exit 1; }
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
port=18480; backend=18481; mgmt=(18491 18492 18493); pool="127.79.0.0/24"
mkdir -p "$work/m" "$work/nginx/logs"
# The backend is nginx (one worker, fixed 200, deep backlog): a backend that refuses connections under load turns
# admitted requests into 502s, which a per-key count of 200s would misread as the limiter admitting too few (it did,
# with Python's http.server and its listen backlog of 5).
cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy; fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi; scgi_temp_path $work/nginx/scgi;
  server { listen 127.0.0.1:$backend backlog=4096; location / { return 200 "ok\n"; } }
}
NGINX
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" > "$work/nginx/stdout.log" 2>&1 & pids+=($!)
policy() { cat <<YAML
---
apiVersion: gateway.akka-gateway.dev/v1alpha1
kind: RateLimitPolicy
metadata: {name: $1, namespace: default}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: $1}]
  rules: [{limit: {requests: $2, interval: $3}, key: {type: $4}, scope: Cluster}]
YAML
}
route() { cat <<YAML
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: $1, namespace: default}
spec:
  parentRefs: [{name: g}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /$1}}]
    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /}}}]
    backendRefs: [{name: backend, port: 8080}]
YAML
}
{
  cat <<YAML
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
  listeners: [{name: http, port: $port, protocol: HTTP}]
---
apiVersion: v1
kind: Service
metadata: {name: backend, namespace: default}
spec: {ports: [{name: http, port: 8080, targetPort: $backend, protocol: TCP}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: backend-1, namespace: default, labels: {kubernetes.io/service-name: backend}}
addressType: IPv4
ports: [{name: http, port: $backend, protocol: TCP}]
endpoints: [{addresses: ["127.0.0.1"], conditions: {ready: true}}]
YAML
  for r in global keys kill free unexceeded; do route $r; done
  policy global 300 1m Global; policy keys 5 1m ClientIP; policy kill 300 1m Global; policy unexceeded 1000000000 1h Global
} > "$work/m/all.yaml"
peers=(); for p in "${mgmt[@]}"; do peers+=(--peer "127.0.0.1:$p"); done
for i in 0 1 2; do
  dotnet Gateway.Host/bin/Release/net10.0/Gateway.Host.dll --manifests "$work/m" --address-pool "$pool" --management-port "${mgmt[$i]}" \
    --node-name "n$((i + 1))" "${peers[@]}" --forwarded-trusted-hops 1 --log-level Warning > "$work/n$((i + 1)).log" 2>&1 & pids+=($!)
done
victim=${pids[3]}
for _ in $(seq 120); do
  ready=0
  for p in "${mgmt[@]}"; do
    curl -sf "http://127.0.0.1:$p/cluster/members" 2>/dev/null | python3 -c 'import json,sys; m=json.load(sys.stdin)["members"]; sys.exit(0 if len(m)==3 and all(x["status"]=="Up" for x in m) else 1)' 2>/dev/null && ready=$((ready + 1))
  done
  address=$(curl -sf "http://127.0.0.1:${mgmt[0]}/routetable" 2>/dev/null | grep -oE '127\.79\.0\.[0-9]+' | head -1 || true)
  [ "$ready" = 3 ] && [ -n "$address" ] && curl -sf -o /dev/null "http://$address:$port/free" && break
  sleep 1
done
[ -n "${address:-}" ] || { echo "replicas did not come up; logs in $work" >&2; tail -20 "$work"/n*.log >&2; exit 1; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$address" "$port" "$keys" "$victim" "${mgmt[*]}" > "$work/result.md" <<'PY'
import http.client, json, os, re, shutil, signal, subprocess, sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor
address, port, keys, victim = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
mgmt = [int(p) for p in sys.argv[5].split()]
def get(path, xff=None):
    # One connection per request, so the kernel's SO_REUSEPORT hash spreads requests over the replicas.
    try:
        c = http.client.HTTPConnection(address, port, timeout=10)
        c.request("GET", path, headers={"X-Forwarded-For": xff} if xff else {})
        s = c.getresponse().status
        c.close()
        return s
    except Exception as e:
        return "error:" + type(e).__name__
def paced(path, total, seconds, on_time=None):
    start = time.monotonic()
    def one(i):
        delay = start + i * seconds / total - time.monotonic()
        if delay > 0: time.sleep(delay)
        if on_time: on_time(time.monotonic() - start)
        return get(path)
    with ThreadPoolExecutor(32) as pool: return list(pool.map(one, range(total)))
def count(results):
    names = [str(r) for r in results]
    return {k: names.count(k) for k in sorted(set(names))}
def admitted(results):
    # Admitted by the rate limiter: any answer but 429 (a 502 would be the backend's failure after admission).
    return sum(1 for r in results if isinstance(r, int) and r != 429)
def scrape(p):
    """Per replica: requests served (http.server.request.duration count) and lease requests by result."""
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{p}/metrics", timeout=10).read().decode()
    except Exception:
        return None
    out = {"requests": 0}
    for line in text.splitlines():
        if line.startswith("http_server_request_duration_seconds_count"):
            out["requests"] += float(line.rsplit(" ", 1)[1])
        m = re.match(r'(gateway_ratelimit_\w+?)(?:_total)?\{(.*)\} (\S+)', line)
        if m:
            result = re.search(r'result="(\w+)"', m.group(2))
            name = m.group(1) + (":" + result.group(1) if result else "")
            out[name] = out.get(name, 0) + float(m.group(3))
    return out
def spread(before, after):
    return [int(a["requests"] - b["requests"]) if a and b else None for b, a in zip(before, after)]
lines = ["| scenario | result | target |", "|---|---|---|"]
m0 = [scrape(p) for p in mgmt]
g = paced("/global", 1000, 20)
m1 = [scrape(p) for p in mgmt]
lines.append(f"| global: 300/min, 1,000 requests in 20 s over 3 replicas | admitted {admitted(g)}; {json.dumps(count(g))}; requests per replica {spread(m0, m1)} | [285, 315]: {'met' if 285 <= admitted(g) <= 315 else 'missed'} |")
per_key, key_statuses = {}, []
def key_run(k):
    xff = f"10.{(k >> 16) & 255}.{(k >> 8) & 255}.{k & 255}"
    return k, [get("/keys", xff) for _ in range(10)]
with ThreadPoolExecutor(32) as pool:
    for k, res in pool.map(key_run, range(keys)):
        per_key[k] = admitted(res); key_statuses += res
m2 = [scrape(p) for p in mgmt]
bad = [k for k, n in per_key.items() if abs(n - 5) > 0.25]
by_count = {n: list(per_key.values()).count(n) for n in sorted(set(per_key.values()))}
lines.append(f"| keys: 5/min per ClientIP, {keys} keys x 10 requests | admitted per key min {min(per_key.values())}, max {max(per_key.values())}; keys by admitted count {json.dumps(by_count)}; keys off by > 5 %: {len(bad)}; {json.dumps(count(key_statuses))}; requests per replica {spread(m1, m2)} | every key 5 +- 5 %: {'met' if not bad else 'missed'} |")
# Throughput before the kill, with all three replicas: a Cluster policy never exceeded vs no policy.
if shutil.which("wrk"):
    # Interleaved rounds, best of each: on a shared machine a single pair mostly measures the neighbours.
    rps = {"free": [], "unexceeded": []}
    for _ in range(3):
        for r in ("free", "unexceeded"):
            out = subprocess.run(["wrk", "-t2", "-c32", "-d10s", f"http://{address}:{port}/{r}"], capture_output=True, text=True, timeout=60).stdout
            rps[r].append(float(re.search(r"Requests/sec:\s+(\S+)", out).group(1)))
    ratio = max(rps["unexceeded"]) / max(rps["free"])
    lines.append(f"| speed: wrk -t2 -c32 -d10s, 3 interleaved rounds, best of each: Cluster policy never exceeded vs none | {max(rps['unexceeded']):.0f} vs {max(rps['free']):.0f} requests/s: {ratio:.2f}x (rounds {json.dumps(rps)}) | >= 0.9x: {'met' if ratio >= 0.9 else 'missed'} |")
else:
    lines.append("| speed | wrk not installed: skipped (apt-get install -y wrk) | >= 0.9x: not measured |")
m3 = [scrape(p) for p in mgmt]
killed = []
def maybe_kill(t):
    if t >= 7 and not killed:
        killed.append(t); os.kill(victim, signal.SIGKILL)
k = paced("/kill", 1000, 20, maybe_kill)
m4 = [scrape(p) for p in mgmt]
others = [s for s in k if s not in (200, 429)]
lines.append(f"| kill: 300/min, 1,000 requests in 20 s, n3 killed at 7 s | admitted {admitted(k)}; {json.dumps(count(k))}; requests per survivor {spread(m3[:2], m4[:2])} | <= 600 (one extra interval at most): {'met' if admitted(k) <= 600 else 'missed'}; other than 200/429: {len(others)} (connection errors: connections the kernel had queued on the killed replica's socket) |")
print("\n".join(lines))
print()
print("Lease requests per replica (gateway_ratelimit_* at the end; n3 before the kill):")
print()
for i, m in enumerate(m4[:2] + m3[2:]):
    print(f"- n{i + 1}: " + json.dumps({k: int(v) for k, v in sorted((m or {}).items()) if k != "requests"}))
PY
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
stamp=$(date -u +%Y%m%d-%H%M)
out="bench/results/$stamp-ratelimit-$label.md"
{
  echo "# Rate limiting: three replicas on one address ($keys ClientIP keys)"
  echo
  echo "1-minute load average before / after: $load_before / $load_after"
  echo
  cat "$work/result.md"
} > "$out"
cat "$out"

#!/usr/bin/env bash
# The cost of the cluster page (GET /ui/) as the number of routes grows: for each N, starts the Release gateway in
# file mode on N generated HTTPRoutes (one Gateway), waits (bounded) until it is ready and every object has an owner,
# then fetches /ui/ and, for comparison, /cluster/objects and /routetable ROUNDS times each with curl and reports the median and the
# slowest time and the size. Loopback only. Writes bench/results/<UTC date>-ui[-label].md.
# Usage: bench/run-ui.sh [--routes 100,1000,10000] [--rounds 5] [--label TEXT]
# Needs: the .NET 10 SDK and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
routes=100,1000,10000
rounds=5
label=
while [ $# -gt 0 ]; do
  case "$1" in
    --routes) routes=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --label) label=-$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v curl >/dev/null || { echo "missing curl" >&2; exit 2; }

work=$(mktemp -d /tmp/bench-ui.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

build_out=$(dotnet build Gateway.Host -c Release -v quiet -nologo 2>&1) || { echo "$build_out" >&2; exit 1; }
dll=Gateway.Host/bin/Release/net10.0/Gateway.Host.dll
mgmt=${UI_BENCH_MANAGEMENT_PORT:-18771}
out="bench/results/$(date -u +%Y%m%d-%H%M)-ui$label.md"

{
  echo "# Cluster page cost ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "Machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1 /proc/loadavg) at the start. Release build, file mode, one Gateway, N HTTPRoutes;"
  echo "$rounds fetches of each route with curl on loopback after ready and every object owned; times in ms (median / slowest)."
  echo
  echo "| routes | objects | /ui/ size | /ui/ time | /cluster/objects size | /cluster/objects time | /routetable size | /routetable time |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$out"

measure() { # path → "median slowest size"
  local times=() size=0 t s
  for _ in $(seq "$rounds"); do
    read -r t s < <(curl -s -o /dev/null -m 60 -w '%{time_total} %{size_download}\n' "http://127.0.0.1:$mgmt/$1")
    times+=("$(awk -v t="$t" 'BEGIN { printf "%d", t * 1000 }')")
    size=$s
  done
  local sorted
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  echo "$(sed -n "$(( (rounds + 1) / 2 ))p" <<<"$sorted") $(tail -1 <<<"$sorted") $size"
}

for n in ${routes//,/ }; do
  m="$work/m$n"
  mkdir -p "$m"
  {
    printf 'apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: gc}\nspec: {controllerName: akka-gateway.dev/controller}\n'
    printf -- '---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g, namespace: default}\nspec:\n  gatewayClassName: gc\n  listeners: [{name: http, port: 18770, protocol: HTTP}]\n'
    for i in $(seq 0 $((n - 1))); do
      printf -- '---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r%d, namespace: default}\nspec:\n  parentRefs: [{name: g}]\n  hostnames: [r%d.example.com]\n  rules: [{matches: [{path: {type: PathPrefix, value: /r%d}}]}]\n' "$i" "$i" "$i"
    done
  } >"$m/all.yaml"
  dotnet "$dll" --manifests "$m" --management-port "$mgmt" --node-name bench-ui --address-pool 127.49.0.0/24 --log-level Warning >"$work/gateway-$n.log" 2>&1 &
  pid=$!
  ready=
  expected=$((n + 3))  # the class, the Gateway, its listener and the routes
  for _ in $(seq 600); do  # 300 s
    if curl -sf -m 5 "http://127.0.0.1:$mgmt/health/ready" >/dev/null && objects=$(curl -sf -m 30 "http://127.0.0.1:$mgmt/cluster/objects") \
       && [ "$(grep -o '"entity"' <<<"$objects" | wc -l)" -eq "$expected" ] && ! grep -q '"owner": null' <<<"$objects"; then ready=1; break; fi
    kill -0 "$pid" 2>/dev/null || { tail -40 "$work/gateway-$n.log" >&2; echo "the gateway exited" >&2; exit 1; }
    sleep 0.5
  done
  [ -n "$ready" ] || { tail -40 "$work/gateway-$n.log" >&2; echo "$n routes: not ready with every object owned within 300 s" >&2; exit 1; }
  read -r um us usize < <(measure ui/)
  read -r om os osize < <(measure cluster/objects)
  read -r tm ts tsize < <(measure routetable)
  printf '| %s | %s | %s KiB | %s / %s | %s KiB | %s / %s | %s KiB | %s / %s |\n' "$n" "$expected" "$((usize / 1024))" "$um" "$us" "$((osize / 1024))" "$om" "$os" \
    "$((tsize / 1024))" "$tm" "$ts" >>"$out"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
done
cat "$out"

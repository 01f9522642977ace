#!/usr/bin/env bash
# Records the start-up profile (Gateway.Host/Hosting/StartupProfile.tsv): starts an unmarked Release build of the
# gateway on a manifests folder with the JIT's compilation summary on, stops it at its "Ready:" line, and lists every
# method of the control plane's assemblies that reached tier 1 by then in any of the runs (Gateway.StartupProfile/README.md):
# which methods near the call count make it by ready varies from start to start (two single starts shared 1,689 of
# their 1,884 and 1,753 methods).
# Usage: scripts/record-startup-profile.sh --manifests DIR [--runs 3] [--out FILE]
#   --manifests: a large folder, e.g. the cp-manifests-10000 that `bench/run-controlplane.sh --sizes 10000 --keep` leaves
# Needs: the .NET 10 SDK. Every wait is bounded (180 s per start).
set -euo pipefail
cd "$(dirname "$0")/.."

manifests=""; runs=3; out="Gateway.Host/Hosting/StartupProfile.tsv"
while [ $# -gt 0 ]; do
  case "$1" in
    --manifests) manifests="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
[ -d "$manifests" ] || { echo "--manifests DIR is required" >&2; exit 2; }

work=$(mktemp -d /tmp/startup-profile.XXXXXX)
trap 'rm -rf "$work"' EXIT
# Unmarked: a marked method is compiled once, optimized, at its first call, so its summary line cannot tell hot from cold.
dotnet build -c Release Gateway.Host -p:MarkStartupMethods=false -o "$work/build" -v quiet -nologo >/dev/null
dotnet build -c Release Gateway.StartupProfile -v quiet -nologo >/dev/null
for run in $(seq 1 "$runs"); do
  rm -rf "$work/status"; mkdir -p "$work/status"
  DOTNET_JitStdOutFile="$work/jit-$run.txt" DOTNET_JitDisasmSummary=1 \
    dotnet "$work/build/Gateway.Host.dll" --manifests "$manifests" --status-dir "$work/status" --management-port 0 --node-name profile > "$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 1 3600); do
    grep -q "Ready:" "$work/log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  grep -q "Ready:" "$work/log" || { echo "run $run: no Ready line within 180 s:" >&2; tail -20 "$work/log" >&2; exit 1; }
done
cat "$work"/jit-*.txt > "$work/jit.txt"

# The control plane's assemblies; the data plane's request path (Gateway.Host.DataPlane, the mesh proxy, YARP, Kestrel,
# Gateway.Streams, Akka.Streams) keeps dynamic PGO.
assemblies=(Gateway.Actors Gateway.Host Akka Akka.Cluster Akka.Cluster.Sharding Akka.Cluster.Tools Akka.Remote Akka.Hosting
  Akka.Cluster.Hosting Akka.Remote.Hosting Akka.Management Akka.Discovery Akka.Coordination DotNetty.Common DotNetty.Buffers
  DotNetty.Transport DotNetty.Codecs DotNetty.Handlers KubernetesClient YamlDotNet Cel)
args=()
for a in "${assemblies[@]}"; do [ -f "$work/build/$a.dll" ] && args+=(--assembly "$a"); done
dotnet Gateway.StartupProfile/bin/Release/net10.0/Gateway.StartupProfile.dll record --jit-summary "$work/jit.txt" --dir "$work/build" --out "$out" \
  "${args[@]}" --exclude Gateway.Host.DataPlane. --exclude Gateway.Host.Mesh.

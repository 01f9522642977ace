#!/usr/bin/env bash
# Failover benchmark: runs the multi-node kill scenario (Gateway.Tests MultiNode ClusterReplicasTests: three real
# replicas, the one owning the most routes killed under traffic, one of its routes changed right after the kill) RUNS
# times and records, per run: entities re-homed (kill -> last entity restarted on a survivor), the changed route served
# and its status written (change -> first correct answer / status at the new generation), how long inspection took to
# answer right after the kill, and how long a replica stopped with SIGTERM took to exit.
# Writes bench/results/<date>-failover-<label>.{md,jsonl}. Targets (issue 8): re-homed < 5 s, status < 3 s, graceful stop within --shutdown-timeout (5 s).
# Usage: bench/run-failover.sh [--runs N] [--label NAME]     Needs: the .NET 10 SDK and python3 (the summary).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=10; label=run
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --label) label=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v python3 >/dev/null || { echo "missing python3" >&2; exit 2; }
stamp=$(date -u +%Y%m%d-%H%M)
out="bench/results/$stamp-failover-$label"
export GATEWAY_FAILOVER_RESULTS="$PWD/$out.jsonl"
: > "$GATEWAY_FAILOVER_RESULTS"
dotnet build Gateway.Tests -v quiet -nologo > "$out.build.log" 2>&1 || { cat "$out.build.log" >&2; exit 1; }; rm -f "$out.build.log"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq "$runs"); do
  dotnet test Gateway.Tests --no-build --filter "FullyQualifiedName~ClusterReplicasTests" --logger "console;verbosity=normal" -nologo > "$out.run$i.log" 2>&1 && rm "$out.run$i.log" || echo "run $i failed: $out.run$i.log" >&2
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$GATEWAY_FAILOVER_RESULTS" "$out.md" "$runs" "$load_before" "$load_after" <<'PY'
import json, statistics, sys
path, md, runs, before, after = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
rows = [json.loads(l) for l in open(path) if l.strip()]
def stats(key):
    v = sorted(r[key] for r in rows if key in r)
    return (statistics.median(v), v[-1]) if v else (float("nan"), float("nan"))
kills = [r for r in rows if "failoverSeconds" in r]
lines = [f"# Failover: {len(kills)} of {runs} runs measured", "",
         f"1-minute load average before / after: {before} / {after}", "",
         "| measure | median | max | target |", "|---|---:|---:|---|"]
for key, name, target in [("failoverSeconds", "entities re-homed after the kill", 5.0),
                          ("statusSeconds", "status of the changed route written after the change", 3.0),
                          ("servedSeconds", "changed route served after the change", None),
                          ("inspectObjectSeconds", "/cluster/objects/... answered right after the kill", None),
                          ("inspectShardsSeconds", "/cluster/shards answered right after the kill", None),
                          ("gracefulStopSeconds", "SIGTERM to exit of a replica (--shutdown-timeout 5s)", 5.0)]:
    med, mx = stats(key)
    verdict = "" if target is None else (f"< {target:g} s: " + ("met" if mx < target else "met at the median, missed at the max" if med < target else "missed"))
    lines.append(f"| {name} | {med:.2f} s | {mx:.2f} s | {verdict} |")
lines += ["", "Per run (seconds): re-homed / served / status / entities moved", ""]
lines += [f"- {r['failoverSeconds']:.2f} / {r['servedSeconds']:.2f} / {r['statusSeconds']:.2f} / {r['entitiesMoved']}" for r in kills]
open(md, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY

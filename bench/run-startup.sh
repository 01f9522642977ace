#!/usr/bin/env bash
# Start-up A/B: the Release gateway started again and again on one manifests folder, rotating between runtime
# configurations (environment variables) in every round (each round starting one configuration later, so every
# configuration takes every position), each start with a fresh status directory; per start the time
# from launch to the log's "Serving:" and "Ready:" lines (revision 1 applied to the data plane; its statuses written) and
# the process's CPU (user + system) at "Ready:", and from the log the first scan's time and revision 1's translate, apply
# and status times. Rotating the configurations round by round is what separates them on a machine whose speed drifts by
# more than their difference between single runs; each configuration is also paired with the first one round by round.
# Writes bench/results/<date>-startup[-label].md.
# Usage: bench/run-startup.sh --manifests DIR [--rounds 4] [--config "NAME=VALUE ..."]... [--label TEXT] [--work-root DIR]
#   --manifests: for example the cp-manifests-10000 folder that `bench/run-controlplane.sh --sizes 10000 --keep` leaves
#   --config: one configuration per flag ("" or "default": the environment as it is); default: one, the default.
#     A word GATEWAY=PATH starts that Gateway.Host.dll instead of this checkout's Release build (to compare builds, e.g.
#     one made in a `git worktree` of the base commit).
# Needs: the .NET 10 SDK.
set -euo pipefail
cd "$(dirname "$0")/.."

manifests=""; rounds=4; label=""; work_root="${TMPDIR:-/tmp}"; configs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --manifests) manifests="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --config) configs+=("$2"); shift 2 ;;
    --label) label="$2"; shift 2 ;;
    --work-root) work_root="$2"; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
[ -d "$manifests" ] || { echo "--manifests DIR is required (a folder of manifests, e.g. cp-manifests-10000 from run-controlplane.sh --keep)" >&2; exit 2; }
[ "${#configs[@]}" -gt 0 ] || configs=("default")
manifests="$(cd "$manifests" && pwd)"
command="bench/run-startup.sh --manifests $manifests --rounds $rounds$(printf ' --config "%s"' "${configs[@]}")${label:+ --label $label}"

build_out=$(dotnet build -c Release Gateway.Host -v quiet -nologo 2>&1) || { echo "$build_out" >&2; exit 1; }
gateway="$PWD/Gateway.Host/bin/Release/net10.0/Gateway.Host.dll"
work="$(mktemp -d "$work_root/gateway-startup-XXXXXX")"
trap 'rm -rf "$work"' EXIT
ticks=$(getconf CLK_TCK)
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"
rows="$work/rows.tsv"; : > "$rows"

# Seconds (fractional) from epoch $1 to the log line's time of day (the gateway logs UTC, HH:MM:SS.fff): on the launch's
# day, or the next one when the line is past midnight.
since() {
  local day d; day=$(date -u -d "@${1%.*}" +%F)
  d=$(echo "$(date -u -d "$day $2" +%s.%N) - $1" | bc)
  if [ "$(echo "$d < 0" | bc)" = 1 ]; then d=$(echo "$d + 86400" | bc); fi
  echo "$d"
}

n=${#configs[@]}
for round in $(seq 1 "$rounds"); do
  # Each round starts one configuration later than the one before: the position within a round (first, second start)
  # moved the time to "Serving:" by 0.3 to 0.5 s on this machine, so every configuration takes every position in turn.
  for k in $(seq 0 $((n - 1))); do
    i=$(( (k + round - 1) % n ))
    config="${configs[$i]}"; [ "$config" = "default" ] && config=""
    # GATEWAY=DLL in a configuration starts that build instead of this checkout's; every other word is a variable.
    dll="$gateway"; vars=()
    for word in $config; do
      case "$word" in GATEWAY=*) dll="${word#GATEWAY=}" ;; *) vars+=("$word") ;; esac
    done
    [ -f "$dll" ] || { echo "no such gateway build: $dll" >&2; exit 2; }
    status="$work/status-$round-$i"; log="$work/start-$round-$i.log"; mkdir -p "$status"
    launched=$(date +%s.%N)
    env "${vars[@]}" dotnet "$dll" --manifests "$manifests" --status-dir "$status" --management-port 0 --node-name startup > "$log" 2>&1 &
    pid=$!
    cpu=""; ready=""
    # Bounded: 180 s per start at most (3,600 polls of 50 ms).
    for _ in $(seq 1 3600); do
      kill -0 "$pid" 2>/dev/null || break
      cpu=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo "$cpu")
      if grep -q "Ready:" "$log"; then ready=yes; break; fi
      sleep 0.05
    done
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
    if [ -z "$ready" ]; then
      echo "round $round, config $i: no Ready line (see the log below)" >&2; tail -20 "$log" >&2; exit 1
    fi
    serving=$(since "$launched" "$(grep -m1 "Serving:" "$log" | cut -c1-12)")
    readyat=$(since "$launched" "$(grep -m1 "Ready:" "$log" | cut -c1-12)")
    # Where the time went, from the log: the first scan ("in the store N ms after the scan started") and revision 1's
    # pass (translate, apply, status); "-" where a build does not log them.
    scan=$(grep -m1 -o 'in the store [0-9.]* ms after the scan started' "$log" | awk '{printf "%.2f", $4 / 1000}')
    pass=$(grep -m1 'Revision 1:' "$log" | grep -o 'translate [0-9.]* ms, apply [0-9.]* ms, status [0-9.]* ms' | awk '{printf "%.0f\t%.0f\t%.0f", $2, $5, $8}')
    printf '%s\t%s\t%.2f\t%.2f\t%.2f\t%s\t%s\n' "$round" "$i" "$serving" "$readyat" "$(echo "$cpu / $ticks" | bc -l)" "${scan:--}" "${pass:-$'-\t-\t-'}" | tee -a "$rows"
  done
done

mkdir -p bench/results
out="bench/results/$(date -u +%Y%m%d-%H%M)-startup${label:+-$label}.md"
{
  echo "# Start-up A/B: $(basename "$manifests"), $rounds rounds"
  echo
  echo "| | |"
  echo "|---|---|"
  echo "| date | $(date -u '+%Y-%m-%d %H:%M') UTC |"
  echo "| machine | $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{print $2, $3}'); $(. /etc/os-release && echo "$PRETTY_NAME"); kernel $(uname -r) |"
  echo "| runtime | .NET $(dotnet --list-runtimes | awk '/Microsoft.NETCore.App/{v=$2} END{print v}') |"
  echo "| commit | $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Gateway.Host Gateway.Actors Gateway.Streams || echo ' (with uncommitted changes)') |"
  echo "| command | \`$command\` |"
  echo "| load average at start (1, 5, 15 min) | $load_at_start |"
  echo
  echo "Each start: \`env CONFIG dotnet Gateway.Host.dll --manifests DIR --status-dir FRESH --management-port 0\`; times from launch to the"
  echo "log's \"Serving:\" (revision 1 applied to the data plane) and \"Ready:\" (its statuses written) lines; CPU is the process's user +"
  echo "system time at \"Ready:\" (sampled every 50 ms). Configurations rotate within every round, each round starting one configuration later."
  echo "From the log: scan = the first scan's objects in the store, from the scan's start; translate, apply and status = revision 1's"
  echo "pass (its \"Revision 1:\" line)."
  echo
  echo "| config | environment | starts | served s (mean) | ready s (mean) | min | max | CPU s (mean) | scan s | translate ms | apply ms | status ms |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for i in "${!configs[@]}"; do
    awk -F'\t' -v i="$i" -v c="${configs[$i]}" '$2==i{n++; s+=$3; r+=$4; u+=$5; if(min==""||$4<min)min=$4; if($4>max)max=$4
        if($6!="-"){ns++; sc+=$6} if($7!="-"){np++; t+=$7; a+=$8; st+=$9}}
      function m(x, k) { return k ? sprintf("%.2f", x / k) : "-" }
      function ms(x, k) { return k ? sprintf("%.0f", x / k) : "-" }
      END{printf "| %d | `%s` | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %s | %s | %s |\n", i, c, n, s/n, r/n, min, max, u/n, m(sc, ns), ms(t, np), ms(a, np), ms(st, np)}' "$rows"
  done
  if [ "$n" -gt 1 ]; then
    # Paired by round: the machine's speed drifts more between rounds than within one, so each configuration is compared
    # with configuration 0 of the same round.
    echo
    echo "Paired with configuration 0 round by round (negative: sooner or less):"
    echo
    echo "| config | rounds | ready difference s (mean) | (median) | rounds sooner | CPU difference s (mean) | rounds with less CPU |"
    echo "|---:|---:|---:|---:|---:|---:|---:|"
    for i in $(seq 1 $((n - 1))); do
      awk -F'\t' -v i="$i" '$2==0{r0[$1]=$4; c0[$1]=$5} $2==i{ri[$1]=$4; ci[$1]=$5}
        END{k=0; for (round in ri) if (round in r0) {k++; d[k]=ri[round]-r0[round]; s+=d[k]; if (d[k]<0) sooner++; cd=ci[round]-c0[round]; cs+=cd; if (cd<0) less++}
          if (k==0) exit
          for (a=1; a<=k; a++) for (b=a+1; b<=k; b++) if (d[b]<d[a]) {t=d[a]; d[a]=d[b]; d[b]=t}
          med=(k%2) ? d[(k+1)/2] : (d[k/2]+d[k/2+1])/2
          printf "| %d | %d | %+.2f | %+.2f | %d of %d | %+.2f | %d of %d |\n", i, k, s/k, med, sooner, k, cs/k, less, k}' "$rows"
    done
  fi
  echo
  echo "| round | config | served s | ready s | CPU s | scan s | translate ms | apply ms | status ms |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9}' "$rows"
} > "$out"
echo "written: $out"

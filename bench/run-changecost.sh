#!/usr/bin/env bash
# Per-change control-plane cost, in process: the incremental translator and the data plane's apply (a real loopback
# socket) fed the run-controlplane fixtures, one-route changes at each size, timed by wall clock and thread CPU.
# Writes bench/results/<date>-changecost.{md,json}.
# Usage: bench/run-changecost.sh [--sizes 100,1000,10000] [--changes 200] [--source file|kubernetes|both] [--survivors] [--label TEXT]
#   --survivors: also the KiB each change leaves alive (a gen0 collection forced before and after each change)
# Needs: the .NET 10 SDK.
set -euo pipefail
cd "$(dirname "$0")/.."
build_out=$(dotnet build -c Release bench/Gateway.Bench -v quiet -nologo 2>&1) || { echo "$build_out" >&2; exit 1; }
exec dotnet bench/Gateway.Bench/bin/Release/net10.0/Gateway.Bench.dll changecost "$@"

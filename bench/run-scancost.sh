#!/usr/bin/env bash
# The file source's initial scan, in process: the run-controlplane fixtures for N routes (N HTTPRoutes, Services and
# EndpointSlices, 100 routes per file) parsed and stamped once per round in one process (round 1 cold, later rounds
# warm), with the parts of parse and stamp and a fresh catalog's first scan; CPU per object per round.
# Writes bench/results/<date>-scancost.{md,json}.
# Usage: bench/run-scancost.sh [--routes 10000] [--rounds 3] [--dir TEMP] [--label TEXT]
# Needs: the .NET 10 SDK.
set -euo pipefail
cd "$(dirname "$0")/.."
build_out=$(dotnet build -c Release bench/Gateway.Bench -v quiet -nologo 2>&1) || { echo "$build_out" >&2; exit 1; }
exec dotnet bench/Gateway.Bench/bin/Release/net10.0/Gateway.Bench.dll scancost "$@"

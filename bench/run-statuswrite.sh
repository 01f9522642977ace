#!/usr/bin/env bash
# File-mode status sink at start-up, in process: N route entities' first status each read (none stored) and written
# (temp file + rename), 64 at a time, into a fresh directory; CPU (user + system) and wall time per round.
# Writes bench/results/<date>-statuswrite.{md,json}.
# Usage: bench/run-statuswrite.sh [--routes 10000] [--rounds 3] [--dir TEMP] [--label TEXT]
# Needs: the .NET 10 SDK.
set -euo pipefail
cd "$(dirname "$0")/.."
build_out=$(dotnet build -c Release bench/Gateway.Bench -v quiet -nologo 2>&1) || { echo "$build_out" >&2; exit 1; }
exec dotnet bench/Gateway.Bench/bin/Release/net10.0/Gateway.Bench.dll statuswrite "$@"

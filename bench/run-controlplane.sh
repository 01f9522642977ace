#!/usr/bin/env bash
# Control plane benchmark: time to ready, propagation of added routes under steady traffic, changed routes (served,
# then their status written), deleted routes (to the first 404), memory after a full GC and per-change pass times,
# for generated fixtures of N HTTPRoutes. Writes bench/results/<date>-controlplane.{md,json}.
# Usage: bench/run-controlplane.sh [Gateway.Bench controlplane options; see bench/README.md]
# Needs: the .NET 10 SDK and nginx from Debian (the backend).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v nginx >/dev/null || { echo "missing nginx: apt-get install -y nginx" >&2; exit 2; }
build_out=$(dotnet build -c Release Gateway.Host -v quiet -nologo 2>&1) || { echo "$build_out" >&2; exit 1; }
build_out=$(dotnet build -c Release bench/Gateway.Bench -v quiet -nologo 2>&1) || { echo "$build_out" >&2; exit 1; }
exec dotnet bench/Gateway.Bench/bin/Release/net10.0/Gateway.Bench.dll controlplane \
  --gateway Gateway.Host/bin/Release/net10.0/Gateway.Host.dll "$@"

#!/usr/bin/env bash
# Data plane benchmark: the gateway (Release build, a real process in file mode) side by side with nginx, HAProxy and
# Caddy, behind the same nginx backend, loaded by the same wrk/h2load. Writes bench/results/<date>-dataplane.{md,json}.
# Usage: bench/run-dataplane.sh [Gateway.Bench dataplane options; see bench/README.md]
# Needs: the .NET 10 SDK, and nginx, wrk, h2load from Debian (apt-get install -y nginx wrk nghttp2-client); the peers
# haproxy and caddy (apt-get install -y haproxy caddy) run when installed, or when --targets names them.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in nginx wrk h2load; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y nginx wrk nghttp2-client" >&2; exit 2; }
done
build_out=$(dotnet build -c Release Gateway.Host -v quiet -nologo 2>&1) || { echo "$build_out" >&2; exit 1; }
build_out=$(dotnet build -c Release bench/Gateway.Bench -v quiet -nologo 2>&1) || { echo "$build_out" >&2; exit 1; }
exec dotnet bench/Gateway.Bench/bin/Release/net10.0/Gateway.Bench.dll dataplane \
  --gateway Gateway.Host/bin/Release/net10.0/Gateway.Host.dll "$@"

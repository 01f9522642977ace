#!/usr/bin/env bash
# Cost of the access log (issue 12, target: < 10 % throughput): the same Release build run twice side by side,
# interleaved by Gateway.Bench's --compare, once without the log (target gw-1) and once with --access-log given as its
# environment variable (target gw-1-before, the "compared build"), both behind the same nginx backend and wrk load.
# Usage: bench/run-accesslog.sh [more Gateway.Bench dataplane options, e.g. --duration 3 --rounds 1 for a quick check]
# Needs what bench/run-dataplane.sh needs. The log goes to $ACCESS_LOG (default: a new temporary file).
set -euo pipefail
cd "$(dirname "$0")/.."
log="${ACCESS_LOG:-$(mktemp -d)/access.log}"
echo "access log of the compared instance: $log"
exec bench/run-dataplane.sh --compare Gateway.Host/bin/Release/net10.0/Gateway.Host.dll \
  --compare-env "AKKA_GATEWAY_ACCESS_LOG=$log" --routes 1 --targets gw-1,gw-1-before --label access-log "$@"

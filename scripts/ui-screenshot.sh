#!/usr/bin/env bash
# The README's screenshot of the cluster page: starts the gateway as the README's main command does (the embedded
# default manifests with their demo backends, management endpoint on 127.0.0.1:8558), waits (bounded) until it is
# ready and every object has an owner, loads http://127.0.0.1:8558/ui/ in headless Chromium and writes a PNG.
# Usage: scripts/ui-screenshot.sh [OUT.png]   (default docs/ui.png; UI_MANAGEMENT_PORT, UI_NODE_NAME to change)
# Needs: the .NET 10 SDK, curl and Debian's chromium (apt-get install chromium). Loopback only; nothing is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/ui.png}
mgmt=${UI_MANAGEMENT_PORT:-8558}
node=${UI_NODE_NAME:-gateway-0}
command -v curl >/dev/null || { echo "missing curl" >&2; exit 2; }
[ -x /usr/bin/chromium ] || { echo "missing /usr/bin/chromium (apt-get install chromium)" >&2; exit 2; }

work=$(mktemp -d /tmp/ui-screenshot.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build Gateway.Host -v quiet -nologo >/dev/null
dotnet Gateway.Host/bin/Debug/net10.0/Gateway.Host.dll --management-port "$mgmt" --node-name "$node" >"$work/gateway.log" 2>&1 &
pid=$!

ready=
for _ in $(seq 120); do  # 60 s
  if curl -sf -m 2 "http://127.0.0.1:$mgmt/health/ready" >/dev/null && objects=$(curl -sf -m 5 "http://127.0.0.1:$mgmt/cluster/objects") \
     && [ -n "$objects" ] && ! grep -q '"owner": null' <<<"$objects"; then ready=1; break; fi
  kill -0 "$pid" 2>/dev/null || { cat "$work/gateway.log" >&2; echo "the gateway exited" >&2; exit 1; }
  sleep 0.5
done
[ -n "$ready" ] || { tail -40 "$work/gateway.log" >&2; echo "not ready with every object owned within 60 s" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
timeout 60 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --disable-extensions --user-data-dir="$work/profile" \
  --window-size=1280,1700 --hide-scrollbars --screenshot="$out" "http://127.0.0.1:$mgmt/ui/" 2>"$work/chromium.log" \
  || { cat "$work/chromium.log" >&2; exit 1; }
echo "wrote $out"

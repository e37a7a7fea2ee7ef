#!/usr/bin/env bash
# splitnet quick start, for a fresh Debian 12 machine as root. Idempotent: run it as often as you like.
#
#   bash scripts/quickstart.sh demo    # install what is missing, build, run the demo in the lab
#   bash scripts/quickstart.sh test    # install what is missing, build, run the whole test suite
#   bash scripts/quickstart.sh setup   # only install and build
set -euo pipefail
cd "$(dirname "$0")/.."

job=${1:-}
case "$job" in
  demo | test | setup) ;;
  *)
    echo "usage: bash scripts/quickstart.sh demo|test|setup" >&2
    exit 2
    ;;
esac

say() { printf '\033[1m[quickstart]\033[0m %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "[quickstart] run as root: the lab creates network namespaces and installs Debian packages" >&2
  exit 1
fi

# Debian packages: the lab's real networking and the real applications the adapters drive.
packages=(
  wireguard-go wireguard-tools iproute2 nftables tcpdump iperf3 curl dnsmasq openssl ca-certificates
  procps util-linux g++ make python3
  qbittorrent-nox transmission-daemon deluged deluge-console aria2 miniupnpd
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node 20.19+ comes with the machine; pnpm is pinned by package.json's packageManager.
node_ok=$(node -e 'const [a,b]=process.versions.node.split(".").map(Number);console.log(a>20||(a===20&&b>=19)?1:0)' 2>/dev/null || echo 0)
if [ "$node_ok" != 1 ]; then
  echo "[quickstart] Node.js 20.19 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
pnpm_version=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  say "installing pnpm $pnpm_version"
  npm install -g --silent "pnpm@$pnpm_version" >/dev/null
fi

say "installing node dependencies and building (native helper included)"
pnpm install --frozen-lockfile --reporter=silent
pnpm build --output-logs=errors-only >/dev/null

case "$job" in
  setup) say "ready" ;;
  demo) exec pnpm --silent demo ;;
  test) exec pnpm --silent test ;;
esac

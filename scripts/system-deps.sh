#!/usr/bin/env bash
# Installs the Debian packages Runlight's tools need, only those missing.
#   system-deps.sh editor  — what code-server's VS Code needs to install (npm start): ripgrep, libkrb5-dev, build tools
#   system-deps.sh all     — plus what the tests need: chromium, postgresql, redis-server (.ci/run)
set -euo pipefail
what="${1:-all}"
missing=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
command -v rg >/dev/null || missing+=(ripgrep)
have_pkg libkrb5-dev || missing+=(libkrb5-dev)
# native modules of code-server's VS Code (node-pty, kerberos, spdlog, argon2) build with node-gyp
command -v make >/dev/null && command -v g++ >/dev/null || missing+=(build-essential)
command -v python3 >/dev/null || missing+=(python3)
if [[ "$what" == all ]]; then
  command -v chromium >/dev/null || missing+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
fi
if (( ${#missing[@]} == 0 )); then
  echo "system packages: present"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "system packages missing: ${missing[*]} (install them with your package manager)" >&2
  exit 1
fi
sudo=()
if [[ $(id -u) != 0 ]]; then
  if command -v sudo >/dev/null; then sudo=(sudo); else echo "need root to install: ${missing[*]}" >&2; exit 1; fi
fi
echo "apt-get install ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

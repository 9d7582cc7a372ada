#!/usr/bin/env bash
# Installs the test harness (test/harness: code-server 4.100.3 = VS Code 1.100.3, playwright-core,
# @vscode/test-electron, mocha) from its own lockfile, then the current VS Code host
# (test/harness/current: code-server 4.139.1 on Node 24, by scripts/harness-install-current.sh).
# Idempotent: returns at once when test/harness/node_modules was installed from the current
# lockfile with the current Node (and the same for the current host).
# RUNLIGHT_VSCODE=min installs only the minimum host (RUNLIGHT_VSCODE=current or unset: both, since
# the browser, mocha and test-electron come from the minimum one).
#
# Workarounds for machines that reach only the npm registry and Debian packages
# (see the testing notes in the repository's docs):
#   - @vscode/ripgrep's postinstall downloads rg from GitHub; it first looks in
#     $TMPDIR/vscode-ripgrep-cache-<version>/, so we put Debian's /usr/bin/rg there as that tarball.
#   - code-server's postinstall refuses to run as root without npm_config_unsafe_perm=true, and
#     node-pty's build runs `npx node-gyp` (npm_config_yes=true).
#   - npm 11 blocks dependency install scripts unless package.json `allowScripts` lists them
#     (argon2 here); code-server's own postinstall is run by this script (see below). npm 10 runs all
#     install scripts during `npm ci` and ignores `allowScripts`.
# Usage: scripts/harness-install.sh [--force]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/harness-lib.sh"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
harness="$root/test/harness"
stamp="$harness/node_modules/.runlight-harness-stamp"
force=0
[[ "${1:-}" == "--force" ]] && force=1

# The current host after the minimum one (on every way out of this script that succeeded).
current_host() {
  [[ "${RUNLIGHT_VSCODE:-}" == "min" ]] && return 0
  bash "$root/scripts/harness-install-current.sh" "$@"
}

lock_hash() {
  { sha256sum "$harness/package-lock.json" 2>/dev/null || true
    node -p "const p = require('$harness/package.json'); JSON.stringify([p.dependencies, p.allowScripts])"
    node --version; } | sha256sum | cut -d' ' -f1
}

# A node_modules that links to another checkout's install (a git worktree sharing it): never
# reinstall through the link (`npm ci` would empty the other checkout's folder); use it when that
# checkout has the same package.json and lockfile, else stop.
if [[ -L "$harness/node_modules" ]]; then
  owner="$(cd -P "$harness/node_modules/.." && pwd)"
  if cmp -s "$owner/package-lock.json" "$harness/package-lock.json" && cmp -s "$owner/package.json" "$harness/package.json" \
      && [[ -x "$harness/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" \
            && -d "$harness/node_modules/playwright-core" ]]; then
    echo "harness: shared install in $owner/node_modules (same lockfile)"
    current_host "$@"
    exit 0
  fi
  echo "harness: $harness/node_modules links to $owner/node_modules, which is not installed from this lockfile: install there, or remove the link" >&2
  exit 1
fi

want="$(lock_hash)"
if [[ $force == 0 && -f "$stamp" && "$(cat "$stamp")" == "$want" \
      && -x "$harness/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" \
      && -d "$harness/node_modules/playwright-core" ]]; then
  echo "harness: up to date ($harness/node_modules)"
  current_host "$@"
  exit 0
fi

start=$(date +%s)
for tool in rg chromium; do
  if ! command -v "$tool" >/dev/null; then
    echo "harness: warning: '$tool' not found (Debian: apt-get install -y chromium libkrb5-dev ripgrep)" >&2
  fi
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/runlight-harness-install.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

seed_ripgrep_cache "$tmp"

export TMPDIR="$tmp"
npm_major="$(npm --version | cut -d. -f1)"

cd "$harness"
if (( npm_major < 11 )); then
  npm_config_unsafe_perm=true npm ci --no-progress
else
  npm ci --no-progress
fi

# code-server's postinstall installs VS Code's own dependencies with nested `npm install`s in
# lib/vscode and lib/vscode/extensions (no lockfile there). npm 10 has already run it above. npm 11
# skips it (allowScripts denies it, on purpose): when run under npm, npm hands its script policy to
# the nested npm through the environment, which npm 11 refuses in a project install. So run it here
# with the policy for those folders in their own .npmrc.
cs="$harness/node_modules/code-server"
if [[ ! -x "$cs/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ]]; then
  allow="@vscode/ripgrep,node-pty,kerberos,@vscode/spdlog,@parcel/watcher,native-watchdog,@vscode/deviceid,@vscode/windows-process-tree,@vscode/windows-registry,@vscode/policy-watcher,@vscode/sqlite3,keytar,node-gyp-build"
  for d in "$cs/lib/vscode" "$cs/lib/vscode/extensions"; do
    printf 'allow-scripts=%s\nfund=false\naudit=false\n' "$allow" >"$d/.npmrc"
  done
  (cd "$cs" && npm_config_unsafe_perm=true npm_config_user_agent="npm/$(npm --version) node/v$(node --version | tr -d v) linux x64" sh ./postinstall.sh)
fi

if [[ ! -x "$cs/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ]]; then
  echo "harness: code-server's ripgrep is missing: its postinstall did not run or failed" >&2
  exit 1
fi
lock_hash >"$stamp"
echo "harness: installed in $(( $(date +%s) - start )) s"
current_host "$@"

#!/usr/bin/env bash
# `npm run test:e2e`: packages the .vsix once, then runs the browser suites (test/e2e) against it on each VS Code
# host of the harness: the minimum (1.100.3) and the current one (1.139.1); RUNLIGHT_VSCODE=min|current picks one.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/harness-install.sh
npm run package
status=0
for host in ${RUNLIGHT_VSCODE:-min current}; do
  echo "e2e: VS Code host '$host'"
  RUNLIGHT_VSCODE="$host" test/harness/node_modules/.bin/mocha --config test/e2e/.mocharc.json || status=1
done
exit $status

# Sourced by the harness install scripts: what both VS Code hosts' installs need.

# Puts Debian's rg where @vscode/ripgrep@1.15.11 looks for its cached download (its postinstall would download rg
# from elsewhere), under the folder $1, which becomes TMPDIR for the install.
seed_ripgrep_cache() {
  local tmp="$1"
  command -v rg >/dev/null || return 0
  local cache="$tmp/vscode-ripgrep-cache-1.15.11"
  mkdir -p "$cache/pkg"
  cp "$(command -v rg)" "$cache/pkg/rg"
  tar -czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$cache/pkg" rg
  rm -rf "$cache/pkg"
}

# Quiet, non-interactive npm for the installs.
export npm_config_yes=true npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

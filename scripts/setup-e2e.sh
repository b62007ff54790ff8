#!/usr/bin/env bash
# Sets up what the real-VS Code tests need, offline apart from npm and Debian's archive:
# Debian's chromium and ripgrep, code-server 4.100.3 (VS Code 1.100.3, the newest on Node 20) and
# playwright-core, each in .e2e/ (ignored). Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."
E2E_DIR=${E2E_DIR:-$PWD/.e2e}
CS_VERSION=${CS_VERSION:-4.100.3}
PW_VERSION=${PW_VERSION:-1.65.1}
mkdir -p "$E2E_DIR/tmp"
E2E_DIR=$(cd "$E2E_DIR" && pwd)

# chromium drives the workbench; ripgrep stands in for @vscode/ripgrep's GitHub download;
# libkrb5-dev has the gssapi headers code-server's 'kerberos' module builds against.
need=()
for p in chromium ripgrep libkrb5-dev; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

# @vscode/ripgrep's postinstall looks in $TMPDIR/vscode-ripgrep-cache-<version>/ before downloading.
export TMPDIR="$E2E_DIR/tmp"
seed_rg() {
  local d="$TMPDIR/vscode-ripgrep-cache-$1"; mkdir -p "$d" "$TMPDIR/rgseed"
  cp "$(command -v rg)" "$TMPDIR/rgseed/rg"
  tar czf "$d/ripgrep-$2-x86_64-unknown-linux-musl.tar.gz" -C "$TMPDIR/rgseed" rg
}
seed_rg 1.15.11 v13.0.0-10

# code-server lives in its own folder: its postinstall is heavy and it is no dependency of the extension.
# --unsafe-perm: its postinstall refuses root otherwise; yes=true: node-pty runs `npx node-gyp`.
if [ ! -x "$E2E_DIR/cs/node_modules/.bin/code-server" ]; then
  mkdir -p "$E2E_DIR/cs"
  [ -f "$E2E_DIR/cs/package.json" ] || echo '{"name":"e2e-code-server","private":true}' > "$E2E_DIR/cs/package.json"
  (cd "$E2E_DIR/cs" && npm_config_yes=true npm install --no-audit --no-fund --unsafe-perm "code-server@$CS_VERSION")
fi
if [ ! -d "$E2E_DIR/pw/node_modules/playwright-core" ]; then
  mkdir -p "$E2E_DIR/pw"
  [ -f "$E2E_DIR/pw/package.json" ] || echo '{"name":"e2e-driver","private":true,"type":"module"}' > "$E2E_DIR/pw/package.json"
  (cd "$E2E_DIR/pw" && npm install --no-audit --no-fund "playwright-core@$PW_VERSION")
fi
echo "code-server $(XDG_CONFIG_HOME="$E2E_DIR/tmp/xdg" "$E2E_DIR/cs/node_modules/.bin/code-server" --version 2>/dev/null | head -1)"
chromium --version 2>/dev/null

#!/usr/bin/env bash
# Installs what the tests need, then runs every test. The README's test command.
#   npm packages from tests/package-lock.json (dynalite, the DynamoDB-compatible server)
#   Debian's chromium for the browser tests, through apt-get when it is missing
#   then `dotnet test` over the whole solution
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> npm packages (tests/package-lock.json)"
npm ci --prefix tests --no-audit --no-fund --loglevel=error

if ! command -v chromium >/dev/null 2>&1; then
  echo "==> Debian chromium (for the browser tests)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

echo "==> dotnet test"
dotnet test SseRx.sln -c Release "$@"

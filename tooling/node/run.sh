#!/usr/bin/env bash
# Runs a command with Node 24 first on PATH (see env.sh). The root package.json
# scripts go through this so `pnpm test` and `pnpm demo` work even when the
# pnpm that started them runs on an older Node.
set -euo pipefail
# shellcheck source=env.sh
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
exec "$@"

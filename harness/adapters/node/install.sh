#!/usr/bin/env bash
# Installs @aws-sdk/client-ecs for the Node adapter from the lockfile (npm registry). When it fails, the
# client suite's Node run is skipped with the reason (tests/client_suite.sh).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund

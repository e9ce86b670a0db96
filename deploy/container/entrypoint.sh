#!/bin/sh
# One image for every service: the first argument names it (auth, poller, store, query, rules,
# notifier, gateway). `exec` so the service gets SIGTERM from the container runtime and drains.
set -eu
service="${1:-}"
case "$service" in
  auth|poller|store|query|rules|notifier|gateway) ;;
  *) echo "usage: <auth|poller|store|query|rules|notifier|gateway>" >&2; exit 64 ;;
esac
exec node --import tsx "services/$service/src/index.ts"

#!/bin/sh
# One image for every service: the first argument names it (auth, poller, store, query, rules,
# notifier, provisioner, gateway; gateway-edge: the gateway's edge entry, Deno only). TENANTLENS_RUNTIME (node|deno,
# set by the image target) chooses the runtime. `exec` so the service itself gets SIGTERM from the
# container runtime and drains. Run from the repository root (the image's /app).
set -eu
service="${1:-}"
runtime="${TENANTLENS_RUNTIME:-node}"
case "$service" in
  auth|poller|store|query|rules|notifier|provisioner|gateway) entry="services/$service/src/index.ts" ;;
  gateway-edge) entry="services/gateway/src/edge.ts" ;;
  *) echo "usage: <auth|poller|store|query|rules|notifier|provisioner|gateway|gateway-edge>" >&2; exit 64 ;;
esac
case "$runtime" in
  node)
    if [ "$service" = gateway-edge ]; then
      echo "gateway-edge runs on Deno: set TENANTLENS_RUNTIME=deno (the image's deno target)" >&2
      exit 64
    fi
    exec node --import tsx "$entry"
    ;;
  deno)
    export DENO_NO_UPDATE_CHECK=1
    # Deno trusts extra CAs (e.g. NODE_EXTRA_CA_CERTS for a private Graph endpoint) through DENO_CERT.
    if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -z "${DENO_CERT:-}" ]; then export DENO_CERT="$NODE_EXTRA_CA_CERTS"; fi
    if [ "$service" = gateway-edge ]; then
      # What an edge function may do: environment, network, the host name (logger). No files, no processes.
      exec node_modules/.bin/deno run --quiet --config deno.json --allow-env --allow-net --allow-sys=hostname "$entry"
    fi
    exec node_modules/.bin/deno run --allow-all --quiet --config deno.json "$entry"
    ;;
  *) echo "TENANTLENS_RUNTIME must be node or deno, not \"$runtime\"" >&2; exit 64 ;;
esac

#!/bin/sh
# Registers every agent service in /consul/services (one Consul service definition
# per file, with its health check) with the Consul agent of the current leader.
# Registering again replaces a registration. Copies of a service that other Consul
# agents hold from an earlier run (when another server led) are deregistered first,
# so that each service is registered exactly once.
set -eu

api() {
  # shellcheck disable=SC2086
  curl -fsS --retry 5 --retry-connrefused --retry-delay 2 \
    ${CONSUL_HTTP_TOKEN:+-H "X-Consul-Token: $CONSUL_HTTP_TOKEN"} "$@"
}

leader=$(api "$CONSUL_HTTP_ADDR/v1/status/leader" | tr -d '"' | cut -d: -f1)
if [ -z "$leader" ]; then
  echo "Consul at $CONSUL_HTTP_ADDR has no leader" >&2
  exit 1
fi
agent="http://$leader:$CONSUL_HTTP_PORT"

for definition in /consul/services/*.json; do
  id=$(basename "$definition" .json)
  for node in $(api "$agent/v1/catalog/service/$id" | grep -o '"Address":"[0-9a-fA-F.:]*"' | cut -d'"' -f4 | sort -u); do
    if [ "$node" != "$leader" ]; then
      api -X PUT "http://$node:$CONSUL_HTTP_PORT/v1/agent/service/deregister/$id" ||
        echo "could not deregister $id from the Consul agent at $node" >&2
    fi
  done
  api -X PUT --data @"$definition" "$agent/v1/agent/service/register?replace-existing-checks=true"
  echo "registered $id with the Consul agent at $leader"
done

#!/usr/bin/env bash
# Starts the local cluster for an inventory (default: inventories/local):
#   1. builds the binaries once per version (build.sh; cached outside the work tree),
#   2. starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and the
#      kwok controller as local processes through kwokctl's binary runtime, on
#      127.0.0.1, with authorization (RBAC) and admission (PodSecurity, ResourceQuota,
#      LimitRanger...) on,
#   3. applies the fake nodes and pre-created volumes that model the inventory,
#   4. waits until every node is Ready.
# Re-running it against a running cluster only re-applies the fixtures.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tools/local-cluster/versions.env
source "$here/versions.env"
source "$here/lib.sh"

inventory=${1:-$repo/inventories/local}
cluster=${MAS_CLUSTER_NAME:-mas-local}
export KWOK_WORKDIR=$MAS_CACHE_DIR/kwok
kubeconfig=$KWOK_WORKDIR/clusters/$cluster/kubeconfig.yaml

"$here/build.sh" all

# One folder on PATH with the binaries of the versions in use.
current=$MAS_BIN_DIR/current
mkdir -p "$current"
ln -sfn "$MAS_BIN_DIR/kubernetes-$KUBE_VERSION/kube-apiserver" "$current/kube-apiserver"
ln -sfn "$MAS_BIN_DIR/kubernetes-$KUBE_VERSION/kube-controller-manager" "$current/kube-controller-manager"
ln -sfn "$MAS_BIN_DIR/kubernetes-$KUBE_VERSION/kube-scheduler" "$current/kube-scheduler"
ln -sfn "$MAS_BIN_DIR/kubernetes-$KUBE_VERSION/kubectl" "$current/kubectl"
ln -sfn "$MAS_BIN_DIR/etcd-$ETCD_VERSION/etcd" "$current/etcd"
ln -sfn "$MAS_BIN_DIR/kwok-$KWOK_VERSION/kwok" "$current/kwok"
ln -sfn "$MAS_BIN_DIR/kwok-$KWOK_VERSION/kwokctl" "$current/kwokctl"
export PATH=$current:$PATH
kubectl() { command kubectl --kubeconfig "$kubeconfig" "$@"; }

# How long a node's Lease lasts (kubelet's default: 40 s); kwok renews it every quarter
# of that. kwokctl multiplies its setting by its heartbeat factor (5; kwokctl's own
# default, 40, became 200 s).
node_lease_seconds=40
heartbeat_factor=5

healthy() {
  [[ -f $kubeconfig ]] && kubectl get --raw /readyz > /dev/null 2>&1
}

if healthy; then
  log "cluster $cluster: already running"
else
  if kwokctl get clusters 2> /dev/null | grep -qx "$cluster"; then
    log "cluster $cluster: exists but does not answer; starting it"
    if ! kwokctl start cluster --name "$cluster" --timeout 120s; then
      log "cluster $cluster: could not be started; recreating it"
      "$here/down.sh"
    fi
  fi
  if ! healthy; then
    config=$MAS_CACHE_DIR/kwokctl-$cluster.yaml
    cat > "$config" <<YAML
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  kubeVersion: $KUBE_VERSION
  etcdVersion: ${ETCD_VERSION#v}
  bindAddress: 127.0.0.1
  securePort: true
  kubeAuthorization: true
  kubeAdmission: true
  quietPull: true
  kubeApiserverBinary: $current/kube-apiserver
  kubeControllerManagerBinary: $current/kube-controller-manager
  kubeSchedulerBinary: $current/kube-scheduler
  kubectlBinary: $current/kubectl
  etcdBinary: $current/etcd
  kwokControllerBinary: $current/kwok
  nodeLeaseDurationSeconds: $((node_lease_seconds / heartbeat_factor))
YAML
    log "cluster $cluster: creating (Kubernetes $KUBE_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION)"
    kwokctl create cluster --name "$cluster" --config "$config" --kubeconfig "" --timeout 180s --wait 120s
  fi
fi

# A kwok controller that starts again (a stopped cluster started, or the controller
# restarted) has a new identity, and acts for a node (starts and deletes its pods, so
# namespaces empty) only once it holds the node's Lease. The stopped controller's Leases
# would keep every node unmanaged until they expire (200 s with an older cluster's
# setting). Every Lease last renewed before the running controller started is such a
# Lease: shorten it to one second, so that it has expired (the JSON patch's test leaves
# alone a Lease the controller took meanwhile; deleting Leases instead would leave the
# controller unable to renew one it held), then wait until the controller holds them all.
take_over_node_leases() {
  local pid since name renewed lease nodes fresh deadline=$((SECONDS + 3 * node_lease_seconds))
  pid=$(cat "$KWOK_WORKDIR/clusters/$cluster/pids/kwok-controller.pid")
  since=$(date -u -d "$(ps -o lstart= -p "$pid")" +%Y-%m-%dT%H:%M:%S.%6NZ) ||
    die "the kwok controller (pid $pid) is not running"
  local -a stale=()
  while read -r name renewed; do
    [[ -n $renewed && $renewed < $since ]] && stale+=("$name $renewed")
  done < <(kubectl get lease --namespace kube-node-lease \
    -o jsonpath='{range .items[*]}{.metadata.name} {.spec.renewTime}{"\n"}{end}')
  if ((${#stale[@]})); then
    log "cluster $cluster: expiring the Leases of ${#stale[@]} nodes that a stopped kwok controller held"
  fi
  for lease in "${stale[@]}"; do
    read -r name renewed <<< "$lease"
    kubectl patch lease --namespace kube-node-lease "$name" --type=json -p \
      "[{\"op\": \"test\", \"path\": \"/spec/renewTime\", \"value\": \"$renewed\"},
        {\"op\": \"replace\", \"path\": \"/spec/leaseDurationSeconds\", \"value\": 1}]" > /dev/null 2>&1 || true
  done
  nodes=$(kubectl get nodes --no-headers | wc -l)
  while fresh=$(kubectl get lease --namespace kube-node-lease \
    -o jsonpath='{range .items[*]}{.spec.renewTime}{"\n"}{end}' | awk -v since="$since" '$0 >= since' | wc -l)
    ((fresh < nodes)); do
    ((SECONDS < deadline)) || die "the kwok controller holds the Leases of $fresh of the $nodes nodes"
    sleep 1
  done
}

fixtures=$MAS_CACHE_DIR/fixtures-$cluster.yaml
# The fixtures are rendered by the project's virtualenv (PyYAML, ansible-inventory).
python=${MAS_PYTHON:-$repo/.venv/bin/python}
[[ -x $python ]] || python=python3
"$python" "$here/render_fixtures.py" "$inventory" "$fixtures.status" > "$fixtures"
existing_nodes=" $(kubectl get nodes -o jsonpath='{.items[*].metadata.name}') "
kubectl apply --server-side --field-manager=mas-local-cluster -f "$fixtures" > /dev/null
# Node capacity and allocatable live in the status subresource, which an apply of
# an existing Node leaves alone (a new Node keeps the status it is created with):
# patch the nodes that existed, so that a changed instance type shows.
while read -r node patch; do
  if [[ $existing_nodes == *" $node "* ]]; then
    kubectl patch node "$node" --subresource=status --type=merge -p "$patch" > /dev/null
  fi
done < "$fixtures.status"
# Minimal CRDs of kinds the roles write but no local controller serves
# (Istio, Prometheus Operator; see docs/agents.md): stored, not acted on.
kubectl apply --server-side --field-manager=mas-local-cluster -f "$here/crds/" > /dev/null
# Right after creation a CRD may have no status yet (kubectl wait then fails at once
# instead of waiting): try again for up to a minute.
for attempt in 1 2 3 4 5 6; do
  if kubectl wait --for=condition=Established crd -l app.kubernetes.io/managed-by=mas-local-cluster \
    --timeout=60s > /dev/null 2>&1; then
    break
  fi
  ((attempt < 6)) || die "the local CRDs did not become Established"
  sleep 10
done
# A local volume whose claim was deleted stays Released (reclaim policy Retain);
# return it to the pool, as a volume reclaimer would, so that tests can reuse it.
kubectl get pv -l mas.platform/local-volume=true \
  -o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name}{"\n"}{end}' |
  while read -r pv; do
    if [[ -n $pv ]]; then
      kubectl patch pv "$pv" --type=json -p '[{"op":"remove","path":"/spec/claimRef"}]' > /dev/null
    fi
  done
kubectl wait --for=condition=Ready node --all --timeout=120s > /dev/null
take_over_node_leases
log "cluster $cluster: ready; kubeconfig $kubeconfig"
kubectl get nodes -L node-role,node.kubernetes.io/instance-type \
  -o custom-columns='NAME:.metadata.name,STATUS:.status.conditions[?(@.type=="Ready")].type,ROLE:.metadata.labels.node-role,TYPE:.metadata.labels.node\.kubernetes\.io/instance-type,CPU:.status.allocatable.cpu,MEMORY:.status.allocatable.memory,GPU:.status.allocatable.nvidia\.com/gpu'

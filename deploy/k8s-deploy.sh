#!/usr/bin/env bash
# Deploys an overlay in the order the services need: configuration, policies, databases and
# the migrations Job first; the Deployments once the Job has completed, then waits for their
# rollout. Re-running it upgrades (the Job is recreated: Jobs are immutable).
#   deploy/k8s-deploy.sh dev|prod [--dry-run]    (needs kubectl with a current context)
set -euo pipefail
overlay="${1:?usage: deploy/k8s-deploy.sh dev|prod [--dry-run]}"
dry=()
[[ ${2:-} == --dry-run ]] && dry=(--dry-run=server)
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/k8s/overlays/$overlay"
[[ -f $dir/kustomization.yaml ]] || { echo "no overlay $dir" >&2; exit 2; }
ns="$(sed -n 's/^namespace: *//p' "$dir/kustomization.yaml")"
rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
kubectl kustomize "$dir" >"$rendered"

if [[ $overlay == prod ]] && ! kubectl -n "$ns" get secret comptoir-secrets >/dev/null 2>&1; then
  echo "create the Secret comptoir-secrets in namespace $ns first (see k8s/base/secret.example.yaml)" >&2
  exit 1
fi
# 1. Everything but the workloads that serve traffic: namespace, config, policies,
#    databases, the migrations Job.
kubectl -n "$ns" delete job migrate --ignore-not-found "${dry[@]}"
kubectl apply -f "$rendered" "${dry[@]}" \
  --selector 'app.kubernetes.io/component notin (service,gateway)'
((${#dry[@]})) && { kubectl apply -f "$rendered" "${dry[@]}"; exit 0; }
# 2. Migrations (idempotent, forward-only): old pods keep serving meanwhile.
kubectl -n "$ns" wait --for=condition=complete job/migrate --timeout=900s || {
  kubectl -n "$ns" logs job/migrate --all-containers --tail=50 >&2 || true
  echo "migrations failed: the Deployments were left as they were" >&2
  exit 1
}
# 3. Services and gateway.
kubectl apply -f "$rendered"
for d in $(kubectl -n "$ns" get deployments -l app.kubernetes.io/part-of=comptoir -o name); do
  kubectl -n "$ns" rollout status "$d" --timeout=300s
done
echo "deployed $overlay to namespace $ns"

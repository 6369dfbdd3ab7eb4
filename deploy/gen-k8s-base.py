#!/usr/bin/env python3
"""Writes k8s/base/<service>.yaml for every service of SERVICES below (ServiceAccount,
Deployment, headless Service, HorizontalPodAutoscaler, PodDisruptionBudget, NetworkPolicy).

The per-service manifests are all of one shape; generating them keeps the five in step.
Edit this file (a new service: one line in SERVICES and CALLERS), run it, commit the output:
    python3 deploy/gen-k8s-base.py
tests/deploy/check_manifests.py checks the result either way.
"""
import os
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name, gRPC port, metrics port, cpu request, memory request, memory limit, HPA max
SERVICES = [
    ("accounts", 50051, 9101, "100m", "96Mi", "256Mi", 6),
    ("shops", 50052, 9102, "100m", "96Mi", "256Mi", 6),
    ("catalogue", 50053, 9103, "200m", "128Mi", "384Mi", 12),
    ("orders", 50054, 9104, "200m", "128Mi", "384Mi", 10),
    ("delivery", 50055, 9105, "200m", "128Mi", "512Mi", 6),
]
# Who opens a gRPC connection to whom (NetworkPolicy ingress); the reverse gives each
# service's egress. The gateway reaches every service; shops (memberships) and delivery
# (courier roles) call accounts' internal service; orders calls catalogue (stock) and delivery
# (quotes, slots); accounts calls the holders of personal data. Other links are events.
CALLERS = {
    "accounts": ["gateway", "shops", "delivery"],
    "shops": ["gateway"],
    "catalogue": ["gateway", "orders"],
    "orders": ["gateway", "accounts"],
    "delivery": ["gateway", "orders", "accounts"],
}
PORTS = {name: grpc for name, grpc, *_ in SERVICES}
EXTRA_ENV = {
    # accounts signs access tokens
    "accounts": [{"name": "AUTH_SIGNING_KEYS",
                  "valueFrom": {"secretKeyRef": {"name": "comptoir-secrets",
                                                 "key": "AUTH_SIGNING_KEYS"}}}],
}


def secret_env(name, key):
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": "comptoir-secrets", "key": key}}}


class NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


def labels(name, component="service"):
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "comptoir",
            "app.kubernetes.io/component": component}


def addr_env(name):
    """<CALLEE>_GRPC for every service this one calls: dns:/// so gRPC round-robins.
    accounts names its callees (export / erase of a person's data) in ACCOUNT_DATA_PEERS."""
    if name == "accounts":
        peers = ",".join(f"{callee}=dns:///{callee}:{PORTS[callee]}"
                         for callee, callers in CALLERS.items() if name in callers)
        return [{"name": "ACCOUNT_DATA_PEERS", "value": peers}]
    out = []
    for callee, callers in CALLERS.items():
        if name in callers:
            out.append({"name": f"{callee.upper()}_GRPC",
                        "value": f"dns:///{callee}:{PORTS[callee]}"})
    return out


def service_docs(name, grpc, metrics, cpu, mem, mem_limit, hpa_max):
    lab = labels(name)
    sel = {"app.kubernetes.io/name": name}
    env = [
        {"name": "GRPC_LISTEN", "value": f"0.0.0.0:{grpc}"},
        {"name": "METRICS_LISTEN", "value": f"0.0.0.0:{metrics}"},
        # Each container gets only the secrets it needs (no envFrom of the whole Secret).
        secret_env("PG_PASSWORD", f"ROLE_PASSWORD_{name.upper()}"),
        secret_env("REDIS_PASSWORD", "REDIS_PASSWORD"),
        secret_env("INTERNAL_CREDENTIAL", "INTERNAL_CREDENTIAL"),
        # $(VAR) expands variables defined above it (PG_HOST etc. come from the ConfigMap).
        {"name": "PG_URL",
         "value": f"postgresql://{name}:$(PG_PASSWORD)@$(PG_HOST):$(PG_PORT)/$(PG_DATABASE)$(PG_PARAMS)"},
        {"name": "PG_READ_URL",
         "value": f"postgresql://{name}:$(PG_PASSWORD)@$(PG_READ_HOST):$(PG_PORT)/$(PG_DATABASE)$(PG_PARAMS)"},
        {"name": "REDIS_URL", "value": "redis://:$(REDIS_PASSWORD)@$(REDIS_HOST):$(REDIS_PORT)/0"},
    ] + EXTRA_ENV.get(name, []) + addr_env(name)
    container = {
        "name": name,
        "image": f"comptoir/{name}",
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "grpc", "containerPort": grpc, "protocol": "TCP"},
                  {"name": "metrics", "containerPort": metrics, "protocol": "TCP"}],
        "envFrom": [{"configMapRef": {"name": "comptoir-config"}}],
        "env": env,
        # Readiness: grpc.health.v1 (overall status follows the database ping). Liveness must
        # not depend on the database: the metrics endpoint answers while the process lives.
        # The startup probe gates liveness, so it must not wait on the database either.
        "startupProbe": {"httpGet": {"path": "/metrics", "port": "metrics"},
                         "periodSeconds": 2, "failureThreshold": 30},
        "readinessProbe": {"grpc": {"port": grpc}, "periodSeconds": 5, "timeoutSeconds": 2,
                           "failureThreshold": 2},
        "livenessProbe": {"httpGet": {"path": "/metrics", "port": "metrics"},
                          "periodSeconds": 10, "timeoutSeconds": 3, "failureThreshold": 3},
        "resources": {"requests": {"cpu": cpu, "memory": mem},
                      "limits": {"memory": mem_limit}},
        "securityContext": {
            "runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
            "readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False,
            "privileged": False, "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"}},
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": lab},
        "spec": {
            "replicas": 2,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": sel},
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {"labels": lab, "annotations": {
                    "prometheus.io/scrape": "true", "prometheus.io/port": str(metrics)}},
                "spec": {
                    "serviceAccountName": name,
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    # SHUTDOWN_DRAIN (ConfigMap) + SHUTDOWN_GRACE fit inside this.
                    "terminationGracePeriodSeconds": 30,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001,
                                        "runAsGroup": 10001, "fsGroup": 10001,
                                        "seccompProfile": {"type": "RuntimeDefault"}},
                    "topologySpreadConstraints": [{
                        "maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
                        "whenUnsatisfiable": "ScheduleAnyway",
                        "labelSelector": {"matchLabels": sel}}],
                    "containers": [container],
                    "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "16Mi"}}],
                },
            },
        },
    }
    service = {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "labels": lab, "annotations": {
            "comptoir.example/note": f"headless: clients resolve every pod and balance with "
                                     f"dns:///{name}:{grpc} and the round_robin policy"}},
        "spec": {"clusterIP": "None", "selector": sel,
                 "ports": [{"name": "grpc", "port": grpc, "targetPort": "grpc",
                            "appProtocol": "kubernetes.io/h2c"},
                           {"name": "metrics", "port": metrics, "targetPort": "metrics"}]},
    }
    sa = {"apiVersion": "v1", "kind": "ServiceAccount",
          "metadata": {"name": name, "labels": lab}, "automountServiceAccountToken": False}
    hpa = {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "labels": lab},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                 "minReplicas": 2, "maxReplicas": hpa_max,
                 "metrics": [{"type": "Resource", "resource": {
                     "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}],
                 "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}}},
    }
    pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
           "metadata": {"name": name, "labels": lab},
           "spec": {"minAvailable": 1, "selector": {"matchLabels": sel}}}
    callers = CALLERS[name]
    ingress_from = [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": c}}}
                    for c in callers]
    egress = [
        {"to": [{"podSelector": {"matchLabels": {"comptoir.example/role": "postgres"}}}],
         "ports": [{"protocol": "TCP", "port": 5432}]},
        {"to": [{"podSelector": {"matchLabels": {"comptoir.example/role": "redis"}}}],
         "ports": [{"protocol": "TCP", "port": 6379}, {"protocol": "TCP", "port": 26379}]},
    ]
    for callee, cs in CALLERS.items():
        if name in cs:
            egress.append({"to": [{"podSelector": {"matchLabels": {
                "app.kubernetes.io/name": callee}}}],
                "ports": [{"protocol": "TCP", "port": PORTS[callee]}]})
    netpol = {
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": name, "labels": lab},
        "spec": {
            "podSelector": {"matchLabels": sel},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {"from": ingress_from, "ports": [{"protocol": "TCP", "port": grpc}]},
                {"from": [{"namespaceSelector": {"matchLabels": {
                    "kubernetes.io/metadata.name": "monitoring"}}}],
                 "ports": [{"protocol": "TCP", "port": metrics}]},
            ],
            "egress": egress,
        },
    }
    return [sa, deployment, service, hpa, pdb, netpol]


def main():
    out_dir = os.path.join(ROOT, "k8s", "base")
    os.makedirs(out_dir, exist_ok=True)
    for spec in SERVICES:
        docs = service_docs(*spec)
        path = os.path.join(out_dir, f"{spec[0]}.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write("# Generated by deploy/gen-k8s-base.py: edit that file, not this one.\n")
            yaml.dump_all(docs, f, Dumper=NoAliasDumper, sort_keys=False,
                          default_flow_style=False, width=100)
        print(path)


if __name__ == "__main__":
    main()

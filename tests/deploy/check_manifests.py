#!/usr/bin/env python3
"""Offline checks of the deployment recipes: docker-compose.yml, deploy/Dockerfile and the
Kubernetes kustomize tree (k8s/base, k8s/overlays/{dev,prod}). No Docker engine and no
cluster are needed.

What it protects:
  - every service of scripts/run's SERVICES list (and every services/<name>/main.cc) is
    deployed everywhere: compose service + one-shot migration, Dockerfile target, and in
    Kubernetes a Deployment, headless Service, ServiceAccount, HPA, PDB and NetworkPolicy;
  - every container is hardened (non-root, read-only root filesystem, no privilege
    escalation, all capabilities dropped) and has resources; Deployments have readiness
    and liveness probes, and liveness does not go through the database;
  - the namespace denies traffic by default; the gateway is the only published port;
  - no real secret is committed; the prod overlay ships no Secret at all;
  - the image recipes name only packages that exist in Debian 12 (when apt-cache has lists);
  - `kubectl kustomize` builds every overlay, its output validates against the Kubernetes
    schemas (npm `kubernetes-models`, installed by `npm ci --prefix tests/deploy`) and
    `docker-compose config` accepts the compose file (each when the tool is installed;
    otherwise that part is reported as skipped).

Usage: tests/deploy/check_manifests.py [--repo PATH]. Exit 0 when every check passes,
1 when one fails (each failure is printed), 77 when the tools for the main checks are
missing (CTest: SKIP_RETURN_CODE 77).
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys

import yaml

FAILURES = []
SKIPPED = []
GRPC_PORT = {"accounts": 50051, "shops": 50052, "catalogue": 50053, "orders": 50054,
             "delivery": 50055}
# Services being written (same conventions); they are deployed ahead of their code.
EXPECTED_SERVICES = set(GRPC_PORT)
NOT_SERVICES = {"common", "admin"}


def fail(where, what):
    FAILURES.append(f"{where}: {what}")


def check(cond, where, what):
    if not cond:
        fail(where, what)
    return cond


# ------------------------------------------------------------------------ service list

def services_from_run(repo):
    """(name, grpc_port, metrics_port, [grpc service names]) from scripts/run's SERVICES."""
    text = open(os.path.join(repo, "scripts", "run"), encoding="utf-8").read()
    m = re.search(r"^SERVICES=\(\n(.*?)^\)", text, re.S | re.M)
    out = []
    if not m:
        fail("scripts/run", "no SERVICES=( ... ) list found")
        return out
    for line in m.group(1).splitlines():
        line = line.strip()
        if not line.startswith('"'):
            continue
        parts = line.strip('"').split()
        out.append((parts[0], int(parts[2]), int(parts[3]), parts[4].split(",")))
    return out


def all_service_names(repo, run_services):
    names = {s[0] for s in run_services} | EXPECTED_SERVICES
    for main in glob.glob(os.path.join(repo, "services", "*", "main.cc")):
        name = os.path.basename(os.path.dirname(main))
        if name not in NOT_SERVICES:
            names.add(name)
    return sorted(names)


# ----------------------------------------------------------------------- pod templates

def pod_spec(obj):
    kind = obj.get("kind")
    if kind in ("Deployment", "StatefulSet", "Job"):
        return obj["spec"]["template"]["spec"]
    return None


def check_container(where, c, pod):
    psc = pod.get("securityContext") or {}
    sc = c.get("securityContext") or {}
    name = f"{where} container {c.get('name')}"
    non_root = sc.get("runAsNonRoot", psc.get("runAsNonRoot"))
    check(non_root is True, name, "runAsNonRoot is not true")
    uid = sc.get("runAsUser", psc.get("runAsUser"))
    check(uid is not None and uid != 0, name, "runAsUser unset or 0")
    check(sc.get("readOnlyRootFilesystem") is True, name, "readOnlyRootFilesystem is not true")
    check(sc.get("allowPrivilegeEscalation") is False, name,
          "allowPrivilegeEscalation is not false")
    check(sc.get("privileged") in (None, False), name, "privileged")
    drop = (sc.get("capabilities") or {}).get("drop") or []
    check("ALL" in drop, name, "capabilities.drop does not contain ALL")
    check(not (sc.get("capabilities") or {}).get("add"), name, "adds capabilities")
    seccomp = (sc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type")
    check(seccomp in ("RuntimeDefault", "Localhost"), name, "no seccomp profile")
    res = c.get("resources") or {}
    req = res.get("requests") or {}
    check("cpu" in req and "memory" in req, name, "no cpu/memory requests")
    check("memory" in (res.get("limits") or {}), name, "no memory limit")


def check_workloads(label, docs, services):
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    deployments = by_kind.get("Deployment", {})
    svcs = by_kind.get("Service", {})
    sas = by_kind.get("ServiceAccount", {})
    hpas = by_kind.get("HorizontalPodAutoscaler", {})
    pdbs = by_kind.get("PodDisruptionBudget", {})
    netpols = list(by_kind.get("NetworkPolicy", {}).values())

    for d in docs:
        spec = pod_spec(d)
        if spec is None:
            continue
        where = f"{label} {d['kind']}/{d['metadata']['name']}"
        check(spec.get("automountServiceAccountToken") is False, where,
              "automountServiceAccountToken is not false")
        for c in spec.get("initContainers", []) + spec.get("containers", []):
            check_container(where, c, spec)

    for name in services + ["gateway"]:
        where = f"{label} {name}"
        dep = deployments.get(name)
        if not check(dep is not None, where, "no Deployment"):
            continue
        spec = dep["spec"]["template"]["spec"]
        sa = spec.get("serviceAccountName")
        check(sa == name and sa in sas, where, f"ServiceAccount {name} missing or not used")
        c = spec["containers"][0]
        check("readinessProbe" in c, where, "no readinessProbe")
        check("livenessProbe" in c, where, "no livenessProbe")
        for probe in ("livenessProbe", "startupProbe"):
            p = c.get(probe) or {}
            # grpc.health.v1's overall status follows the database ping (readiness):
            # restarting pods because the database is away would make an outage worse.
            if "grpc" in p:
                check(p["grpc"].get("service") not in (None, ""), where,
                      f"{probe} is the overall gRPC health (it depends on the database)")
        if name != "gateway":
            check("grpc" in (c.get("readinessProbe") or {}), where,
                  "readinessProbe is not a gRPC health probe")
            ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
            if name in GRPC_PORT:
                check(ports.get("grpc") == GRPC_PORT[name], where,
                      f"gRPC port {ports.get('grpc')} != {GRPC_PORT[name]}")
            svc = svcs.get(name)
            if check(svc is not None, where, "no Service"):
                check(svc["spec"].get("clusterIP") == "None", where,
                      "Service is not headless (gRPC clients could not balance over pods)")
        else:
            check(name in svcs, where, "no Service")
        hpa = hpas.get(name)
        if check(hpa is not None, where, "no HorizontalPodAutoscaler"):
            check(hpa["spec"]["scaleTargetRef"].get("name") == name, where,
                  "HPA targets another Deployment")
        pdb = pdbs.get(name)
        if check(pdb is not None, where, "no PodDisruptionBudget"):
            check(pdb["spec"]["selector"]["matchLabels"].get("app.kubernetes.io/name") == name,
                  where, "PDB selects other pods")
        own = [n for n in netpols
               if (n["spec"].get("podSelector") or {}).get("matchLabels", {})
               .get("app.kubernetes.io/name") == name]
        if check(own, where, "no NetworkPolicy of its own"):
            types = set(own[0]["spec"].get("policyTypes", []))
            check({"Ingress", "Egress"} <= types, where, "its NetworkPolicy misses a direction")
            if name != "gateway":
                sources = [f for rule in own[0]["spec"].get("ingress", [])
                           for f in rule.get("from", [])]
                check(all(s for s in sources), where, "NetworkPolicy allows from everywhere")

    deny = [n for n in netpols if n["spec"].get("podSelector") in ({}, None)
            and {"Ingress", "Egress"} <= set(n["spec"].get("policyTypes", []))
            and not n["spec"].get("ingress") and not n["spec"].get("egress")]
    check(deny, label, "no default-deny NetworkPolicy (podSelector {}, both directions)")

    jobs = by_kind.get("Job", {})
    check("migrate" in jobs, label, "no migrations Job")
    if "migrate" in jobs:
        spec = jobs["migrate"]["spec"]["template"]["spec"]
        args = [" ".join(c.get("args", [])) for c in
                spec.get("initContainers", []) + spec.get("containers", [])]
        check(args and args[0] == "bootstrap", label, "migrations Job does not bootstrap first")
        for name in services:
            check(any(c["name"] == f"migrate-{name}" for c in
                      spec.get("initContainers", []) + spec.get("containers", [])),
                  label, f"migrations Job does not migrate {name}")

    ing = by_kind.get("Ingress", {}).get("gateway")
    if check(ing is not None, label, "no Ingress for the gateway"):
        ann = ing["metadata"].get("annotations") or {}
        check(any(k.startswith("cert-manager.io/") for k in ann), label,
              "Ingress has no cert-manager annotation")
        check(ing["spec"].get("tls"), label, "Ingress has no tls section")
    return by_kind


def check_upstreams(where, text, run_services):
    for name, _, _, grpc_names in run_services:
        for g in grpc_names:
            check(re.search(re.escape(g) + r"=", text), where,
                  f"UPSTREAMS does not route {g} (scripts/run lists it for {name})")


# ------------------------------------------------------------------------- kubernetes

def kustomize_cmd():
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    return None


def validate_schemas(repo, label, docs):
    """Kubernetes OpenAPI schemas through npm's kubernetes-models (tests/deploy/package.json),
    when installed with `npm ci --prefix tests/deploy`."""
    here = os.path.join(repo, "tests", "deploy")
    if not shutil.which("node") or not os.path.isdir(
            os.path.join(here, "node_modules", "kubernetes-models")):
        if "schemas" not in " ".join(SKIPPED):
            SKIPPED.append("Kubernetes schemas (run: npm ci --prefix tests/deploy)")
        return
    r = subprocess.run(["node", os.path.join(here, "validate_schemas.mjs")],
                       input=json.dumps(docs), capture_output=True, text=True)
    for line in r.stdout.splitlines():
        if line.startswith("INVALID"):
            fail(label, line)
    check(r.returncode == 0 or "INVALID" in r.stdout, label,
          f"schema validation did not run: {r.stderr.strip()[:300]}")


def check_kubernetes(repo, services, run_services):
    cmd = kustomize_cmd()
    if cmd is None:
        SKIPPED.append("kustomize (neither kubectl nor kustomize installed)")
        return False
    for overlay in ("dev", "prod"):
        path = os.path.join(repo, "k8s", "overlays", overlay)
        label = f"k8s/overlays/{overlay}"
        r = subprocess.run(cmd + [path], capture_output=True, text=True)
        if not check(r.returncode == 0, label, f"kustomize failed: {r.stderr.strip()}"):
            continue
        docs = [d for d in yaml.safe_load_all(r.stdout) if d]
        validate_schemas(repo, label, docs)
        by_kind = check_workloads(label, docs, services)
        ns = by_kind.get("Namespace", {})
        check(len(ns) == 1, label, "overlay does not create its Namespace")
        for d in docs:
            if d["kind"] != "Namespace" and d["kind"] != "Cluster":
                check(d["metadata"].get("namespace") in ns, label,
                      f"{d['kind']}/{d['metadata']['name']} is outside the overlay namespace")
        dep = by_kind.get("Deployment", {}).get("gateway")
        if dep:
            env = {e["name"]: e.get("value", "") for e in
                   dep["spec"]["template"]["spec"]["containers"][0].get("env", [])}
            check_upstreams(f"{label} gateway", env.get("UPSTREAMS", ""), run_services)
            check("dns:///" in env.get("UPSTREAMS", ""), label,
                  "gateway UPSTREAMS do not use dns:/// (no balancing over pods)")
        if overlay == "prod":
            check(not by_kind.get("Secret"), label, "prod ships a Secret (values are managed out of band)")
            check("comptoir-pg" in by_kind.get("Cluster", {}), label,
                  "no CloudNativePG Cluster for PostgreSQL")
            check(not by_kind.get("StatefulSet"), label, "prod runs databases as StatefulSets")
        else:
            check({"postgres", "redis"} <= set(by_kind.get("StatefulSet", {})), label,
                  "dev has no postgres/redis StatefulSets")
    # Whatever the overlay does, the example Secret holds placeholders only.
    for f in glob.glob(os.path.join(repo, "k8s", "**", "*.yaml"), recursive=True):
        for d in yaml.safe_load_all(open(f, encoding="utf-8")):
            if d and d.get("kind") == "Secret":
                for k, v in (d.get("stringData") or {}).items():
                    check("change-me" in str(v), os.path.relpath(f, repo),
                          f"Secret value {k} is not a placeholder")
                check(not d.get("data"), os.path.relpath(f, repo), "Secret has encoded data")
    return True


# ----------------------------------------------------------------------------- compose

def check_compose(repo, services, run_services):
    where = "docker-compose.yml"
    doc = yaml.safe_load(open(os.path.join(repo, "docker-compose.yml"), encoding="utf-8"))
    svcs = doc.get("services") or {}
    for infra in ("postgres", "redis"):
        s = svcs.get(infra)
        if check(s is not None, where, f"no {infra}"):
            check("healthcheck" in s, where, f"{infra} has no healthcheck")
            check(s.get("volumes"), where, f"{infra} has no volume")
    check(str((svcs.get("postgres") or {}).get("image", "")).startswith("postgres:15"), where,
          "PostgreSQL is not version 15")
    check(str((svcs.get("redis") or {}).get("image", "")).startswith("redis:7"), where,
          "Redis is not version 7")
    boot = svcs.get("bootstrap") or {}
    check(boot.get("command") == ["bootstrap"], where, "no one-shot bootstrap")
    for name in services + ["gateway"]:
        s = svcs.get(name)
        if not check(s is not None, where, f"no service {name}"):
            continue
        deps = s.get("depends_on") or {}
        check(isinstance(deps, dict) and deps, where, f"{name}: depends_on without conditions")
        if name != "gateway":
            check((deps.get(f"migrate-{name}") or {}).get("condition")
                  == "service_completed_successfully", where,
                  f"{name} does not wait for its migrations")
            m = svcs.get(f"migrate-{name}") or {}
            check(m.get("command") == ["migrate"], where, f"no one-shot migrate-{name}")
            check((m.get("depends_on") or {}).get("bootstrap", {}).get("condition")
                  == "service_completed_successfully", where,
                  f"migrate-{name} does not wait for bootstrap")
    for name, s in svcs.items():
        if name in ("postgres", "redis"):
            continue
        check(s.get("read_only") is True, where, f"{name}: root filesystem not read-only")
        check("ALL" in (s.get("cap_drop") or []), where, f"{name}: capabilities not dropped")
        check(any("no-new-privileges" in o for o in s.get("security_opt") or []), where,
              f"{name}: no-new-privileges not set")
        env = s.get("environment") or {}
        for k, v in (env.items() if isinstance(env, dict) else []):
            v = "" if v is None else str(v)
            if re.search(r"PASSWORD|KEYS|CREDENTIAL", k):
                check(v.startswith("${"), where, f"{name}: {k} is not taken from .env")
            # A URL's password must come from .env too (redis://:${X}@..., postgresql://u:${X}@).
            m = re.search(r"://[^/@:]*:([^@]*)@", v)
            if m:
                check(m.group(1).startswith("${"), where, f"{name}: {k} holds a literal password")
    published = [n for n, s in svcs.items() if s.get("ports")]
    check(published == ["gateway"], where, f"published ports on {published} (only the gateway)")
    gw_env = (svcs.get("gateway") or {}).get("environment") or {}
    check_upstreams(f"{where} gateway", str(gw_env.get("UPSTREAMS", "")), run_services)

    exe = shutil.which("docker-compose")
    if exe:
        r = subprocess.run([exe, "-f", os.path.join(repo, "docker-compose.yml"), "--env-file",
                            os.path.join(repo, "deploy", "env.example"), "config", "-q"],
                           capture_output=True, text=True, cwd=repo)
        check(r.returncode == 0, where, f"docker-compose config failed: {r.stderr.strip()}")
    else:
        SKIPPED.append("docker-compose config (Debian package docker-compose not installed)")
    env_example = open(os.path.join(repo, "deploy", "env.example"), encoding="utf-8").read()
    for line in env_example.splitlines():
        if re.match(r"^[A-Z_]*(PASSWORD|KEYS|CREDENTIAL)[A-Z_]*=", line):
            check(line.endswith("=change-me"), "deploy/env.example",
                  f"{line.split('=')[0]} is not a placeholder")


# -------------------------------------------------------------------------- Dockerfile

def apt_packages(stage_text):
    pkgs = []
    for m in re.finditer(r"apt-get install (.*?)(?:&&|$)", stage_text, re.S):
        words = m.group(1).replace("\\\n", " ").split()
        pkgs += [w for w in words if not w.startswith("-")]
    return pkgs


def check_dockerfile(repo, services):
    where = "deploy/Dockerfile"
    text = open(os.path.join(repo, "deploy", "Dockerfile"), encoding="utf-8").read()
    stages = {}
    for m in re.finditer(r"^FROM\s+(\S+)\s+AS\s+(\S+)\s*\n(.*?)(?=^FROM\s|\Z)", text, re.S | re.M):
        stages[m.group(2)] = (m.group(1), m.group(3))
    check("build" in stages and "runtime" in stages, where, "needs a build and a runtime stage")
    check(re.search(r"^ARG DEBIAN_IMAGE=debian:bookworm", text, re.M), where,
          "base image is not Debian 12 (bookworm)")
    runtime = stages.get("runtime", ("", ""))[1]
    rpk = apt_packages(runtime)
    for p in rpk:
        check(not p.endswith("-dev") and p not in ("build-essential", "cmake", "gcc", "g++",
                                                    "make", "ninja-build"),
              where, f"runtime stage installs build tool {p}")
    m = re.search(r"^USER\s+(\S+)", runtime, re.M)
    check(m and m.group(1).split(":")[0].isdigit() and m.group(1).split(":")[0] != "0", where,
          "runtime USER is not a numeric non-root uid")
    for name in services + ["gateway", "admin"]:
        st = stages.get(name)
        if not check(st is not None, where, f"no target {name}"):
            continue
        check(st[0] == "runtime", where, f"target {name} is not built FROM runtime")
        check(f"comptoir-{name}" in st[1], where, f"target {name} does not copy comptoir-{name}")
        if name != "admin":
            check("HEALTHCHECK" in st[1], where, f"target {name} has no HEALTHCHECK")
    # Every file copied from the context exists and is not excluded from it.
    ignores = []
    for f in (".dockerignore", "deploy/Dockerfile.dockerignore"):
        path = os.path.join(repo, f)
        if check(os.path.exists(path), where, f"no {f} (the build context would hold .local/)"):
            ignores.append([l for l in open(path, encoding="utf-8").read().splitlines()
                            if l and not l.startswith("#")])
    check(len(ignores) == 2 and ignores[0] == ignores[1], where,
          ".dockerignore and deploy/Dockerfile.dockerignore differ")
    allowed = [l[1:].rstrip("/") for l in (ignores[0] if ignores else []) if l.startswith("!")]
    for m in re.finditer(r"^COPY\s+(?!--from)(.*)$", text, re.M):
        for src in m.group(1).split()[:-1]:
            src = src.rstrip("/")
            check(os.path.exists(os.path.join(repo, src)), where, f"COPY source {src} missing")
            check(any(src == a or src.startswith(a + "/") for a in allowed), where,
                  f"COPY source {src} is excluded by .dockerignore")
    # Debian 12 has every package named (only when apt-cache has package lists).
    pkgs = sorted(set(apt_packages(stages.get("build", ("", ""))[1]) + rpk))
    if not shutil.which("apt-cache"):
        SKIPPED.append("Debian package names (no apt-cache)")
        return
    probe = subprocess.run(["apt-cache", "policy", "bash"], capture_output=True, text=True)
    if "Candidate: (none)" in probe.stdout or "Candidate:" not in probe.stdout:
        SKIPPED.append("Debian package names (apt-cache has no lists: run apt-get update)")
        return
    r = subprocess.run(["apt-cache", "policy"] + pkgs, capture_output=True, text=True)
    found = {}
    current = None
    for line in r.stdout.splitlines():
        if line and not line.startswith(" "):
            current = line.rstrip(":")
        elif "Candidate:" in line and current:
            found[current] = line.split(":", 1)[1].strip()
    for p in pkgs:
        check(found.get(p) not in (None, "(none)"), where, f"package {p} is not in Debian's lists")
    codename = subprocess.run(["sh", "-c", ". /etc/os-release && echo $VERSION_CODENAME"],
                              capture_output=True, text=True).stdout.strip()
    if codename != "bookworm":
        SKIPPED.append(f"package names were checked against {codename}, not bookworm")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", default=os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    args = ap.parse_args()
    repo = args.repo
    run_services = services_from_run(repo)
    services = all_service_names(repo, run_services)
    check_dockerfile(repo, services)
    check_compose(repo, services, run_services)
    k8s_ran = check_kubernetes(repo, services, run_services)
    for s in SKIPPED:
        print(f"SKIPPED: {s}")
    if FAILURES:
        for f in FAILURES:
            print(f"FAIL: {f}")
        print(f"{len(FAILURES)} deployment check(s) failed")
        return 1
    if not k8s_ran:
        return 77
    print(f"deployment checks passed for {', '.join(services)} and the gateway")
    return 0


if __name__ == "__main__":
    sys.exit(main())

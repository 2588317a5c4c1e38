#!/usr/bin/env python3
"""Evaluates Kubernetes RBAC (the authorizer's rules) for one ServiceAccount over a set of
Roles, ClusterRoles and their bindings, because kube-sim stores RBAC objects but does not enforce
them. Used by tests/e2e/helm_chart_test.sh to prove the chart's least privilege.

  kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o json |
    rbac_check.py NAMESPACE/SERVICEACCOUNT CHECKS_FILE

CHECKS_FILE: one check a line, `allow|deny VERB GROUP RESOURCE[/SUBRESOURCE] NAMESPACE [NAME]`;
GROUP "core" is the core group ("" in RBAC); NAMESPACE "-" is a cluster-wide request (all
namespaces, or a cluster-scoped resource). Blank lines and lines starting with # are ignored.
Prints one line per failed check and exits 1 if any failed; also fails when a rule uses "*".
"""
import json
import sys


def rule_allows(rule, verb, group, resource, name):
    if not any(g in ("*", group) for g in rule.get("apiGroups", [])):
        return False
    if not any(r in ("*", resource) for r in rule.get("resources", [])):
        return False
    if not any(v in ("*", verb) for v in rule.get("verbs", [])):
        return False
    names = rule.get("resourceNames") or []
    return not names or name in names


def bound(binding, sa_ns, sa_name):
    return any(s.get("kind") == "ServiceAccount" and s.get("name") == sa_name and s.get("namespace") == sa_ns
               for s in binding.get("subjects") or [])


def main():
    sa_ns, sa_name = sys.argv[1].split("/", 1)
    objects = json.load(sys.stdin)["items"]
    by_key = {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o for o in objects}
    # (namespace or None for every namespace, rules)
    grants = []
    failures = []
    for b in objects:
        if b["kind"] not in ("RoleBinding", "ClusterRoleBinding") or not bound(b, sa_ns, sa_name):
            continue
        ref = b["roleRef"]
        role_ns = b["metadata"].get("namespace", "") if ref["kind"] == "Role" else ""
        role = by_key.get((ref["kind"], role_ns, ref["name"]))
        if role is None:
            failures.append(f"{b['kind']} {b['metadata']['name']} refers to missing {ref['kind']} {ref['name']}")
            continue
        scope = None if b["kind"] == "ClusterRoleBinding" else b["metadata"]["namespace"]
        for rule in role.get("rules") or []:
            for field in ("apiGroups", "resources", "verbs", "resourceNames"):
                if "*" in (rule.get(field) or []):
                    failures.append(f"{ref['kind']} {ref['name']} uses '*' in {field}")
            grants.append((scope, rule))

    def allowed(verb, group, resource, ns, name):
        for scope, rule in grants:
            if scope is not None and scope != ns:  # a Role grants only in its namespace
                continue
            if rule_allows(rule, verb, group, resource, name):
                return True
        return False

    checks = 0
    with open(sys.argv[2]) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            want, verb, group, resource, ns = parts[:5]
            name = parts[5] if len(parts) > 5 else ""
            group = "" if group == "core" else group
            ns = "" if ns == "-" else ns
            got = allowed(verb, group, resource, ns, name)
            checks += 1
            if got != (want == "allow"):
                failures.append(f"expected {want}, got {'allow' if got else 'deny'}: {line}")
    for f in failures:
        print(f)
    if not grants:
        print(f"no binding grants anything to {sa_ns}/{sa_name}")
        return 1
    if failures:
        return 1
    print(f"{checks} RBAC checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Re-record the golden protobuf request bodies in this directory from a real kubectl.

Not part of the test run: the ``*.bin`` files are captured once and committed, so the unit tests
need no kubectl and no sockets. Run ``python tests/data/protobuf/capture.py [KUBECTL]`` to
refresh them (default ``/usr/lib/google-cloud-sdk/bin/kubectl.1.32``). For every case it

* starts a throwaway stdlib HTTP server on a free loopback port that serves just enough
  discovery (``/api``, ``/api/v1``, ``/apis``, ``/apis/<group>/<version>``) for kubectl and
  records the body of the first POST, answering with a minimal JSON object of the right kind;
* runs the kubectl command against it and saves the body as ``<case>.bin``;
* serves ``rich_cronjob_source.json`` for ``kubectl create job --from=cronjob/rich``, whose
  protobuf Job then carries a pod template with most container and volume features;
* runs the same command with ``--dry-run=client -o json`` (where kubectl supports that) and saves
  the printed object as ``<case>.json``: what kubectl meant to send, in JSON.

``kubectl run`` and ``kubectl delete`` are not here: they send JSON. Cases without a
client-side dry run (``auth can-i``, ``auth whoami``, ``create token``) keep a
hand-written ``<case>.json`` that this script leaves alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = ["CASES", "main"]

HERE = Path(__file__).resolve().parent
KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32"

# (case, kubectl arguments, supports --dry-run=client -o json)
CASES: list[tuple[str, list[str], bool]] = [
    ("namespace", ["create", "namespace", "foo"], True),
    (
        "secret_generic",
        [
            "create",
            "secret",
            "generic",
            "s1",
            "-n",
            "ns1",
            "--from-literal=user=admin",
            "--from-literal=pass=s3cr\x01t",
        ],
        True,
    ),
    (
        "secret_docker_registry",
        [
            "create",
            "secret",
            "docker-registry",
            "pull",
            "-n",
            "ns1",
            "--docker-server=registry.example.com:5000",
            "--docker-username=u",
            "--docker-password=p",
            "--docker-email=u@example.com",
        ],
        True,
    ),
    (
        "configmap",
        [
            "create",
            "configmap",
            "cm1",
            "-n",
            "ns1",
            "--from-literal=a=1",
            "--from-literal=greeting=hello world",
        ],
        True,
    ),
    ("serviceaccount", ["create", "serviceaccount", "builder", "-n", "ns1"], True),
    (
        "deployment",
        [
            "create",
            "deployment",
            "web",
            "-n",
            "ns1",
            "--image=nginx:1.27",
            "--replicas=3",
            "--port=80",
        ],
        True,
    ),
    (
        "job",
        ["create", "job", "once", "-n", "ns1", "--image=busybox", "--", "sh", "-c", "echo hi"],
        True,
    ),
    (
        "cronjob",
        [
            "create",
            "cronjob",
            "tick",
            "-n",
            "ns1",
            "--image=busybox",
            "--schedule=*/5 * * * *",
            "--restart=OnFailure",
            "--",
            "date",
        ],
        True,
    ),
    (
        "role",
        [
            "create",
            "role",
            "reader",
            "-n",
            "ns1",
            "--verb=get,list",
            "--resource=imagestreams.image.openshift.io,pods",
            "--resource-name=a",
        ],
        True,
    ),
    (
        "rolebinding",
        [
            "create",
            "rolebinding",
            "rb",
            "-n",
            "ns1",
            "--role=reader",
            "--user=alice",
            "--serviceaccount=ns1:builder",
            "--group=devs",
        ],
        True,
    ),
    (
        "clusterrole",
        [
            "create",
            "clusterrole",
            "cr",
            "--verb=get",
            "--non-resource-url=/healthz",
            "--non-resource-url=/version",
        ],
        True,
    ),
    (
        "clusterrolebinding",
        ["create", "clusterrolebinding", "crb", "--clusterrole=cr", "--user=bob"],
        True,
    ),
    (
        "secret_tls",
        [
            "create",
            "secret",
            "tls",
            "tls1",
            "-n",
            "ns1",
            "--cert={tmp}/tls.crt",
            "--key={tmp}/tls.key",
        ],
        True,
    ),
    ("job_from_cronjob", ["create", "job", "rich-run", "-n", "ns1", "--from=cronjob/rich"], True),
    ("can_i", ["auth", "can-i", "create", "imagestreams.image.openshift.io", "-n", "ns1"], False),
    ("can_i_list", ["auth", "can-i", "--list", "-n", "ns1"], False),
    ("whoami", ["auth", "whoami"], False),
    (
        "token",
        [
            "create",
            "token",
            "builder",
            "-n",
            "ns1",
            "--duration=10m",
            "--audience=api",
            "--audience=registry",
        ],
        False,
    ),
]

_GROUPS: dict[str, list[tuple[str, str, bool, list[str]]]] = {
    "v1": [
        ("namespaces", "Namespace", False, []),
        ("secrets", "Secret", True, []),
        ("configmaps", "ConfigMap", True, []),
        ("serviceaccounts", "ServiceAccount", True, []),
        ("serviceaccounts/token", "TokenRequest", True, ["create"]),
        ("pods", "Pod", True, []),
    ],
    "apps/v1": [("deployments", "Deployment", True, [])],
    "batch/v1": [("jobs", "Job", True, []), ("cronjobs", "CronJob", True, [])],
    "rbac.authorization.k8s.io/v1": [
        ("roles", "Role", True, []),
        ("rolebindings", "RoleBinding", True, []),
        ("clusterroles", "ClusterRole", False, []),
        ("clusterrolebindings", "ClusterRoleBinding", False, []),
    ],
    "authorization.k8s.io/v1": [
        ("selfsubjectaccessreviews", "SelfSubjectAccessReview", False, ["create"]),
        ("selfsubjectrulesreviews", "SelfSubjectRulesReview", False, ["create"]),
    ],
    "authentication.k8s.io/v1": [("selfsubjectreviews", "SelfSubjectReview", False, ["create"])],
    "image.openshift.io/v1": [("imagestreams", "ImageStream", True, [])],
}
_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]

_REPLIES: dict[str, dict[str, Any]] = {
    "SelfSubjectAccessReview": {"status": {"allowed": True}},
    "SelfSubjectRulesReview": {"status": {"incomplete": False, "resourceRules": []}},
    "SelfSubjectReview": {"status": {"userInfo": {"username": "alice", "groups": ["devs"]}}},
    "TokenRequest": {"status": {"token": "t0k3n", "expirationTimestamp": "2030-01-01T00:00:00Z"}},
}


def _resource_list(gv: str) -> dict[str, Any]:
    resources = []
    for name, kind, namespaced, verbs in _GROUPS[gv]:
        resources.append(
            {
                "name": name,
                "singularName": "",
                "namespaced": namespaced,
                "kind": kind,
                "verbs": verbs or _VERBS,
            }
        )
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": gv,
        "resources": resources,
    }


def _group_list() -> dict[str, Any]:
    groups = []
    for gv in _GROUPS:
        if "/" not in gv:
            continue
        group, version = gv.split("/")
        entry = {"groupVersion": gv, "version": version}
        groups.append({"name": group, "versions": [entry], "preferredVersion": entry})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


class _Recorder(BaseHTTPRequestHandler):
    bodies: list[tuple[str, str, bytes]] = []

    def log_message(self, fmt: str, *args: Any) -> None:
        pass

    def _reply(self, code: int, obj: Any) -> None:
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/apis/batch/v1/namespaces/ns1/cronjobs/rich":
            self._reply(200, json.loads((HERE / "rich_cronjob_source.json").read_text()))
        elif path == "/api":
            self._reply(200, {"kind": "APIVersions", "versions": ["v1"]})
        elif path == "/apis":
            self._reply(200, _group_list())
        elif path == "/api/v1":
            self._reply(200, _resource_list("v1"))
        elif path.startswith("/apis/") and path[len("/apis/") :] in _GROUPS:
            self._reply(200, _resource_list(path[len("/apis/") :]))
        else:
            self._reply(
                404,
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "status": "Failure",
                    "reason": "NotFound",
                    "code": 404,
                },
            )

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.bodies.append((self.path, self.headers.get("Content-Type", ""), body))
        kind = "Status"
        for gv, entries in _GROUPS.items():
            for name, k, _, _ in entries:
                if self.path.split("?")[0].endswith("/" + name.split("/")[-1]):
                    kind = k
                    api_version = gv
        reply = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}}
        reply.update(_REPLIES.get(kind, {}))
        self._reply(201, reply)


def _run(
    kubectl: str, args: list[str], server: str, cache: str
) -> subprocess.CompletedProcess[str]:
    cmd = [kubectl, "--server", server, "--token", "t", "--cache-dir", cache, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


def _make_tls(directory: str) -> None:
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "3650",
            "-subj",
            "/CN=example.com",
            "-keyout",
            f"{directory}/tls.key",
            "-out",
            f"{directory}/tls.crt",
        ],
        check=True,
        capture_output=True,
    )


def main() -> None:
    kubectl = sys.argv[1] if len(sys.argv) > 1 else KUBECTL
    tls = tempfile.TemporaryDirectory()
    _make_tls(tls.name)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    server = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        for case, template, dry_run in CASES:
            args = [arg.replace("{tmp}", tls.name) for arg in template]
            with tempfile.TemporaryDirectory() as cache:
                _Recorder.bodies.clear()
                result = _run(kubectl, args, server, cache)
                posts = [b for b in _Recorder.bodies if b[2]]
                if not posts:
                    raise SystemExit(f"{case}: no body captured: {result.stderr}")
                path, ctype, body = posts[0]
                print(f"{case}: POST {path} {ctype} {len(body)} bytes")
                (HERE / f"{case}.bin").write_bytes(body)
                if dry_run:
                    cut = args.index("--") if "--" in args else len(args)
                    flags = ["--dry-run=client", "-o", "json"]
                    out = _run(kubectl, [*args[:cut], *flags, *args[cut:]], server, cache)
                    if out.returncode:
                        raise SystemExit(f"{case}: dry run failed: {out.stderr}")
                    obj = json.loads(out.stdout)
                    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False)
                    (HERE / f"{case}.json").write_text(text + "\n")
    finally:
        httpd.shutdown()
        tls.cleanup()


if __name__ == "__main__":
    main()

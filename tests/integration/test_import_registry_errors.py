"""Import failures from real registries, with upstream's texts (spec §13.5).

* TLS: a Debian ``docker-registry`` serving a generated self-signed certificate (with and
  without SANs) fails verification with Go's ``crypto/x509`` words, host name checked before
  the chain as Go does (origin's ``TestImportImageFromInsecureRegistry`` expects "certificate is
  not valid" for a SAN-less certificate reached by name); ``insecure: true`` gets past it;
* wrong credentials: the htpasswd registry's own 401 is "you may not have access", the token
  server's refusal an internal error naming the request (it does not say "incorrect username
  or password", so no anonymous retry);
* ``PreserveOriginal`` with a child manifest deleted from the registry: ``NotFound`` naming the
  child's digest reference, recorded as the tag's condition.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.integration.registry_fixture import (
    REGISTRY_BIN,
    RegistryProcess,
    TokenServer,
    needs_registry,
)
from tests.integration.server_fixture import RunningServer
from tests.oci_images import Pusher, build_image, build_index

pytestmark = [pytest.mark.integration, needs_registry]
ISI = "/apis/image.openshift.io/v1/namespaces/{ns}/imagestreamimports"
Obj = dict[str, Any]
_LISTEN = re.compile(r"listening on \S*?:(\d+)")


def _self_signed(directory: Path, names: tuple[str, ...]) -> tuple[Path, Path]:
    """A self-signed server certificate like origin's (O=RedHat, no CN); ``names`` are its
    SANs (IP SANs when they parse as addresses), none at all when empty."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "RedHat")])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
    )
    if names:
        general: list[x509.GeneralName] = []
        for name in names:
            try:
                general.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                general.append(x509.DNSName(name))
        builder = builder.add_extension(x509.SubjectAlternativeName(general), critical=False)
    cert = builder.sign(key, hashes.SHA256())
    cert_path, key_path = directory / "domain.crt", directory / "domain.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _start_tls_registry(directory: Path, names: tuple[str, ...]) -> RegistryProcess:
    """``docker-registry serve`` with ``http.tls`` on a free loopback port."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = _self_signed(directory, names)
    config = directory / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log: {level: info, accesslog: {disabled: true}}\n"
        f"storage: {{filesystem: {{rootdirectory: {directory / 'data'}}}}}\n"
        "http:\n"
        "  addr: 127.0.0.1:0\n"
        "  secret: imagestreams-test-secret\n"
        f"  tls: {{certificate: {cert}, key: {key}}}\n"
    )
    log_path = directory / "registry.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [REGISTRY_BIN, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT
        )
    registry = RegistryProcess(process, "", directory, log_path)
    deadline = time.monotonic() + 15
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"docker-registry exited:\n{registry.log()[-2000:]}")
            match = _LISTEN.search(registry.log())
            if match:
                registry.host = f"127.0.0.1:{match.group(1)}"
                try:
                    httpx.get(f"https://{registry.host}/v2/", verify=False, timeout=1)
                    return registry
                except httpx.TransportError:
                    pass
            time.sleep(0.02)
        raise RuntimeError(f"docker-registry did not become ready:\n{registry.log()[-2000:]}")
    except BaseException:
        registry.stop()
        raise


_TLS_CASES = {
    "no-sans": (),
    "ip-san": ("127.0.0.1",),
    "dns-san": ("registry.example",),
    "other-ip-san": ("10.0.0.1",),
}


@pytest.fixture(scope="module")
def tls_registries(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One TLS registry per certificate of ``_TLS_CASES``: case -> port."""
    base = tmp_path_factory.mktemp("registry-tls")
    started: list[RegistryProcess] = []
    try:
        for case, names in _TLS_CASES.items():
            started.append(_start_tls_registry(base / case, names))
        yield {
            case: reg.host.rsplit(":", 1)[1] for case, reg in zip(_TLS_CASES, started, strict=True)
        }
    finally:
        for reg in started:
            reg.stop()


@pytest.fixture
def api(api_server: RunningServer) -> Iterator[httpx.Client]:
    with api_server.client() as client:
        yield client


def _ns(api: httpx.Client, name: str) -> str:
    response = api.post("/api/v1/namespaces", json={"metadata": {"name": name}})
    assert response.status_code in (201, 409), response.text
    return name


def _import(api: httpx.Client, ns: str, name: str, ref: str, **policy: Any) -> Obj:
    body = {
        "kind": "ImageStreamImport",
        "apiVersion": "image.openshift.io/v1",
        "metadata": {"name": name},
        "spec": {
            "import": True,
            "images": [
                {
                    "from": {"kind": "DockerImage", "name": ref},
                    "to": {"name": "t"},
                    "importPolicy": policy,
                }
            ],
        },
    }
    response = api.post(ISI.format(ns=ns), json=body, timeout=120)
    assert response.status_code == 201, response.text
    result: Obj = response.json()
    return result


_ANY_NAMES = "x509: certificate is not valid for any names, but wanted to match localhost"
_NO_IP_SANS = (
    "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs"
)


@pytest.mark.parametrize(
    ("case", "host", "reason"),
    [
        pytest.param("no-sans", "localhost", _ANY_NAMES, id="no-sans-by-name-origin"),
        pytest.param("no-sans", "127.0.0.1", _NO_IP_SANS, id="no-sans-by-ip"),
        pytest.param(
            "ip-san",
            "127.0.0.1",
            "x509: certificate signed by unknown authority",
            id="matching-ip-san-self-signed",
        ),
        pytest.param(
            "dns-san",
            "localhost",
            "x509: certificate is valid for registry.example, not localhost",
            id="dns-san-mismatch",
        ),
        pytest.param(
            "other-ip-san",
            "127.0.0.1",
            "x509: certificate is valid for 10.0.0.1, not 127.0.0.1",
            id="ip-san-mismatch",
        ),
    ],
)
def test_certificate_failures_speak_go(
    api: httpx.Client, tls_registries: dict[str, str], case: str, host: str, reason: str
) -> None:
    ns = _ns(api, "isi-tls")
    registry = f"{host}:{tls_registries[case]}"
    ref = f"{registry}/invalid/invalid"
    name = f"tls-{case}-{host.replace('.', '-')}"
    result = _import(api, ns, name, ref)
    status = result["status"]["images"][0]["status"]
    text = (
        f'{registry}/invalid/invalid:latest: Get "https://{registry}/v2/":'
        f" tls: failed to verify certificate: {reason}"
    )
    assert status == {
        "metadata": {},
        "status": "Failure",
        "message": f"Internal error occurred: {text}",
        "reason": "InternalError",
        "details": {"causes": [{"message": text}]},
        "code": 500,
    }
    (tag,) = result["status"]["import"]["status"]["tags"]
    assert tag["conditions"][0]["message"] == f"Internal error occurred: {text}"
    # origin then marks the registry insecure: the certificate no longer matters.
    insecure = _import(api, ns, f"{name}-insecure", ref, insecure=True)
    status = insecure["status"]["images"][0]["status"]
    assert (status["reason"], status["message"]) == (
        "NotFound",
        f'dockerimage.image.openshift.io "{ref}:latest" not found',
    )


def _secret(api: httpx.Client, ns: str, host: str, user: str, password: str) -> None:
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    config = json.dumps({"auths": {host: {"auth": auth}}}).encode()
    secret = {
        "metadata": {"name": "pull"},
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": base64.b64encode(config).decode()},
    }
    response = api.post(f"/api/v1/namespaces/{ns}/secrets", json=secret)
    assert response.status_code in (201, 409), response.text


@pytest.mark.parametrize("variant", ["basic", "token"])
def test_wrong_credentials(
    api: httpx.Client,
    basic_registry: RegistryProcess,
    token_registry: tuple[RegistryProcess, TokenServer],
    variant: str,
) -> None:
    image = build_image(fmt="oci", salt=f"wrong-{variant}")
    if variant == "basic":
        reg, user = basic_registry, "testuser"
        with Pusher(reg.host, username=user, password="testpass") as pusher:
            pusher.push_image("wrong/app", "v1", image)
    else:
        reg, user = token_registry[0], "tokenuser"
        token = token_registry[1].sign(
            user, [{"type": "repository", "name": "wrong/app", "actions": ["pull", "push"]}], 300
        )
        with Pusher(reg.host) as pusher:
            pusher._http.headers["Authorization"] = f"Bearer {token}"
            pusher.push_image("wrong/app", "v1", image)
    ns = _ns(api, f"isi-wrong-{variant}")
    _secret(api, ns, reg.host, user, "WRONG-password")
    ref = f"{reg.host}/wrong/app:v1"
    status = _import(api, ns, "app", ref, insecure=True)["status"]["images"][0]["status"]
    if variant == "basic":
        assert (status["reason"], status["code"], status["message"]) == (
            "Unauthorized",
            401,
            f'you may not have access to the container image "{ref}"',
        )
    else:  # the fixture's token server answers {"errors": [{"code": "UNAUTHORIZED"}]}
        url = f"http://{reg.host}/v2/wrong/app/manifests/v1"
        assert (status["reason"], status["code"], status["message"]) == (
            "InternalError",
            500,
            f'Internal error occurred: {ref}: Get "{url}": unauthorized',
        )
    assert "WRONG-password" not in json.dumps(status)


def test_preserve_original_with_a_deleted_child(
    api: httpx.Client, registry: RegistryProcess
) -> None:
    index = build_index(fmt="docker", salt="deleted-child")
    with Pusher(registry.host) as pusher:
        pusher.push_index("isi/partial", "multi", index)
    gone = index.children[1]
    deleted = httpx.delete(
        f"{registry.url}/v2/isi/partial/manifests/{gone.digest}",
        headers={"Accept": gone.media_type},
    )
    assert deleted.status_code == 202, deleted.text
    ns = _ns(api, "isi-partial")
    result = _import(
        api, ns, "partial", f"{registry.host}/isi/partial:multi",
        insecure=True, importMode="PreserveOriginal",
    )  # fmt: skip
    image_status = result["status"]["images"][0]
    named = f"{registry.host}/isi/partial@{gone.digest}"
    message = f'dockerimage.image.openshift.io "{named}" not found'
    assert image_status["status"] == {
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": "NotFound",
        "details": {"name": named, "group": "image.openshift.io", "kind": "dockerimage"},
        "code": 404,
    }
    assert image_status["tag"] == "multi"
    assert "image" not in image_status
    (tag,) = result["status"]["import"]["status"]["tags"]
    assert (tag["tag"], tag["items"]) == ("t", None)
    assert [(c["reason"], c["message"]) for c in tag["conditions"]] == [("NotFound", message)]

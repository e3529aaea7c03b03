"""Bearer-token authentication, the kube token file, the admin token and the kubeconfig."""

from __future__ import annotations

import base64
import logging
import stat
from pathlib import Path

import pytest
import yaml
from kubernetes import client as kclient, config as kconfig
from starlette.datastructures import Headers

from imagestreams.server import authn
from imagestreams.server.authn import ALL_AUTHENTICATED, UserInfo


def _h(authorization: str | None) -> Headers:
    return Headers({} if authorization is None else {"Authorization": authorization})


@pytest.mark.parametrize(
    ("header", "token"),
    [
        pytest.param("Bearer abc", "abc", id="canonical"),
        pytest.param("bearer abc", "abc", id="lower-case-scheme"),
        pytest.param("BeArEr abc", "abc", id="mixed-case-scheme"),
        pytest.param("  Bearer abc  ", "abc", id="surrounding-space-trimmed"),
        pytest.param("Bearer abc extra", "abc", id="third-part-ignored"),
        pytest.param("Bearer  abc", None, id="empty-token-before-second-space"),
        pytest.param("Bearer", None, id="no-token"),
        pytest.param("Basic dXNlcjpwdw==", None, id="basic-auth"),
        pytest.param("", None, id="empty-header"),
        pytest.param(None, None, id="no-header"),
    ],
)
def test_bearer_token(header: str | None, token: str | None) -> None:
    assert authn.bearer_token(_h(header)) == token


ALICE = UserInfo("alice", "u-1", ("devs",))
BOB = UserInfo("bob", "u-2", ("system:authenticated", "ops"))


@pytest.mark.parametrize(
    ("anonymous", "header", "expected"),
    [
        pytest.param(
            False,
            "Bearer t-alice",
            UserInfo("alice", "u-1", ("devs", ALL_AUTHENTICATED)),
            id="valid-token-gets-system-authenticated",
        ),
        pytest.param(False, "Bearer t-bob", BOB, id="group-not-added-twice"),
        pytest.param(False, "Bearer t-nobody", None, id="unknown-token"),
        pytest.param(False, "Bearer t-alic", None, id="prefix-of-a-token"),
        pytest.param(False, None, None, id="no-credentials-anonymous-off"),
        pytest.param(True, None, authn.ANONYMOUS, id="no-credentials-anonymous-on"),
        pytest.param(True, "Basic eDp5", authn.ANONYMOUS, id="non-bearer-anonymous-on"),
        pytest.param(True, "Bearer t-nobody", None, id="bad-token-never-anonymous"),
    ],
)
def test_token_authenticator(anonymous: bool, header: str | None, expected: UserInfo) -> None:
    auth = authn.TokenAuthenticator(
        {"t-alice": ALICE, "t-bob": BOB, "": ALICE}, allow_anonymous=anonymous
    )
    assert len(auth) == 2  # the empty token is never accepted
    assert auth.authenticate(_h(header)) == expected


def test_anonymous_and_admin_identities() -> None:
    anonymous, admin = authn.ANONYMOUS, authn.ADMIN
    assert anonymous == UserInfo("system:anonymous", "", ("system:unauthenticated",))
    assert admin == UserInfo("admin", "", ("system:masters", "system:authenticated"))
    auth = authn.TokenAuthenticator({"t": authn.ANONYMOUS})
    assert auth.authenticate(_h("Bearer t")) == authn.ANONYMOUS  # kube adds no group to it


KUBE_FILE = '''token1,user1,uid1
token2,user2,uid2
token3,user3,uid3,"group1,group2"
token4,user4,uid4,"group2"
token5,user5,uid5,group5
token6,user6,uid6,group5,otherdata
token7,user7,uid7,"group1,group2",otherdata

token8,"user ""8""",uid8,"multi
line"
token9,user9,uid9,
'''


def test_token_file_as_kube_parses_it(tmp_path: Path) -> None:
    path = tmp_path / "tokens.csv"
    path.write_text(KUBE_FILE.replace("\n", "\r\n"))
    assert authn.load_token_file(path) == {
        "token1": UserInfo("user1", "uid1"),
        "token2": UserInfo("user2", "uid2"),
        "token3": UserInfo("user3", "uid3", ("group1", "group2")),
        "token4": UserInfo("user4", "uid4", ("group2",)),
        "token5": UserInfo("user5", "uid5", ("group5",)),
        "token6": UserInfo("user6", "uid6", ("group5",)),
        "token7": UserInfo("user7", "uid7", ("group1", "group2")),
        "token8": UserInfo('user "8"', "uid8", ("multi\nline",)),
        "token9": UserInfo("user9", "uid9", ("",)),
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            "secret1,user1,uid1\nsecret2,user2\n",
            "line 2: must have at least 3 columns (token, user name, user uid), found 2",
            id="two-columns",
        ),
        pytest.param(
            "secret4\n",
            "line 1: must have at least 3 columns",
            id="one-column",
        ),
        pytest.param(
            '\nsecret1,us"er,uid\n',
            'parse error on line 2, column 11: bare " in non-quoted-field',
            id="bare-quote",
        ),
        pytest.param(
            'secret1,"user"x,uid\n',
            'parse error on line 1, column 15: extraneous or missing " in quoted-field',
            id="text-after-closing-quote",
        ),
        pytest.param(
            'secret1,user,uid,"g1\nsecret2,user2,uid2\n',
            'record on line 1; parse error on line 2, column 19: extraneous or missing "',
            id="unterminated-quote",
        ),
        pytest.param(
            " \n",
            "line 1: must have at least 3 columns",
            id="whitespace-line-is-a-record",
        ),
    ],
)
def test_token_file_errors_name_the_line_not_the_token(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "tokens.csv"
    path.write_text(content)
    with pytest.raises(authn.TokenFileError) as err:
        authn.load_token_file(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)
    assert "secret" not in str(err.value)


def test_token_file_warnings(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "tokens.csv"
    path.write_text(",nobody,uid0\nsecret,first,uid1\nsecret,second,uid2\n")
    with caplog.at_level(logging.WARNING, logger="imagestreams.server.authn"):
        tokens = authn.load_token_file(path)
    assert tokens == {"secret": UserInfo("second", "uid2")}
    assert [r.getMessage() for r in caplog.records] == [
        f"empty token has been found in token file '{path}', record number '1'",
        f"duplicate token has been found in token file '{path}', record number '3'",
    ]


def test_missing_token_file(tmp_path: Path) -> None:
    with pytest.raises(authn.TokenFileError, match="cannot read token file"):
        authn.load_token_file(tmp_path / "absent.csv")


def test_admin_token_created_once_and_reused(tmp_path: Path) -> None:
    token = authn.ensure_admin_token(tmp_path)
    path = tmp_path / "admin.token"
    assert len(token) == 43  # 32 bytes, URL-safe base64 without padding
    assert base64.urlsafe_b64decode(token + "=") != b""
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)
    assert authn.ensure_admin_token(tmp_path) == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_empty_admin_token_file_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "admin.token").write_text("\n")
    token = authn.ensure_admin_token(tmp_path)
    assert len(token) == 43
    assert (tmp_path / "admin.token").read_text() == token + "\n"


def test_kubeconfig_with_ca(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "admin.kubeconfig"
    ca = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    authn.write_kubeconfig(path, "https://127.0.0.1:6443", ca, "tok-123", namespace="proj")

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = yaml.safe_load(path.read_text())
    assert doc == {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "imagestreams",
                "cluster": {
                    "server": "https://127.0.0.1:6443",
                    "certificate-authority-data": base64.b64encode(ca).decode(),
                },
            }
        ],
        "users": [{"name": "admin", "user": {"token": "tok-123"}}],
        "contexts": [
            {
                "name": "admin@imagestreams",
                "context": {"cluster": "imagestreams", "user": "admin", "namespace": "proj"},
            }
        ],
        "current-context": "admin@imagestreams",
        "preferences": {},
    }

    # The official Kubernetes client reads it the way kubectl does.
    cfg = kclient.Configuration()
    kconfig.load_kube_config(config_file=str(path), client_configuration=cfg)  # type: ignore[no-untyped-call]
    assert cfg.host == "https://127.0.0.1:6443"
    assert cfg.api_key == {"BearerToken": "Bearer tok-123"}
    assert cfg.verify_ssl is True
    assert cfg.ssl_ca_cert is not None
    assert Path(cfg.ssl_ca_cert).read_bytes() == ca


def test_kubeconfig_without_tls(tmp_path: Path) -> None:
    path = tmp_path / "kc"
    authn.write_kubeconfig(path, "http://127.0.0.1:8080", None, "t", user="u", cluster="c")
    doc = yaml.safe_load(path.read_text())
    assert doc["clusters"] == [{"name": "c", "cluster": {"server": "http://127.0.0.1:8080"}}]
    assert doc["current-context"] == "u@c"
    assert "insecure-skip-tls-verify" not in path.read_text()

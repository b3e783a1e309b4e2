"""The local ID-porten the tests log in at: a real OpenID Connect provider
(the npm package oidc-provider, tests/idporten/provider.mjs) on a spare port
of 127.0.0.1, configured like ID-porten (code flow with PKCE S256, state and
nonce required, `pid`, `acr`, `amr` and `locale` in an RS256 id_token,
private_key_jwt or client_secret_post, RP-initiated logout without a question).

    with start_provider(folder, clients=[...]) as provider:
        callback = provider.login(authorize_url, pid="12345678901")

`make test` installs the npm package (tests/idporten/node_modules); Node.js
must be on PATH. Standard library only on this side: the app under test brings
its own OpenID Connect client."""

import base64
import contextlib
import json
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests import cluster

PROVIDER_DIR = cluster.ROOT / "tests" / "idporten"
SCRIPT = PROVIDER_DIR / "provider.mjs"
SUBSTANTIAL = "idporten-loa-substantial"
HIGH = "idporten-loa-high"
# Weaker than any round asks for: only there so a test can get a wrong acr.
LOW = "idporten-loa-low"
# The app's paths the provider sends the voter back to (the shared design).
CALLBACK_PATH = "/idporten/callback/"
LOGGED_OUT_PATH = "/idporten/logged-out/"
KEY_CLIENT_ID = "prizevote-key"
SECRET_CLIENT_ID = "prizevote-secret"
START_TIMEOUT = 20.0
HTTP_TIMEOUT = 10.0


@dataclass(frozen=True)
class ClientKey:
    """A private_key_jwt client's RSA key: the PEM file the app signs with
    (IDPORTEN_PRIVATE_KEY_FILE), its kid (IDPORTEN_KEY_ID) and the public JWK
    registered at the provider."""

    kid: str
    pem_path: Path
    public_jwk: dict

    def private_key(self) -> rsa.RSAPrivateKey:
        return serialization.load_pem_private_key(self.pem_path.read_bytes(), password=None)

    def client_assertion(self, *, client_id: str, audience: str) -> str:
        """A private_key_jwt client assertion (RFC 7523) signed with this key,
        for tests that talk to the token endpoint without the app."""
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        claims = {
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "iat": now,
            "exp": now + 60,
            "jti": secrets.token_urlsafe(16),
        }
        signed = ".".join(_b64url(json.dumps(part).encode()) for part in (header, claims))
        signature = self.private_key().sign(signed.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signed}.{_b64url(signature)}"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64url_uint(number: int) -> str:
    return _b64url(number.to_bytes((number.bit_length() + 7) // 8, "big"))


def jwt_header(token: str) -> dict:
    """A JWT's header, unverified."""
    return json.loads(_unb64url(token.split(".")[0]))


def jwt_payload(token: str) -> dict:
    """A JWT's claims, unverified."""
    return json.loads(_unb64url(token.split(".")[1]))


def rs256_verifies(token: str, jwks: dict) -> bool:
    """Whether the RS256 signature of ``token`` verifies with the key of its
    kid in ``jwks`` (a test's independent check of what the provider signs)."""
    header = jwt_header(token)
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    public = rsa.RSAPublicNumbers(
        int.from_bytes(_unb64url(key["e"]), "big"), int.from_bytes(_unb64url(key["n"]), "big")
    ).public_key()
    signed, signature = token.rsplit(".", 1)
    try:
        public.verify(_unb64url(signature), signed.encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return header["alg"] == "RS256"


def make_client_key(folder: Path, *, kid: str = "prizevote-test-key") -> ClientKey:
    """A new RSA key pair: the private key as PEM in ``folder``, the public
    part as a JWK."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem_path = Path(folder) / f"{kid}.pem"
    pem_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    pem_path.chmod(0o600)
    numbers = key.public_key().public_numbers()
    jwk = {
        "kty": "RSA",
        "kid": kid,
        "alg": "RS256",
        "use": "sig",
        "n": _b64url_uint(numbers.n),
        "e": _b64url_uint(numbers.e),
    }
    return ClientKey(kid=kid, pem_path=pem_path, public_jwk=jwk)


def key_client(
    client_id: str,
    *,
    key: ClientKey,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str] = (),
) -> dict:
    """The registration of a client that authenticates with private_key_jwt."""
    return {
        "client_id": client_id,
        "token_endpoint_auth_method": "private_key_jwt",
        "token_endpoint_auth_signing_alg": "RS256",
        "jwks": {"keys": [key.public_jwk]},
        "redirect_uris": list(redirect_uris),
        "post_logout_redirect_uris": list(post_logout_redirect_uris),
    }


def secret_client(
    client_id: str,
    *,
    secret: str,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str] = (),
) -> dict:
    """The registration of a client that authenticates with client_secret_post."""
    return {
        "client_id": client_id,
        "client_secret": secret,
        "token_endpoint_auth_method": "client_secret_post",
        "redirect_uris": list(redirect_uris),
        "post_logout_redirect_uris": list(post_logout_redirect_uris),
    }


class _Forms(HTMLParser):
    """The forms of a page: each one's action and its fields' names and
    values (inputs, and a select's selected or first option)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "fields": {}})
        elif not self.forms:
            return
        elif tag == "input" and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select:
            fields = self.forms[-1]["fields"]
            if self._select not in fields or "selected" in attrs:
                fields[self._select] = attrs.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class LoginFailed(AssertionError):
    pass


@dataclass
class Browser:
    """A plain HTTP client with a cookie jar that follows redirects on the
    provider's own origin and stops at the first one that leaves it."""

    origin: str
    jar: CookieJar = field(default_factory=CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def go(self, url: str, data: dict | None = None) -> tuple[str, str]:
        """("page", html) where the provider shows a page, or ("left",
        location) at the redirect that leaves the provider."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        for _ in range(10):
            try:
                with self.opener.open(url, data=body, timeout=HTTP_TIMEOUT) as answer:
                    return "page", answer.read().decode()
            except urllib.error.HTTPError as error:
                if error.code not in (301, 302, 303, 307, 308):
                    page = error.read().decode()[:2000]
                    raise LoginFailed(f"{error.code} at {url}: {page}") from None
                location = urllib.parse.urljoin(url, error.headers["Location"])
            if not location.startswith(self.origin + "/"):
                return "left", location
            url, body = location, None
        raise LoginFailed(f"more than 10 redirects from {url}")

    def submit(self, url: str, html: str, fields: dict[str, str]) -> tuple[str, str]:
        parser = _Forms()
        parser.feed(html)
        if not parser.forms:
            raise LoginFailed(f"no form at {url}: {html[:2000]}")
        form = parser.forms[0]
        return self.go(urllib.parse.urljoin(url, form["action"]), {**form["fields"], **fields})


@dataclass
class Provider:
    """A running local ID-porten (start_provider). ``key`` and ``secret``:
    the app's two registered clients, when start_idporten registered them."""

    folder: Path
    port: int
    rogue: bool = False
    key: ClientKey | None = None
    secret: str | None = None
    process: subprocess.Popen | None = None

    @property
    def issuer(self) -> str:
        return f"http://{cluster.HOST}:{self.port}"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def clients_file(self) -> Path:
        return self.folder / "clients.json"

    @property
    def log_file(self) -> Path:
        return self.folder / "requests.jsonl"

    @property
    def output_file(self) -> Path:
        return self.folder / "provider.log"

    def get_json(self, url: str) -> dict:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT) as answer:
            return json.load(answer)

    def discovery(self) -> dict:
        return self.get_json(self.discovery_url)

    def jwks(self) -> dict:
        """The keys published at jwks_uri."""
        return self.get_json(self.discovery()["jwks_uri"])

    # Clients ---------------------------------------------------------------

    def clients(self) -> list[dict]:
        return json.loads(self.clients_file.read_text())

    def register(self, *clients: dict) -> None:
        """Add clients, or replace those with the same client_id; the running
        provider reads the file at each lookup."""
        ids = {client["client_id"] for client in clients}
        known = self.clients() if self.clients_file.exists() else []
        kept = [client for client in known if client["client_id"] not in ids]
        staging = self.clients_file.with_suffix(".tmp")
        staging.write_text(json.dumps([*kept, *clients], indent=2))
        staging.replace(self.clients_file)

    def allow(self, base_url: str) -> None:
        """Let every client come back to the app at ``base_url`` (its
        callback and logged-out pages), e.g. a live server's URL."""
        base = base_url.rstrip("/")
        updated = []
        for client in self.clients():
            for key, path in (
                ("redirect_uris", CALLBACK_PATH),
                ("post_logout_redirect_uris", LOGGED_OUT_PATH),
            ):
                if base + path not in client[key]:
                    client[key] = [*client[key], base + path]
            updated.append(client)
        self.register(*updated)

    def settings(self, client_auth: str = "private_key_jwt") -> dict[str, str]:
        """The IDPORTEN_* settings of the app's client with ``client_auth``
        (start_idporten's registrations)."""
        assert self.key and self.secret, "start_idporten registers the app's clients"
        common = {"IDPORTEN_ISSUER": self.issuer, "IDPORTEN_CLIENT_AUTH": client_auth}
        if client_auth == "private_key_jwt":
            return {
                **common,
                "IDPORTEN_CLIENT_ID": KEY_CLIENT_ID,
                "IDPORTEN_PRIVATE_KEY_FILE": str(self.key.pem_path),
                "IDPORTEN_KEY_ID": self.key.kid,
            }
        assert client_auth == "client_secret_post", client_auth
        return {
            **common,
            "IDPORTEN_CLIENT_ID": SECRET_CLIENT_ID,
            "IDPORTEN_CLIENT_SECRET": self.secret,
        }

    # What the relying parties sent ------------------------------------------

    def requests(self, endpoint: str | None = None) -> list[dict]:
        """The logged requests, oldest first: "authorization" (its
        parameters under "params"), "token" (client_auth_method, the client
        assertion's header and claims, …) or "end_session"."""
        if not self.log_file.exists():
            return []
        entries = [json.loads(line) for line in self.log_file.read_text().splitlines() if line]
        return [e for e in entries if endpoint is None or e["endpoint"] == endpoint]

    def authorization_requests(self) -> list[dict]:
        """The parameters of each authorization request, oldest first."""
        return [entry["params"] for entry in self.requests("authorization")]

    # A person at the provider -----------------------------------------------

    def login(self, authorize_url: str, *, pid: str, acr: str = SUBSTANTIAL) -> str:
        """Follow ``authorize_url`` as a new browser (own cookie jar), log in
        as ``pid`` at level ``acr`` and return where the provider sends the
        browser back: the client's redirect_uri with code and state (or with
        error, if the provider refused the request), not followed."""
        browser = Browser(self.issuer)
        kind, found = browser.go(authorize_url)
        if kind == "left":
            return found
        fields = {"pid": pid, "acr": acr, "action": "login"}
        kind, found = browser.submit(authorize_url, found, fields)
        if kind != "left":
            raise LoginFailed(f"the provider did not send the browser back: {found[:2000]}")
        return found

    def logout(self, end_session_url: str) -> str:
        """Follow the app's redirect to the end_session_endpoint (its logout
        page posts itself, as a browser's script would) and return the
        post_logout_redirect_uri (with state) the provider sends back to."""
        browser = Browser(self.issuer)
        kind, found = browser.go(end_session_url)
        if kind == "page":
            kind, found = browser.submit(end_session_url, found, {})
        if kind != "left":
            raise LoginFailed(f"the provider did not send the browser back: {found[:2000]}")
        return found

    # Up and down --------------------------------------------------------------

    def start(self) -> None:
        """Start the provider (again, after stop()) on the same port, with the
        same signing keys and clients, and wait for its discovery document."""
        if self.process and self.process.poll() is None:
            return
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("the local ID-porten needs Node.js (node on PATH)")
        if not (PROVIDER_DIR / "node_modules" / "oidc-provider").exists():
            raise RuntimeError("tests/idporten/node_modules is missing: run `make test` (npm ci)")
        command = [node, SCRIPT, "--port", self.port, "--issuer", self.issuer]
        command += ["--clients", self.clients_file, "--keys", self.folder / "keys.json"]
        command += ["--log", self.log_file] + (["--rogue"] if self.rogue else [])
        self.process = cluster.start_process(
            command, env={"PATH": str(Path(node).parent)}, log=self.output_file
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(OSError, ValueError):
                if self.discovery()["issuer"] == self.issuer:
                    return
            time.sleep(0.1)
        self.stop()
        output = self.output_file.read_text()[-3000:]
        raise RuntimeError(f"the local ID-porten did not start:\n{output}")

    def stop(self) -> None:
        """Stop the provider (SIGTERM, then SIGKILL if it hangs)."""
        if self.process:
            cluster.stop_process(self.process)

    @contextlib.contextmanager
    def down(self) -> Iterator[None]:
        """The provider stopped for the block, started again after it."""
        self.stop()
        try:
            yield
        finally:
            self.start()


@contextlib.contextmanager
def start_provider(folder: Path, *, clients: list[dict], rogue: bool = False) -> Iterator[Provider]:
    """A local ID-porten on a spare port with ``clients`` registered, its
    files (keys, clients, request log, output) in ``folder``; stopped on exit.
    ``rogue``: its id_tokens are signed with a key other than the one its
    jwks_uri publishes under the same kid."""
    provider = Provider(folder=Path(folder), port=cluster.free_port(), rogue=rogue)
    provider.register(*clients)
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


@contextlib.contextmanager
def start_idporten(
    folder: Path, *, rogue: bool = False, base_url: str = "http://testserver"
) -> Iterator[Provider]:
    """start_provider with the app's two clients registered for the app at
    ``base_url`` (the test client's, by default): KEY_CLIENT_ID with a new key
    (private_key_jwt) and SECRET_CLIENT_ID with a new secret
    (client_secret_post). Provider.settings() gives the app's IDPORTEN_*
    settings for either; Provider.allow() adds another base URL."""
    folder = Path(folder)
    key = make_client_key(folder)
    secret = secrets.token_urlsafe(32)
    uris = {
        "redirect_uris": [base_url.rstrip("/") + CALLBACK_PATH],
        "post_logout_redirect_uris": [base_url.rstrip("/") + LOGGED_OUT_PATH],
    }
    clients = [
        key_client(KEY_CLIENT_ID, key=key, **uris),
        secret_client(SECRET_CLIENT_ID, secret=secret, **uris),
    ]
    with start_provider(folder, clients=clients, rogue=rogue) as provider:
        provider.key, provider.secret = key, secret
        yield provider

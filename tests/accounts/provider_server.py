"""A local stand-in for Google, Apple, GitHub and Facebook.

It speaks the parts of their HTTP APIs the login uses: the JWKS documents of
Google and Apple, GitHub's token exchange, token check, profile and emails, and
Facebook's token exchange, debug_token and /me. Tests sign ID tokens with its RSA
key; a forged token is signed with another key under the same key id.
"""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_ID = "test-key-1"


def new_rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class ProviderServer:
    def __init__(self, port):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.key = new_rsa_key()
        self.requests = []
        # GitHub: code -> access token, access token -> (profile, emails)
        self.github_codes = {}
        self.github_users = {}
        # Facebook: access token -> (app id, profile); code -> access token
        self.facebook_tokens = {}
        self.facebook_codes = {}
        self.github_client = ("gh-client", "gh-secret")
        self.facebook_app = ("fb-app", "fb-secret")
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    # --- ID tokens ----------------------------------------------------------

    def jwks(self):
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": KEY_ID, "alg": "RS256", "use": "sig"}]}

    def id_token(self, *, issuer, audience, key=None, expires_in=300, **claims):
        now = int(time.time())
        payload = {
            "iss": issuer,
            "aud": audience,
            "iat": now,
            "exp": now + expires_in,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(
            payload, key or self.key, algorithm="RS256", headers={"kid": KEY_ID}
        )

    # --- HTTP -----------------------------------------------------------------

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    return json.loads(raw or "{}")
                return {k: v[0] for k, v in parse_qs(raw).items()}

            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                server.requests.append(("GET", url.path, query))
                token = self.headers.get("Authorization", "").split(" ")[-1]
                routes = {
                    "/google/jwks": lambda: (200, server.jwks()),
                    "/apple/jwks": lambda: (200, server.jwks()),
                    "/github/api/user": lambda: server._github_profile(token, 0),
                    "/github/api/user/emails": lambda: server._github_profile(token, 1),
                    "/facebook/debug_token": lambda: server._fb_debug(query),
                    "/facebook/me": lambda: server._fb_me(query),
                    "/facebook/oauth/access_token": lambda: server._fb_exchange(query),
                }
                route = routes.get(url.path)
                self._send(*(route() if route else (404, {"error": "not found"})))

            def do_POST(self):
                url = urlparse(self.path)
                body = self._body()
                server.requests.append(("POST", url.path, body))
                if url.path == "/github/login/oauth/access_token":
                    return self._send(*server._github_exchange(body))
                prefix = f"/github/api/applications/{server.github_client[0]}/token"
                if url.path == prefix:
                    return self._send(*server._github_check(self.headers, body))
                self._send(404, {"error": "not found"})

        return Handler

    def _github_profile(self, token, part):
        found = self.github_users.get(token)
        if found is None:
            return 401, {"message": "Bad credentials"}
        return 200, found[part]

    def _github_exchange(self, body):
        if (body.get("client_id"), body.get("client_secret")) != self.github_client:
            return 401, {"error": "incorrect_client_credentials"}
        token = self.github_codes.pop(body.get("code"), None)
        if token is None:
            return 200, {"error": "bad_verification_code"}
        return 200, {"access_token": token, "token_type": "bearer"}

    def _github_check(self, headers, body):
        import base64

        expected = base64.b64encode(":".join(self.github_client).encode()).decode()
        if headers.get("Authorization") != f"Basic {expected}":
            return 401, {"message": "Requires authentication"}
        if body.get("access_token") not in self.github_users:
            return 404, {"message": "Not Found"}
        return 200, {"id": 1}

    def _fb_debug(self, query):
        if query.get("access_token") != "|".join(self.facebook_app):
            return 400, {"error": {"message": "Invalid OAuth access token"}}
        found = self.facebook_tokens.get(query.get("input_token"))
        if found is None:
            return 200, {"data": {"is_valid": False}}
        return 200, {"data": {"is_valid": True, "app_id": found[0]}}

    def _fb_me(self, query):
        found = self.facebook_tokens.get(query.get("access_token"))
        if found is None or not query.get("appsecret_proof"):
            return 400, {"error": {"message": "Invalid OAuth access token"}}
        return 200, found[1]

    def _fb_exchange(self, query):
        if query.get("client_secret") != self.facebook_app[1]:
            return 400, {"error": {"message": "bad client"}}
        token = self.facebook_codes.pop(query.get("code"), None)
        if token is None:
            return 400, {"error": {"message": "bad code"}}
        return 200, {"access_token": token, "token_type": "bearer"}

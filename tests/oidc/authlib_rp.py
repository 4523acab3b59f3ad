"""An independent relying party, authlib (unchanged), against the running
service: discovery, code + PKCE with no device, the id token checked by the
library (signature from the JWKS, iss, aud, nonce, exp, auth_time with
max_age), prompt=none after the sign-in, UserInfo, refresh with rotation,
reuse detection, RFC 7009 revocation of both token types, RFC 7662
introspection and RP-initiated logout.

Usage: authlib_rp.py <base URL of the local server>
The browser is a requests session with a cookie jar that fills in the login
form the way tests/sign_in.py does."""

import os
import sys
import urllib.parse

# authlib refuses http unless told; the local server stands in for HTTPS.
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

import requests  # noqa: E402
from authlib.common.security import generate_token  # noqa: E402
from authlib.integrations.requests_client import OAuth2Session  # noqa: E402
from authlib.oidc.core import CodeIDToken, UserInfo  # noqa: E402
from joserfc import jwt  # noqa: E402
from joserfc.jwk import KeySet  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from sign_in import hidden_fields  # noqa: E402

BASE = sys.argv[1].rstrip("/")
CLIENT = "local-demo"
CALLBACK = f"{BASE}/callback"
checks = []


def check(name, condition, detail=""):
    if not condition:
        raise SystemExit(f"authlib RP: {name} failed {detail}")
    checks.append(name)


meta = requests.get(f"{BASE}/.well-known/openid-configuration").json()
ISSUER = meta["issuer"]
check("discovery names this issuer", ISSUER == f"{BASE}/", ISSUER)
KEYS = KeySet.import_key_set(requests.get(meta["jwks_uri"]).json())
browser = requests.Session()


def rp():
    return OAuth2Session(
        CLIENT,
        scope="openid profile email offline_access",
        redirect_uri=CALLBACK,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
        revocation_endpoint_auth_method="none",
    )


def authorize(client, extra=None, sign_in=True):
    """The authorization request through the browser; the callback URL."""
    verifier, nonce = generate_token(48), generate_token(16)
    url, state = client.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce, **(extra or {})
    )
    answer = browser.get(url, allow_redirects=False)
    if sign_in:
        check("the login page is shown", answer.status_code == 200, answer.status_code)
        fields = hidden_fields(answer.text)
        fields.update(username="demo@example.com", password="demo-password")
        answer = browser.post(f"{BASE}/authorize", data=fields, allow_redirects=False)
    location = answer.headers.get("location", "")
    check("the answer goes to the callback", location.startswith(CALLBACK), location)
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    check("RFC 9207: iss in the authorization response", params.get("iss") == ISSUER, params)
    return location, state, verifier, nonce, params


def id_token_claims(token, nonce, max_age=None):
    decoded = jwt.decode(token["id_token"], KEYS)
    options = {"iss": {"essential": True, "value": ISSUER}, "aud": {"essential": True, "value": CLIENT}}
    params = {"nonce": nonce, "client_id": CLIENT}
    if max_age is not None:
        params["max_age"] = max_age
    claims = CodeIDToken(decoded.claims, decoded.header, options, params)
    claims.validate(leeway=5)
    return claims


# Code + PKCE, no device: the library's exchange and id token checks.
client = rp()
location, state, verifier, nonce, _ = authorize(client)
token = client.fetch_token(
    meta["token_endpoint"], authorization_response=location, state=state, code_verifier=verifier
)
claims = id_token_claims(token, nonce)
check("a refresh token without a device parameter", bool(token.get("refresh_token")))
check("the id token carries auth_time", "auth_time" in claims)

# prompt=none after the sign-in, with max_age: no page, a code, auth_time checked.
silent = rp()
location, state, verifier, nonce, params = authorize(silent, {"prompt": "none", "max_age": 600}, sign_in=False)
check("prompt=none answers with a code", "code" in params, params)
silent_token = silent.fetch_token(
    meta["token_endpoint"], authorization_response=location, state=state, code_verifier=verifier
)
silent_claims = id_token_claims(silent_token, nonce, max_age=600)
check("the same sign-in's auth_time", silent_claims["auth_time"] == claims["auth_time"])

# The same browser signed in to the same app again: its device session was
# replaced, so the first refresh token no longer works.
replaced = requests.post(
    meta["token_endpoint"],
    data={"grant_type": "refresh_token", "client_id": CLIENT, "refresh_token": token["refresh_token"]},
)
check("one session per app and browser", replaced.status_code == 400, replaced.text)

# UserInfo with the access token.
info = UserInfo(silent.get(meta["userinfo_endpoint"]).json())
check("UserInfo names the id token's subject", info["sub"] == claims["sub"], dict(info))
check("UserInfo releases the email", info.get("email") == "demo@example.com", dict(info))

# Refresh with rotation; then reuse of the first token ends the session.
first = silent_token["refresh_token"]
second = silent.refresh_token(meta["token_endpoint"], refresh_token=first)["refresh_token"]
third = silent.refresh_token(meta["token_endpoint"], refresh_token=second)["refresh_token"]
check("each refresh rotates", len({first, second, third}) == 3)
reuse = requests.post(
    meta["token_endpoint"], data={"grant_type": "refresh_token", "client_id": CLIENT, "refresh_token": first}
)
check("a rotated-out token is refused", reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant")
after = requests.post(
    meta["token_endpoint"], data={"grant_type": "refresh_token", "client_id": CLIENT, "refresh_token": third}
)
check("reuse ended the session: the newest token is dead too", after.status_code == 400, after.text)

# RFC 7662 introspection and RFC 7009 revocation of both token types.
admin = OAuth2Session("local-admin", "local-admin-secret")
def active(value):
    return admin.introspect_token(meta["introspection_endpoint"], token=value).json()["active"]

revoking = rp()
location, state, verifier, nonce, _ = authorize(revoking, {"prompt": "none"}, sign_in=False)
fresh = revoking.fetch_token(
    meta["token_endpoint"], authorization_response=location, state=state, code_verifier=verifier
)
check("introspection: the access token is active", active(fresh["access_token"]))
check("introspection: the refresh token is active", active(fresh["refresh_token"]))
revoking.revoke_token(meta["revocation_endpoint"], token=fresh["access_token"], token_type_hint="access_token")
check("a revoked access token is inactive", not active(fresh["access_token"]))
check("UserInfo refuses it", revoking.get(meta["userinfo_endpoint"]).status_code == 401)
revoking.revoke_token(meta["revocation_endpoint"], token=fresh["refresh_token"], token_type_hint="refresh_token")
check("a revoked refresh token is inactive", not active(fresh["refresh_token"]))

# RP-initiated logout ends the sign-in: prompt=none now needs a login.
bye = browser.get(
    meta["end_session_endpoint"],
    params={"id_token_hint": token["id_token"], "post_logout_redirect_uri": CALLBACK, "state": "bye"},
    allow_redirects=False,
)
check("logout returns to the registered URI", bye.headers.get("location") == f"{CALLBACK}?state=bye", bye.headers)
_, _, _, _, params = authorize(rp(), {"prompt": "none"}, sign_in=False)
check("after logout, prompt=none is login_required", params.get("error") == "login_required", params)

print(f"authlib RP: {len(checks)} checks passed")

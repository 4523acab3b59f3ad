"""Signs the demo user in through the hosted login page, as a browser does
(the page, its hidden fields and cookie, then the form), and prints the
callback fragments as a JSON list, one per device. Used by the scripts that
need real tokens from a running server (schemathesis, the cargo lambda
smoke test, the benchmarks).

Usage: python3 tests/sign_in.py <base URL> <client_id> <device> [count]
With a count, the devices are <device>-0 … <device>-<count-1>.
"""

import html
import http.client
import json
import re
import sys
import urllib.parse

LOGIN = [("username", "demo@example.com"), ("password", "demo-password")]


def hidden_fields(page):
    """The login page's hidden inputs (the authorization request and the
    form's anti-forgery token), as a dict."""
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    return {name: html.unescape(value) for name, value in hidden}


def sign_in(base, client_id, device):
    """The callback fragment's values of one sign-in."""
    status, location = submit(base, client_id, device)
    if status != 303 or "#" not in location:
        raise SystemExit(f"sign_in: no redirect with tokens (status {status})")
    return dict(urllib.parse.parse_qsl(location.split("#", 1)[1]))


def sign_in_status(base, client_id, device):
    """The status of one sign-in's form POST (303 when it worked)."""
    return submit(base, client_id, device)[0]


def sign_in_code(base, client_id, device, code_challenge):
    """The authorization code of one code-flow sign-in with PKCE (S256)."""
    extra = {"response_type": "code", "code_challenge": code_challenge,
             "code_challenge_method": "S256"}
    status, location = submit(base, client_id, device, extra)
    query = urllib.parse.urlsplit(location).query
    code = dict(urllib.parse.parse_qsl(query)).get("code")
    if status != 303 or not code:
        raise SystemExit(f"sign_in: no redirect with a code (status {status})")
    return code


def submit(base, client_id, device, extra=None):
    """The login page, then its form: the POST's status and Location."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=300)
    query = urllib.parse.urlencode({"response_type": "token", "client_id": client_id,
                                    "redirect_uri": f"{base}/callback", "device": device,
                                    "scope": "openid profile email offline_access",
                                    **(extra or {})})
    conn.request("GET", f"/authorize?{query}")
    response = conn.getresponse()
    page = response.read().decode()
    if response.status != 200:
        raise SystemExit(f"sign_in: the login page answered {response.status}: {page[:300]}")
    cookie = response.getheader("set-cookie").split(";")[0]
    form = urllib.parse.urlencode(list(hidden_fields(page).items()) + LOGIN)
    conn.request("POST", "/authorize", form,
                 {"content-type": "application/x-www-form-urlencoded", "cookie": cookie})
    response = conn.getresponse()
    response.read()
    return response.status, response.getheader("location") or ""


def main():
    base, client_id, device = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    if len(sys.argv) > 4:
        devices = [f"{device}-{i}" for i in range(int(sys.argv[4]))]
    else:
        devices = [device]
    print(json.dumps([sign_in(base, client_id, d) for d in devices]))


if __name__ == "__main__":
    main()

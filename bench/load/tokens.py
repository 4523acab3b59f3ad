"""Signs the local server's demo user in on N devices and prints their
refresh tokens as a JSON list (bench/load/run's virtual clients)."""
import html
import http.client
import json
import re
import sys
import urllib.parse

port, count = int(sys.argv[1]), int(sys.argv[2])
base = f"http://127.0.0.1:{port}"
tokens = []
for i in range(count):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    query = urllib.parse.urlencode({"response_type": "token", "client_id": "local-demo", "redirect_uri": f"{base}/callback",
                                    "scope": "openid offline_access", "device": f"load-{i}"})
    conn.request("GET", f"/authorize?{query}")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader("set-cookie").split(";")[0]
    fields = [(k, html.unescape(v)) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)]
    form = urllib.parse.urlencode(fields + [("username", "demo@example.com"), ("password", "demo-password")])
    conn.request("POST", "/authorize", form, {"content-type": "application/x-www-form-urlencoded", "cookie": cookie})
    response = conn.getresponse()
    response.read()
    tokens.append(dict(urllib.parse.parse_qsl(response.getheader("location").split("#", 1)[1]))["refresh_token"])
print(json.dumps(tokens))

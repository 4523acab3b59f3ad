"""A minimal Lambda runtime API (the 2018-06-01 interface) for measuring a
function's cold start and memory: it starts the bootstrap, hands it one API
Gateway HTTP API event per poll, and records when each answer arrives.
Used by bench/cold-start; see that script for what it measures."""

import argparse
import json
import os
import statistics
import sys
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from sign_in import LOGIN, hidden_fields, sign_in  # noqa: E402  (the shared sign-in helpers)

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "apigw_v2_request.json")


def refresh_event(token):
    event = json.load(open(FIXTURE))
    body = urllib.parse.urlencode({"grant_type": "refresh_token", "client_id": "local-demo", "refresh_token": token})
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/oauth/token"
    event["requestContext"]["http"]["method"] = "POST"
    event["headers"]["content-type"] = "application/x-www-form-urlencoded"
    event["body"] = body
    return event


def authorize_event(port, method, query="", body=None, cookies=None):
    event = json.load(open(FIXTURE))
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/authorize"
    event["requestContext"]["http"]["method"] = method
    event["rawQueryString"] = query
    if body is not None:
        event["headers"]["content-type"] = "application/x-www-form-urlencoded"
        event["body"] = body
    if cookies:
        event["cookies"] = cookies
    return event


class Runtime:
    """The runtime API's state for one function process."""

    def __init__(self, events):
        self.events = events          # callables: () -> event
        self.answers = []             # (time, status, body)
        self.full = []                # the whole answers
        self.first_poll = None
        self.done = threading.Event()
        self.lock = threading.Lock()

    def handler(self):
        runtime = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_):
                pass

            def do_GET(self):
                if not self.path.endswith("/invocation/next"):
                    return self.send_error(404)
                with runtime.lock:
                    if runtime.first_poll is None:
                        runtime.first_poll = time.perf_counter()
                    index = len(runtime.answers)
                if index >= len(runtime.events):
                    runtime.done.set()
                    time.sleep(3600)
                    return
                event = json.dumps(runtime.events[index]()).encode()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", f"req-{index}")
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 10_000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                                 "arn:aws:lambda:us-east-1:123456789012:function:delegation")
                self.send_header("Content-Length", str(len(event)))
                self.end_headers()
                self.wfile.write(event)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                if "/response" in self.path:
                    answer = json.loads(body)
                    with runtime.lock:
                        runtime.answers.append((time.perf_counter(), answer.get("statusCode"), answer.get("body")))
                        runtime.full.append(answer)
                else:
                    print("function error:", self.path, body[:300])
                    runtime.done.set()
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler


def peak_rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def run_once(binary, env, token, extra):
    """One cold start: the first refresh, then `extra` more. Returns timings, RSS and the newest token."""
    state = {"token": token}
    runtime = Runtime([])

    def event(i):
        """The i-th event: a refresh with the token the previous answer rotated to."""
        def make():
            if i > 0:
                _, status, body = runtime.answers[i - 1]
                assert status == 200, body
                state["token"] = json.loads(body)["refresh_token"]
            return refresh_event(state["token"])
        return make

    runtime.events = [event(i) for i in range(1 + extra)]
    server = ThreadingHTTPServer(("127.0.0.1", 0), runtime.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    process_env = dict(os.environ, **env, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}",
                       AWS_LAMBDA_FUNCTION_NAME="delegation", AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
                       AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128", AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/delegation",
                       AWS_LAMBDA_LOG_STREAM_NAME="bench", AWS_REGION="us-east-1", AWS_LAMBDA_LOG_LEVEL="WARN")
    start = time.perf_counter()
    process = subprocess.Popen([binary], env=process_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    rss_first = None
    while len(runtime.answers) < 1 and process.poll() is None:
        time.sleep(0.0005)
    if runtime.answers:
        rss_first = peak_rss_kib(process.pid)
    runtime.done.wait(timeout=120)
    rss_after = peak_rss_kib(process.pid) if process.poll() is None else 0
    process.kill()
    process.wait()
    server.shutdown()
    if not runtime.answers:
        raise SystemExit(f"the function never answered: {process.stderr.read()[:500]!r}")
    first_time, status, body = runtime.answers[0]
    assert status == 200, body
    _, status, body = runtime.answers[-1]
    assert status == 200, body
    state["token"] = json.loads(body)["refresh_token"]
    times = [t for t, _, _ in runtime.answers]
    warm = statistics.median(b - a for a, b in zip(times, times[1:])) * 1e3 if len(times) > 1 else 0.0
    return (runtime.first_poll - start) * 1e3, (first_time - start) * 1e3, rss_first, rss_after, warm, state["token"]


def run_sign_ins(binary, env, port, count):
    """`count` sign-ins (the login page, then its form) through the authorize
    function, one at a time as Lambda sends them. Returns the peak RSS after
    the first and after all, in KiB, and the statuses of the form posts."""
    runtime = Runtime([])
    query = urllib.parse.urlencode({"response_type": "token", "client_id": "local-demo",
                                    "redirect_uri": f"http://127.0.0.1:{port}/callback",
                                    "scope": "openid offline_access"})

    def event(i):
        def make():
            if i % 2 == 0:
                return authorize_event(port, "GET", f"{query}&device=flood-{i // 2}")
            page = runtime.full[i - 1]
            fields = list(hidden_fields(page["body"]).items()) + LOGIN
            cookies = [c.split(";")[0] for c in page.get("cookies", [])]
            return authorize_event(port, "POST", body=urllib.parse.urlencode(fields), cookies=cookies)
        return make

    runtime.events = [event(i) for i in range(2 * count)]
    server = ThreadingHTTPServer(("127.0.0.1", 0), runtime.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    process_env = dict(os.environ, **env, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}",
                       AWS_LAMBDA_FUNCTION_NAME="authorize", AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
                       AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128", AWS_REGION="us-east-1", AWS_LAMBDA_LOG_LEVEL="WARN")
    process = subprocess.Popen([binary], env=process_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while len(runtime.answers) < 2 and process.poll() is None:
        time.sleep(0.001)
    rss_first = peak_rss_kib(process.pid) if process.poll() is None else 0
    runtime.done.wait(timeout=300)
    rss_after = peak_rss_kib(process.pid) if process.poll() is None else 0
    process.kill()
    process.wait()
    server.shutdown()
    statuses = [status for _, status, _ in runtime.answers[1::2]]
    return rss_first, rss_after, statuses


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--port", type=int, required=True, help="the local server that signs the user in")
    parser.add_argument("--binary", required=True)
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("--load", type=int, default=2000, help="refreshes after the first, for the RSS under load")
    parser.add_argument("--sign-ins", type=int, default=0,
                        help="instead: this many sign-ins through the authorize function, for its peak RSS")
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    if args.sign_ins:
        first, after, statuses = run_sign_ins(args.binary, env, args.port, args.sign_ins)
        print(f"authorize at 128 MB: peak RSS {first / 1024:.1f} MiB after one sign-in, "
              f"{after / 1024:.1f} MiB after {args.sign_ins} ({statuses.count(303)} signed in)")
        return
    token = sign_in(f"http://127.0.0.1:{args.port}", "local-demo", "cold-start")["refresh_token"]
    inits, firsts, rss_firsts = [], [], []
    for _ in range(args.runs):
        init_ms, first_ms, rss_first, _, _, token = run_once(args.binary, env, token, 0)
        inits.append(init_ms)
        firsts.append(first_ms)
        rss_firsts.append(rss_first)
    *_, rss_loaded, warm_ms, token = run_once(args.binary, env, token, args.load)
    print(f"cold start over {args.runs} runs (median): init {statistics.median(inits):.1f} ms, "
          f"first refresh answered {statistics.median(firsts):.1f} ms after process start")
    print(f"peak RSS: {statistics.median(rss_firsts) / 1024:.1f} MiB after the first refresh, "
          f"{rss_loaded / 1024:.1f} MiB after {args.load} more")
    print(f"a warm refresh, through the emulator and dynalite: {warm_ms:.1f} ms (median), "
          "so the first answer's extra time is the first DynamoDB call's connection and dynalite")


if __name__ == "__main__":
    main()

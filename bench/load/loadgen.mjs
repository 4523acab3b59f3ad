// A closed-loop refresh load: each virtual client sends the refresh grant
// with its newest refresh token, waits for the answer, keeps the rotated
// token, and sends again, for the given seconds. Prints one JSON line:
// requests, errors, requests/s, p50 and p99 latency in ms. With a rate, the
// clients together send that many requests per second (each on its own
// schedule, never more than one in flight), for a fixed-rate tier.
// Usage: node loadgen.mjs <token endpoint URL> <client_id> <tokens.json> <seconds> [requests/s]
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [url, clientId, tokensFile, seconds, rate] = process.argv.slice(2);
const tokens = JSON.parse(readFileSync(tokensFile, 'utf8'));
const agent = new http.Agent({ keepAlive: true, maxSockets: tokens.length });
const target = new URL(url);

function refresh(token) {
  const body = new URLSearchParams({ grant_type: 'refresh_token', client_id: clientId, refresh_token: token }).toString();
  return new Promise((resolve, reject) => {
    const request = http.request({
      agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
    }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

const latencies = [];
let errors = 0;
const deadline = performance.now() + Number(seconds) * 1000;

const interval = rate ? (tokens.length / Number(rate)) * 1000 : 0;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function virtualClient(token, index) {
  let current = token;
  let next = performance.now() + (interval * index) / tokens.length;
  while (performance.now() < deadline) {
    if (interval) {
      await sleep(Math.max(0, next - performance.now()));
      next += interval;
    }
    const start = performance.now();
    const answer = await refresh(current);
    latencies.push(performance.now() - start);
    if (answer.status !== 200) {
      errors += 1;
      if (errors < 5) console.error(`status ${answer.status}: ${answer.body.slice(0, 200)}`);
      return;
    }
    current = JSON.parse(answer.body).refresh_token ?? current;
  }
}

const started = performance.now();
await Promise.all(tokens.map((token, index) => virtualClient(token, index)));
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
console.log(JSON.stringify({
  requests: latencies.length, errors, rps: latencies.length / elapsed,
  p50_ms: at(0.5), p99_ms: at(0.99),
}));
agent.destroy();

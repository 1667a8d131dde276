// bench_async_node.mjs URL N INFLIGHT BODYFILE [fetch|http]: the Node twin of bench_async: N
// sendMessage POSTs with INFLIGHT concurrent requests, each answer parsed as JSON, through Node's
// built-in fetch (undici) or node:http with a keep-alive Agent of INFLIGHT sockets. Prints calls/s
// and the process's CPU time per call.
import { readFileSync } from 'node:fs';
import http from 'node:http';
const [url, nArg, inflightArg, bodyFile, mode = 'fetch'] = process.argv.slice(2);
const n = Number(nArg), inflight = Number(inflightArg);
const body = readFileSync(bodyFile);
const target = url + '/bot123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi/sendMessage';
const agent = new http.Agent({ keepAlive: true, maxSockets: inflight });
function oneHttp() {
  return new Promise((resolve, reject) => {
    const rq = http.request(target, { method: 'POST', agent, headers: { 'Content-Type': 'application/json',
      'Content-Length': body.length } }, (rs) => {
      const parts = [];
      rs.on('data', (d) => parts.push(d));
      rs.on('end', () => { try { if (!JSON.parse(Buffer.concat(parts)).ok) throw new Error('not ok'); resolve(); } catch (e) { reject(e); } });
    });
    rq.on('error', reject);
    rq.end(body);
  });
}
async function one() {
  if (mode === 'http') return oneHttp();
  const r = await fetch(target, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
  const j = await r.json();
  if (!j.ok) throw new Error('not ok');
}
async function run(count) {
  let next = 0;
  const worker = async () => { while (next < count) { next++; await one(); } };
  await Promise.all(Array.from({ length: inflight }, worker));
}
await run(inflight);                       // warm-up: opens the connections
const c0 = process.cpuUsage(), t0 = process.hrtime.bigint();
await run(n);
const dt = Number(process.hrtime.bigint() - t0) / 1e3, c = process.cpuUsage(c0);
console.log('calls_per_s %s cpu_us_per_call %s', (n * 1e6 / dt).toFixed(1), ((c.user + c.system) / n).toFixed(2));

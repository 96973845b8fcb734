// Bytes per query and known-item quality of a Pagefind bundle (made by this folder's crate), in
// headless Chromium with playwright-core from tests/browser (run `npm ci` there first):
//   node scripts/search-compare/pagefind-queries.mjs BUNDLE_ROOT SMELT_OUT EVERY [QUERY…]
// BUNDLE_ROOT holds pagefind/; SMELT_OUT is the same site built by smelt (its search/ gives
// the known-item queries, made exactly as scripts/search-measure.mjs makes them).
import http from 'node:http'; import fs from 'node:fs'; import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
const require = createRequire(new URL('../../tests/browser/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const [root, smeltOut, every] = [process.argv[2], process.argv[3], Number(process.argv[4] || 50)];
const queries = process.argv.slice(5);
const server = http.createServer((req, res) => {
  let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (p === '/') { res.writeHead(200, {'content-type': 'text/html'}); res.end('<!doctype html><title>t</title>'); return; }
  const f = path.join(root, p);
  if (!fs.existsSync(f) || fs.statSync(f).isDirectory()) { res.writeHead(404); res.end(); return; }
  const ct = f.endsWith('.js') ? 'text/javascript' : f.endsWith('.json') ? 'application/json' : 'application/octet-stream';
  const b = fs.readFileSync(f); res.writeHead(200, {'content-type': ct}); res.end(b);
});
await new Promise(r => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
async function fresh() {
  const ctx = await browser.newContext(); const page = await ctx.newPage();
  const log = []; page.on('response', async r => { try { log.push([r.url(), (await r.body()).length]); } catch {} });
  await page.goto(origin + '/');
  await page.evaluate(async () => { window.pf = await import('/pagefind/pagefind.js'); await window.pf.init(); await window.pf.search('zzzzqqq'); });
  await page.waitForTimeout(200);
  return { ctx, page, log };
}
const KB = n => (n/1024).toFixed(1) + ' KiB';
let s = await fresh(); const init = s.log.reduce((a, x) => a + x[1], 0); await s.ctx.close();
console.log(`first load (pagefind.js, wasm, entry, meta): ${KB(init)}`);
let sum = 0;
for (const q of queries) {
  s = await fresh(); const before = s.log.length;
  const r = await s.page.evaluate(async (q) => { const x = await window.pf.search(q); const d = await Promise.all(x.results.slice(0, 8).map(r => r.data())); return { n: x.results.length, top: d[0] && d[0].meta.title }; }, q);
  await s.page.waitForTimeout(100);
  const bytes = s.log.slice(before).reduce((a, x) => a + x[1], 0); sum += bytes;
  console.log(`  ${JSON.stringify(q).padEnd(24)} ${String(r.n).padStart(6)} results ${KB(bytes).padStart(10)} top: ${r.top}`);
  await s.ctx.close();
}
if (queries.length) console.log(`  mean per query: ${KB(sum / queries.length)}`);
// known-item, same queries as scripts/search-measure.mjs (first three index words of the title)
const meta = JSON.parse(fs.readFileSync(path.join(smeltOut, 'search/meta.json')));
const stop = new Set(meta.stop);
const core = require(fileURLToPath(new URL('../../themes/default/static/search.js', import.meta.url)));
s = await fresh();
let n = 0, h1 = 0, h8 = 0, rr = 0;
for (let id = 0; id < meta.docs; id += every) {
  const frag = JSON.parse(fs.readFileSync(path.join(smeltOut, `search/d/${id}.json`)));
  const words = (core.fold(frag.title).match(/(?:[\p{Alphabetic}\p{N}]|(?<=\p{N})\.(?=\p{N}))+/gu) || []).filter(w => Array.from(w).length >= 2 && !stop.has(w)).slice(0, 3);
  if (!words.length) continue;
  const titles = await s.page.evaluate(async (q) => { const x = await window.pf.search(q); const d = await Promise.all(x.results.slice(0, 100).map(r => r.data())); return d.map(d => d.meta.title); }, words.join(' '));
  const norm = t => t.replace(/\s*·.*$/, '').trim();
  const k = titles.findIndex(t => norm(t) === frag.title);
  n++; if (k === 0) h1++; if (k >= 0 && k < 8) h8++; if (k >= 0) rr += 1 / (k + 1);
}
console.log(`known-item: ${n} queries, hit@1 ${(h1/n).toFixed(3)}, hit@8 ${(h8/n).toFixed(3)}, MRR ${(rr/n).toFixed(3)}`);
await browser.close(); server.close();

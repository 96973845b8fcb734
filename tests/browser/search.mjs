// Browser test of the default theme's search box, in headless Chromium driven by
// playwright-core. Run by the Rust integration test `search::browser_search` (which builds the
// `tests/fixtures/search` site at the root and under a sub-path), or by hand:
//
//   node tests/browser/search.mjs OUT_DIR / OUT_DIR_SUB /sub/
//
// Each (folder, mount path) pair is served by a small static server on 127.0.0.1 and checked:
// typing finds the expected post first (accent folding, stemming, prefix), results carry a
// date, a marked excerpt and tags, tag filters work, arrow keys / Escape / Enter work, no
// request leaves the site, and without JavaScript the form still points at a web search.
// Chromium: $CHROMIUM, else /usr/bin/chromium. Exit code 0 when every check passes.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.json': 'application/json',
  '.css': 'text/css', '.svg': 'image/svg+xml', '.xml': 'application/xml', '.txt': 'text/plain',
};

function serve(root, mount) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let p = decodeURIComponent(url.pathname);
    if (!p.startsWith(mount)) { res.writeHead(404); res.end('not under ' + mount); return; }
    p = p.slice(mount.length);
    if (p === '' || p.endsWith('/')) p += 'index.html';
    const file = path.join(root, p);
    if (!file.startsWith(path.resolve(root)) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404); res.end('not found'); return;
    }
    const body = fs.readFileSync(file);
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const results = [];
async function check(name, fn) {
  try {
    await fn();
    results.push([name, null]);
    console.log(`ok   ${name}`);
  } catch (e) {
    results.push([name, e]);
    console.log(`FAIL ${name}\n     ${String(e && e.stack || e).split('\n').slice(0, 4).join('\n     ')}`);
  }
}

function assert(cond, msg) { if (!cond) throw new Error(msg); }

async function search(page, query) {
  const input = page.locator('input[type="search"]');
  await input.fill('');
  await input.click();
  await input.pressSequentially(query, { delay: 20 });
  await page.waitForFunction(() => {
    const r = document.getElementById('search-results');
    const s = r && r.querySelector('.search-status');
    const list = r && r.querySelector('.search-list');
    if (!s || !s.textContent) return false;
    if (s.textContent === 'No results') return true;
    // Wait for the first card to arrive.
    return !!(list && list.querySelector('a.search-hit'));
  }, null, { timeout: 10000 });
  await page.waitForTimeout(150);
}

async function firstHref(page) {
  return page.locator('#search-results a').first().getAttribute('href');
}

async function runSite(browser, dir, mount) {
  const server = await serve(dir, mount);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const context = await browser.newContext();
  const page = await context.newPage();
  const outside = [];
  let indexBytes = 0;
  page.on('request', (r) => { if (!r.url().startsWith(origin)) outside.push(r.url()); });
  page.on('response', async (r) => {
    if (r.url().includes('/search/')) { try { indexBytes += (await r.body()).length; } catch { /* navigated away */ } }
  });
  const at = (p) => `${mount}${p}`;
  const label = `[${mount}]`;
  try {
    await page.goto(origin + mount);

    await check(`${label} accent-folded query finds the post first`, async () => {
      await search(page, 'detente');
      assert(await firstHref(page) === at('posts/detente-and-the-metals-trade/'), 'first result: ' + await firstHref(page));
      const first = page.locator('#search-results a').first();
      const html = await first.innerHTML();
      const title = await first.locator('.search-hit-title').textContent();
      assert(title === 'Détente and the Metals Trade', 'title: ' + title);
      assert(html.includes('<mark>Détente</mark> and the Metals Trade'), 'title not marked: ' + html);
      assert(/<time datetime="2026-03-02">Mar 2, 2026<\/time>/.test(html), 'date missing: ' + html);
      assert(/<mark>détente<\/mark>/i.test(html), 'excerpt not marked: ' + html);
      assert(html.includes('>Diplomacy<'), 'tags missing: ' + html);
      assert(await page.locator('#search-results a').count() === 2, 'expected 2 results');
    });

    await check(`${label} stemmed query (hedging → hedged)`, async () => {
      await search(page, 'hedging');
      assert(await firstHref(page) === at('posts/gallium-licences/'), 'first result: ' + await firstHref(page));
    });

    await check(`${label} prefix while typing`, async () => {
      await search(page, 'transfo');
      assert(await firstHref(page) === at('posts/grid-transformers/'), 'first result: ' + await firstHref(page));
    });

    await check(`${label} title outranks body mention`, async () => {
      await search(page, 'gallium');
      const hrefs = await page.locator('#search-results a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert(hrefs.length === 2 && hrefs[0] === at('posts/gallium-licences/') && hrefs[1] === at('posts/grid-transformers/'), 'order: ' + hrefs);
    });

    await check(`${label} tag filter`, async () => {
      await search(page, 'trade');
      const before = await page.locator('#search-results a').count();
      await page.selectOption('#search-filter-tag', { label: 'Tariffs (1)' });
      await page.waitForFunction(() => document.querySelectorAll('#search-results a').length === 1
        && document.querySelector('#search-results .search-status').textContent === '1 result');
      assert(before > 1, 'unfiltered results: ' + before);
      assert(await firstHref(page) === at('posts/tariff-detours/'), 'filtered: ' + await firstHref(page));
    });

    await check(`${label} author filter`, async () => {
      await page.keyboard.press('Escape');
      await search(page, 'gallium');
      await page.selectOption('#search-filter-author', { label: 'Ben Osei (4)' });
      await page.waitForFunction(() => document.querySelectorAll('#search-results a').length === 1);
      assert(await firstHref(page) === at('posts/grid-transformers/'), 'filtered: ' + await firstHref(page));
    });

    await check(`${label} arrow keys, Escape and Enter`, async () => {
      await page.locator('input[type="search"]').focus();
      await page.keyboard.press('Escape');
      assert(await page.locator('#search-results a').count() === 0, 'Escape did not close');
      await search(page, 'routes');
      const n = await page.locator('#search-results a').count();
      assert(n >= 1, 'no results for routes');
      await page.keyboard.press('ArrowDown');
      let focused = await page.evaluate(() => document.activeElement.getAttribute('href'));
      assert(focused === await firstHref(page), 'ArrowDown focus: ' + focused);
      await page.keyboard.press('ArrowUp');
      assert(await page.evaluate(() => document.activeElement.type === 'search'), 'ArrowUp back to the box');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Escape');
      assert(await page.evaluate(() => document.activeElement.type === 'search'), 'Escape returns focus');
      assert(await page.locator('#search-results a').count() === 0, 'Escape closes the results');
      await search(page, 'shipping insurance');
      const target = await firstHref(page);
      await Promise.all([page.waitForURL(origin + target), page.keyboard.press('Enter')]);
      assert(new URL(page.url()).pathname === at('posts/shipping-insurance/'), 'Enter went to ' + page.url());
    });

    await check(`${label} search works from a post page too`, async () => {
      await search(page, 'tariff detours');
      assert(await firstHref(page) === at('posts/tariff-detours/'), 'first result: ' + await firstHref(page));
    });

    await check(`${label} no request leaves the site`, async () => {
      assert(outside.length === 0, 'outside requests: ' + outside.join(', '));
    });

    await check(`${label} without JavaScript the form searches the web for the site`, async () => {
      const nojs = await browser.newContext({ javaScriptEnabled: false });
      const p = await nojs.newPage();
      await p.goto(origin + mount);
      const form = await p.locator('form[role="search"]').evaluate((f) => ({
        action: f.getAttribute('action'),
        hidden: Array.from(f.querySelectorAll('input[type="hidden"]')).map((i) => i.name + '=' + i.value),
        search: !!f.querySelector('input[type="search"][name="q"]'),
      }));
      await nojs.close();
      assert(/^https:\/\//.test(form.action), 'form action: ' + form.action);
      assert(form.search, 'no q input');
      assert(form.hidden.some((h) => h.endsWith('=example.org')), 'no site restriction: ' + form.hidden);
    });
    console.log(`${label} index bytes fetched in this session: ${indexBytes}`);
  } finally {
    await context.close();
    server.close();
  }
}

const args = process.argv.slice(2);
if (args.length === 0 || args.length % 2 !== 0) {
  console.error('usage: node search.mjs OUT_DIR MOUNT [OUT_DIR MOUNT…]');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  for (let i = 0; i < args.length; i += 2) await runSite(browser, args[i], args[i + 1]);
} finally {
  await browser.close();
}
const failed = results.filter((r) => r[1]).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

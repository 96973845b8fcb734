#!/usr/bin/env node
// Measures a built site's search index with the theme's own search code (search.js run in
// Node, reading the files from disk):
//  - index size (files, bytes, gzip bytes);
//  - bytes a reader downloads per query: meta.json once, then the shards the query needs and
//    the result fragments of the first page (8), raw and gzip-compressed as a host serves them;
//  - known-item quality: for every Nth post, the query made of the first three index words of
//    its title; reports hit@1, hit@8 and the mean reciprocal rank of that post.
//
//   node scripts/search-measure.mjs OUT_DIR [--query "q" …] [--every N] [--json]
//
// Output is plain text (or one JSON object with --json). Nothing here is timed.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const here = path.dirname(new URL(import.meta.url).pathname);
const core = require(path.join(here, '..', 'themes', 'default', 'static', 'search.js'));

const args = process.argv.slice(2);
const out = args[0];
if (!out) {
  console.error('usage: node scripts/search-measure.mjs OUT_DIR [--query Q …] [--every N] [--json]');
  process.exit(2);
}
const queries = [];
let every = 50;
let asJson = false;
for (let i = 1; i < args.length; i++) {
  if (args[i] === '--query') queries.push(args[++i]);
  else if (args[i] === '--every') every = Number(args[++i]);
  else if (args[i] === '--json') asJson = true;
}
const dir = path.join(out, 'search');
const PAGE = 8;

function sizes(file) {
  const b = fs.readFileSync(file);
  return { raw: b.length, gz: zlib.gzipSync(b, { level: 6 }).length };
}

// Whole index.
const total = { files: 0, raw: 0, gz: 0 };
(function walk(d) {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else { const s = sizes(p); total.files++; total.raw += s.raw; total.gz += s.gz; }
  }
})(dir);

// An engine whose loader counts what it reads. Each query gets a fresh engine (a cold cache)
// except for meta.json, which a reader fetches once per page view.
function engine(counter) {
  return core.createEngine((p) => {
    const file = path.join(dir, p.split('?')[0]);
    const s = sizes(file);
    counter.requests++;
    counter.raw += s.raw;
    counter.gz += s.gz;
    return Promise.resolve(JSON.parse(fs.readFileSync(file, 'utf8')));
  });
}

async function measure(q) {
  const c = { requests: 0, raw: 0, gz: 0 };
  const e = engine(c);
  await e.meta();
  const metaBytes = { ...c };
  const r = await e.search(q, {});
  await Promise.all(r.ids.slice(0, PAGE).map((id) => e.fragment(id)));
  const titles = await Promise.all(r.ids.slice(0, 3).map(async (id) => (await e.fragment(id)).title));
  return {
    query: q,
    results: r.ids.length,
    requests: c.requests - metaBytes.requests,
    raw: c.raw - metaBytes.raw,
    gz: c.gz - metaBytes.gz,
    top: titles,
  };
}

const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
const metaSize = sizes(path.join(dir, 'meta.json'));
const perQuery = [];
for (const q of queries) perQuery.push(await measure(q));

// Known-item queries.
const stop = new Set(meta.stop);
const known = { queries: 0, hit1: 0, hit8: 0, rr: 0 };
for (let id = 0; id < meta.docs; id += every) {
  const frag = JSON.parse(fs.readFileSync(path.join(dir, 'd', `${id}.json`), 'utf8'));
  const words = (core.fold(frag.title).match(/(?:[\p{Alphabetic}\p{N}]|(?<=\p{N})\.(?=\p{N}))+/gu) || [])
    .filter((w) => Array.from(w).length >= 2 && !stop.has(w)).slice(0, 3);
  if (!words.length) continue;
  const e = engine({ requests: 0, raw: 0, gz: 0 });
  const r = await e.search(words.join(' ') + ' ', {});
  // Posts with the same title are all correct answers.
  let rank = 0;
  for (let k = 0; k < r.ids.length && k < 100; k++) {
    const f = await e.fragment(r.ids[k]);
    if (f.title === frag.title) { rank = k + 1; break; }
  }
  known.queries++;
  if (rank === 1) known.hit1++;
  if (rank >= 1 && rank <= 8) known.hit8++;
  if (rank) known.rr += 1 / rank;
}

const report = {
  site: out,
  docs: meta.docs,
  shards: meta.shards.length,
  index: total,
  meta: metaSize,
  queries: perQuery,
  mean_query: perQuery.length ? {
    raw: Math.round(perQuery.reduce((a, q) => a + q.raw, 0) / perQuery.length),
    gz: Math.round(perQuery.reduce((a, q) => a + q.gz, 0) / perQuery.length),
  } : null,
  known_item: {
    queries: known.queries,
    hit_at_1: known.queries ? +(known.hit1 / known.queries).toFixed(3) : 0,
    hit_at_8: known.queries ? +(known.hit8 / known.queries).toFixed(3) : 0,
    mrr: known.queries ? +(known.rr / known.queries).toFixed(3) : 0,
  },
};

if (asJson) {
  console.log(JSON.stringify(report, null, 1));
} else {
  const kb = (n) => (n / 1024).toFixed(1) + ' KiB';
  console.log(`${out}: ${report.docs} posts, ${report.shards} shards, index ${report.index.files} files, ${kb(total.raw)} (${kb(total.gz)} gzip)`);
  console.log(`meta.json (once per page view): ${kb(metaSize.raw)} (${kb(metaSize.gz)} gzip)`);
  for (const q of perQuery) {
    console.log(`  ${JSON.stringify(q.query).padEnd(26)} ${String(q.results).padStart(6)} results  ${String(q.requests).padStart(3)} requests  ${kb(q.raw).padStart(10)}  ${kb(q.gz).padStart(10)} gzip  (${(100 * q.gz / total.gz).toFixed(2)}% of index)  top: ${q.top[0] || '-'}`);
  }
  if (report.mean_query) console.log(`  mean per query: ${kb(report.mean_query.raw)} (${kb(report.mean_query.gz)} gzip)`);
  console.log(`known-item (every ${every}th post, first three title words): ${known.queries} queries, hit@1 ${report.known_item.hit_at_1}, hit@8 ${report.known_item.hit_at_8}, MRR ${report.known_item.mrr}`);
}

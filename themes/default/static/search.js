/* smelt site search: queries the static index under search/ (written by `smelt build`) as the
   reader types. No dependencies, no build step, no requests outside the site.

   Markup contract: an <input type="search"> (id "search-input" preferred) and an element with
   id "search-results"; results are links inside it, best first. Without JavaScript the
   surrounding form still submits to a web search of the site.

   The index location is the script tag's data-index attribute, else "search/" next to this
   script, so a site under a sub-path (https://example.org/analysis/) works unchanged.

   Text is folded and cut exactly as src/search/text.rs does (fold, tokens, words); keep the
   two in step. In Node (tests, measuring scripts) the file exports its core instead of
   touching a page. */
(function () {
  'use strict';

  var FOLD_LETTERS = { 'ß': 'ss', 'æ': 'ae', 'œ': 'oe', 'ø': 'o', 'ł': 'l', 'đ': 'd', 'ð': 'd', 'þ': 'th', 'ı': 'i', 'ς': 'σ' };
  var MAX_WORD_CHARS = 40;
  var PAGE = 8;            // results whose details are fetched at a time
  var MAX_PREFIX_SHARDS = 3; // a short prefix spanning more shards only looks in the first ones
  var TOKEN_RE = /(?:[\p{Alphabetic}\p{N}]|(?<=\p{N})\.(?=\p{N}))+/gu;
  var TEXT_TOKEN_RE = /(?:[\p{Alphabetic}\p{N}\p{M}]|(?<=\p{N})\.(?=\p{N}))+/gu;

  /** Folds text like the index: NFKD, lower case, marks removed, a few letters spelled out. */
  function fold(s) {
    if (/^[\x00-\x7f]*$/.test(s)) return s.toLowerCase();
    return s.normalize('NFKD').toLowerCase().replace(/\p{M}/gu, '')
      .replace(/[ßæœøłđðþıς]/g, function (c) { return FOLD_LETTERS[c]; });
  }

  function charCount(s) { return Array.from(s).length; }

  function isHexHash(t) {
    return t.length >= 7 && /^[0-9a-f]+$/.test(t) && /[0-9]/.test(t) && /[a-f]/.test(t);
  }

  /** Query words: folded tokens with their mode. The last word is a prefix while it is being
      typed (no space after it); finished stop words are dropped; single characters wait. */
  function queryWords(query, stop) {
    var folded = fold(query);
    var toks = folded.match(TOKEN_RE) || [];
    var open = toks.length > 0 && !/[\s]$/.test(query);
    var out = [];
    var seen = {};
    toks.forEach(function (t, i) {
      var last = open && i === toks.length - 1;
      var n = charCount(t);
      if (n < 2 || n > MAX_WORD_CHARS) return;
      if (!last && stop.has(t)) return;
      if (seen[t]) return;
      seen[t] = true;
      out.push({ word: t, open: last });
    });
    return out;
  }

  function idf(df, n) { return Math.log(1 + (n - df + 0.5) / (df + 0.5)); }

  /** First index i with shards[i] > w, minus one (the shard that would hold w). */
  function shardOf(shards, w) {
    var lo = 0, hi = shards.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (shards[mid] <= w) lo = mid + 1; else hi = mid;
    }
    return Math.max(0, lo - 1);
  }

  function decodeGaps(list) {
    var out = [], d = 0;
    for (var i = 0; i < list.length; i++) { d += list[i]; out.push(d); }
    return out;
  }

  /** A search engine over an index reachable through load(path) → Promise of parsed JSON,
      where path is relative to the index folder ("meta.json", "w/3.json?v=…"). */
  function createEngine(load) {
    var cache = new Map();
    var metaP = null;

    function meta() {
      if (!metaP) {
        metaP = load('meta.json', true).then(function (m) {
          if (!m || m.format !== 1) throw new Error('unsupported search index');
          m.stopSet = new Set(m.stop);
          return m;
        });
        metaP.catch(function () { metaP = null; });
      }
      return metaP;
    }

    function get(m, path) {
      var key = path + '?v=' + m.v;
      if (!cache.has(key)) {
        var p = load(key, false);
        cache.set(key, p);
        p.catch(function () { cache.delete(key); });
      }
      return cache.get(key);
    }

    function shard(m, i) {
      return get(m, 'w/' + i + '.json').then(function (s) {
        if (!s.decoded) {
          s.decoded = s.p.map(function (list) {
            var docs = new Map(), d = 0;
            for (var k = 0; k < list.length; k += 2) { d += list[k]; docs.set(d, list[k + 1]); }
            return docs;
          });
        }
        return s;
      });
    }

    /** Shards whose words may start with prefix (or equal it when exact). */
    function shardsFor(m, w, exact) {
      var i = shardOf(m.shards, w);
      var list = [i];
      if (!exact) {
        for (var k = i + 1; k < m.shards.length && m.shards[k].indexOf(w) === 0; k++) {
          if (list.length >= MAX_PREFIX_SHARDS) break;
          list.push(k);
        }
      }
      return list;
    }

    /** Matches one query word: a Map doc → best score, and the set of word forms to mark. */
    function matchWord(m, q) {
      var exact = !q.open && charCount(q.word) < 3;
      var prefixes = [q.word];
      if (!exact) {
        // Back-off for word forms absent from the site ("hedged" → "hedge…").
        var chars = Array.from(q.word);
        for (var cut = 1; cut <= 3 && chars.length - cut >= 4; cut++) prefixes.push(chars.slice(0, chars.length - cut).join(''));
      }
      var tryPrefix = function (k) {
        if (k >= prefixes.length) return Promise.resolve(null);
        var p = prefixes[k];
        var ids = shardsFor(m, p, exact && k === 0);
        return Promise.all(ids.map(function (i) { return shard(m, i); })).then(function (shards) {
          var scores = new Map();
          var marks = new Set();
          var found = [];
          shards.forEach(function (s) {
            var slots = new Map();
            for (var j = 0; j < s.w.length; j++) {
              var w = s.w[j];
              var hit = exact && k === 0 ? w === p : w.indexOf(p) === 0;
              if (!hit) continue;
              var f = w === q.word ? 1 : (k === 0 ? 0.5 + 0.4 * charCount(p) / charCount(w) : 0.4);
              var slot = s.s[j];
              if (!slots.has(slot) || slots.get(slot) < f) slots.set(slot, f);
            }
            slots.forEach(function (f, slot) {
              found.push({ docs: s.decoded[slot], f: f });
              for (var j2 = 0; j2 < s.w.length; j2++) if (s.s[j2] === slot) marks.add(s.w[j2]);
            });
          });
          if (!found.length) return tryPrefix(k + 1);
          // One rarity weight per query word, from its most common match, so a rare completion
          // ("openssl32") never outranks the word itself ("openssl").
          var weight = Math.min.apply(null, found.map(function (x) { return idf(x.docs.size, m.docs); }));
          found.forEach(function (x) {
            x.docs.forEach(function (imp, d) {
              var sc = weight * imp * x.f;
              if (!(scores.get(d) >= sc)) scores.set(d, sc);
            });
          });
          return { scores: scores, marks: marks };
        });
      };
      return tryPrefix(0);
    }

    function filterIds(m, filters) {
      var parts = [];
      if (filters && filters.tag != null && filters.tag !== '') parts.push(get(m, 'f/t' + filters.tag + '.json'));
      if (filters && filters.author != null && filters.author !== '') parts.push(get(m, 'f/a' + filters.author + '.json'));
      if (!parts.length) return Promise.resolve(null);
      return Promise.all(parts).then(function (lists) {
        var sets = lists.map(function (l) { return new Set(decodeGaps(l)); });
        var first = sets[0];
        return new Set(Array.from(first).filter(function (d) { return sets.every(function (s) { return s.has(d); }); }));
      });
    }

    /** Runs a query. Resolves to {ids (best first), marks (Set of folded word forms),
        words (the query words)}. All words must match (each as a prefix, or by stem). */
    function search(query, filters) {
      return meta().then(function (m) {
        var words = queryWords(query, m.stopSet);
        return Promise.all([filterIds(m, filters), Promise.all(words.map(function (q) { return matchWord(m, q); }))])
          .then(function (r) {
            var allowed = r[0], matches = r[1];
            var marks = new Set();
            var ids;
            if (!words.length) {
              ids = allowed ? Array.from(allowed).sort(function (a, b) { return b - a; }) : [];
              return { ids: ids, marks: marks, words: words };
            }
            if (matches.some(function (x) { return x === null; })) return { ids: [], marks: marks, words: words };
            matches.forEach(function (x) { x.marks.forEach(function (w) { marks.add(w); }); });
            matches.sort(function (a, b) { return a.scores.size - b.scores.size; });
            var total = new Map();
            matches[0].scores.forEach(function (sc, d) {
              if (allowed && !allowed.has(d)) return;
              var sum = sc;
              for (var k = 1; k < matches.length; k++) {
                var o = matches[k].scores.get(d);
                if (o === undefined) return;
                sum += o;
              }
              total.set(d, sum);
            });
            ids = Array.from(total.keys()).sort(function (a, b) { return total.get(b) - total.get(a) || b - a; });
            return { ids: ids, marks: marks, words: words, scores: total };
          });
      });
    }

    function fragment(id) {
      return meta().then(function (m) { return get(m, 'd/' + id + '.json'); });
    }

    return { meta: meta, search: search, fragment: fragment };
  }

  function escapeHtml(s) {
    return s.replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  /** The best window of about `size` words of text around the words to mark, as HTML with
      <mark> around them; null when none of them occurs. */
  function excerpt(text, marks, size) {
    var toks = [];
    var re = new RegExp(TEXT_TOKEN_RE.source, 'gu');
    var mt;
    while ((mt = re.exec(text)) !== null) {
      toks.push({ start: mt.index, end: mt.index + mt[0].length, hit: marks.has(fold(mt[0])) ? fold(mt[0]) : null });
    }
    var best = -1, bestScore = 0;
    for (var i = 0; i < toks.length; i++) {
      if (!toks[i].hit) continue;
      var distinct = new Set(), hits = 0;
      for (var j = i; j < Math.min(toks.length, i + size); j++) {
        if (toks[j].hit) { distinct.add(toks[j].hit); hits++; }
      }
      var score = distinct.size * 100 + hits;
      if (score > bestScore) { bestScore = score; best = i; }
    }
    if (best < 0) return null;
    var from = Math.max(0, best - Math.floor(size / 5));
    var to = Math.min(toks.length, from + size);
    var html = from > 0 ? '… ' : '';
    var pos = toks[from].start;
    for (var k = from; k < to; k++) {
      var t = toks[k];
      html += escapeHtml(text.slice(pos, t.start));
      var w = escapeHtml(text.slice(t.start, t.end));
      html += t.hit ? '<mark>' + w + '</mark>' : w;
      pos = t.end;
    }
    var tail = to < toks.length ? text.slice(pos, toks[to].start).replace(/\s+$/, '') : text.slice(pos);
    html += escapeHtml(tail);
    if (to < toks.length) html += ' …';
    return html;
  }

  /** Excerpt HTML for a result: the body window, else a matching highlight, else the start. */
  function resultExcerpt(frag, marks) {
    var size = 28;
    var e = excerpt(frag.text || '', marks, size);
    if (e) return e;
    var hs = frag.highlights || [];
    for (var i = 0; i < hs.length; i++) {
      e = excerpt(hs[i], marks, size);
      if (e) return e;
    }
    return opening(hs.length ? hs[0] : (frag.text || ''), size);
  }

  /** The first `size` words of text, escaped, with " …" when cut. */
  function opening(text, size) {
    var re = new RegExp(TEXT_TOKEN_RE.source, 'gu');
    var n = 0, mt;
    while ((mt = re.exec(text)) !== null) {
      if (++n === size) {
        var end = mt.index + mt[0].length;
        return escapeHtml(text.slice(0, end)) + (end < text.length ? ' …' : '');
      }
    }
    return escapeHtml(text);
  }

  var core = { fold: fold, queryWords: queryWords, createEngine: createEngine, excerpt: excerpt, resultExcerpt: resultExcerpt };

  if (typeof module === 'object' && module.exports) {
    module.exports = core;
    return;
  }
  if (typeof document === 'undefined') return;

  /* ------------------------------------------------------------------ the page */
  var script = document.currentScript;

  function init() {
    var panel = document.getElementById('search-results');
    var input = document.getElementById('search-input') ||
      (panel && panel.parentNode && panel.parentNode.querySelector('input[type="search"]')) ||
      document.querySelector('input[type="search"]');
    if (!panel || !input || !window.fetch || !script) return;
    var form = input.form;
    var base = new URL(script.getAttribute('data-index') || 'search/', script.src);
    var engine = createEngine(function (path, revalidate) {
      return fetch(new URL(path, base), revalidate ? { cache: 'no-cache' } : {}).then(function (r) {
        if (!r.ok) throw new Error(r.status + ' ' + path);
        return r.json();
      });
    });

    // The panel announces only its status line, not every result.
    panel.removeAttribute('aria-live');
    panel.classList.add('search-js');
    // aria-expanded is only allowed on a combobox (axe: aria-allowed-attr).
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-controls', 'search-results');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-autocomplete', 'list');

    var state = { seq: 0, shown: 0, result: null, tag: '', author: '', filtersBuilt: false };
    var filtersEl = null, statusEl = null, listEl = null, moreEl = null;

    function build(m) {
      if (state.filtersBuilt) return;
      state.filtersBuilt = true;
      panel.innerHTML = '';
      filtersEl = document.createElement('div');
      filtersEl.className = 'search-filters';
      filtersEl.appendChild(select('search-filter-tag', 'Topic', 'All topics', m.tags, function (v) { state.tag = v; run(); }));
      if (m.authors.length > 1) {
        filtersEl.appendChild(select('search-filter-author', 'Author', 'All authors', m.authors, function (v) { state.author = v; run(); }));
      }
      statusEl = document.createElement('p');
      statusEl.className = 'search-status';
      statusEl.setAttribute('role', 'status');
      listEl = document.createElement('ol');
      listEl.className = 'search-list';
      listEl.setAttribute('aria-label', 'Search results');
      moreEl = document.createElement('button');
      moreEl.type = 'button';
      moreEl.className = 'search-more';
      moreEl.textContent = 'More results';
      moreEl.hidden = true;
      moreEl.addEventListener('click', function () { showMore(state.seq, true); });
      panel.appendChild(filtersEl);
      panel.appendChild(statusEl);
      panel.appendChild(listEl);
      panel.appendChild(moreEl);
    }

    function select(id, label, all, items, onChange) {
      var wrap = document.createElement('label');
      wrap.className = 'search-filter';
      var span = document.createElement('span');
      span.className = 'visually-hidden';
      span.textContent = label;
      var sel = document.createElement('select');
      sel.id = id;
      var opt = document.createElement('option');
      opt.value = '';
      opt.textContent = all;
      sel.appendChild(opt);
      items.map(function (it, i) { return { name: it[0], count: it[1], i: i }; })
        .sort(function (a, b) { return b.count - a.count || (a.name < b.name ? -1 : 1); })
        .forEach(function (it) {
          var o = document.createElement('option');
          o.value = String(it.i);
          o.textContent = it.name + ' (' + it.count + ')';
          sel.appendChild(o);
        });
      sel.addEventListener('change', function () { onChange(sel.value); });
      wrap.appendChild(span);
      wrap.appendChild(sel);
      return wrap;
    }

    function open() { return panel.childNodes.length > 0; }

    function close() {
      state.seq++;
      panel.innerHTML = '';
      state.filtersBuilt = false;
      state.tag = '';
      state.author = '';
      state.result = null;
      input.setAttribute('aria-expanded', 'false');
    }

    var timer = 0;
    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(run, 60);
    }

    function run() {
      var seq = ++state.seq;
      var q = input.value;
      if (!q.trim() && !state.tag && !state.author) {
        close();
        return;
      }
      engine.meta().then(function (m) {
        if (seq !== state.seq) return null;
        build(m);
        input.setAttribute('aria-expanded', 'true');
        return engine.search(q, { tag: state.tag, author: state.author });
      }).then(function (res) {
        if (!res || seq !== state.seq) return;
        state.result = res;
        state.shown = 0;
        listEl.innerHTML = '';
        if (!res.ids.length) {
          statusEl.textContent = res.words.length || state.tag || state.author ? 'No results' : '';
          moreEl.hidden = true;
          return;
        }
        statusEl.textContent = res.ids.length === 1 ? '1 result' : res.ids.length + ' results';
        showMore(seq, false);
      }).catch(function () {
        if (seq !== state.seq) return;
        panel.innerHTML = '';
        state.filtersBuilt = false;
        var p = document.createElement('p');
        p.className = 'search-status';
        p.setAttribute('role', 'status');
        p.textContent = 'Search is unavailable; press Enter to search the web.';
        panel.appendChild(p);
      });
    }

    function showMore(seq, focusFirstNew) {
      var res = state.result;
      if (!res) return;
      var ids = res.ids.slice(state.shown, state.shown + PAGE);
      var start = state.shown;
      state.shown += ids.length;
      moreEl.hidden = state.shown >= res.ids.length;
      var items = ids.map(function () {
        var li = document.createElement('li');
        li.className = 'search-item';
        listEl.appendChild(li);
        return li;
      });
      ids.forEach(function (id, k) {
        engine.fragment(id).then(function (frag) {
          if (seq !== state.seq) return;
          items[k].appendChild(card(frag, res.marks));
          if (focusFirstNew && k === 0) items[k].firstChild.focus();
        }).catch(function () {
          if (seq === state.seq) items[k].remove();
        });
      });
      return start;
    }

    function card(frag, marks) {
      var a = document.createElement('a');
      a.className = 'search-hit';
      a.href = frag.url;
      var title = document.createElement('span');
      title.className = 'search-hit-title';
      title.innerHTML = markText(frag.title, marks);
      var meta = document.createElement('span');
      meta.className = 'search-hit-meta';
      var time = document.createElement('time');
      time.dateTime = frag.date_iso;
      time.textContent = frag.date;
      meta.appendChild(time);
      if (frag.authors && frag.authors.length) meta.appendChild(document.createTextNode(' · ' + frag.authors.join(', ')));
      var ex = document.createElement('span');
      ex.className = 'search-hit-excerpt';
      ex.innerHTML = resultExcerpt(frag, marks);
      a.appendChild(title);
      a.appendChild(meta);
      a.appendChild(ex);
      if (frag.tags && frag.tags.length) {
        var tags = document.createElement('span');
        tags.className = 'search-hit-tags';
        frag.tags.forEach(function (t) {
          var s = document.createElement('span');
          s.className = 'search-hit-tag';
          s.textContent = t;
          tags.appendChild(s);
        });
        a.appendChild(tags);
      }
      return a;
    }

    function markText(text, marks) {
      var out = '', pos = 0, mt;
      var re = new RegExp(TEXT_TOKEN_RE.source, 'gu');
      while ((mt = re.exec(text)) !== null) {
        out += escapeHtml(text.slice(pos, mt.index));
        var w = escapeHtml(mt[0]);
        out += marks.has(fold(mt[0])) ? '<mark>' + w + '</mark>' : w;
        pos = mt.index + mt[0].length;
      }
      return out + escapeHtml(text.slice(pos));
    }

    function links() { return listEl ? Array.prototype.slice.call(listEl.querySelectorAll('a.search-hit')) : []; }

    input.addEventListener('focus', function () {
      engine.meta().catch(function () {});
      if (input.value.trim() && !open()) run();
    });
    input.addEventListener('input', schedule);
    input.addEventListener('keydown', function (e) {
      var ls = links();
      if (e.key === 'ArrowDown' && ls.length) {
        e.preventDefault();
        ls[0].focus();
      } else if (e.key === 'Escape' && open()) {
        e.preventDefault();
        close();
      } else if (e.key === 'Enter' && ls.length && !e.isComposing) {
        e.preventDefault();
        ls[0].click();
      }
    });
    panel.addEventListener('keydown', function (e) {
      var ls = links();
      var i = ls.indexOf(document.activeElement);
      if (e.key === 'ArrowDown' && i >= 0) {
        e.preventDefault();
        if (i + 1 < ls.length) ls[i + 1].focus();
        else if (!moreEl.hidden) moreEl.focus();
      } else if (e.key === 'ArrowUp' && (i >= 0 || document.activeElement === moreEl)) {
        e.preventDefault();
        if (document.activeElement === moreEl) ls[ls.length - 1].focus();
        else if (i > 0) ls[i - 1].focus();
        else input.focus();
      } else if (e.key === 'Escape') {
        e.preventDefault();
        input.focus();
        close();
      }
    });
    var container = panel.parentNode;
    document.addEventListener('click', function (e) {
      if (open() && !container.contains(e.target)) close();
    });
    if (form) {
      form.addEventListener('submit', function (e) {
        var ls = links();
        if (ls.length) {
          e.preventDefault();
          ls[0].click();
        }
      });
    }
    if (document.activeElement === input && input.value.trim()) run();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();

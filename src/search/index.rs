//! Search index building: documents → word dictionary, stem postings with impact scores, and
//! shards of the dictionary cut by word range.
//!
//! Input: [`Doc`]s in id order (id = position). Output: an [`Index`]. Invariants: words are
//! sorted by UTF-16 code units (JavaScript's string order, so the browser can binary-search the
//! shard starts); every word maps to exactly one stem; postings list doc ids ascending; a
//! shard holds the postings of every stem its words map to, so one fetch answers a word.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use rayon::prelude::*;
use rust_stemmers::{Algorithm, Stemmer};

use super::text::{fold_into, words};

/// A field bonus flag: the stem occurs in the title.
pub const IN_TITLE: u8 = 1;
/// The stem occurs in a highlight (or the front matter summary).
pub const IN_HIGHLIGHTS: u8 = 2;
/// The stem occurs in a tag name.
pub const IN_TAGS: u8 = 4;
/// The stem occurs in an author name.
pub const IN_AUTHORS: u8 = 8;
/// The stem occurs in a body heading.
pub const IN_HEADINGS: u8 = 16;
/// The stem occurs in the citation or a source.
pub const IN_SOURCES: u8 = 32;

/// Score added for each field flag, in flag bit order (title, highlights, tags, authors,
/// headings, sources). A title match alone outweighs any amount of body text (at most
/// `K1 + 1`).
const BONUS: [f32; 6] = [3.0, 1.5, 2.0, 2.0, 0.5, 0.5];
/// BM25 term-frequency saturation.
const K1: f32 = 1.2;
/// BM25 length normalisation.
const B: f32 = 0.75;
/// Impacts are stored as `round(score × IMPACT_SCALE)`, clamped to 1..=255.
pub const IMPACT_SCALE: f32 = 10.0;

/// The searchable text of one post.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    /// Title (plain text).
    pub title: String,
    /// Highlights and the front matter summary.
    pub highlights: Vec<String>,
    /// Tag names.
    pub tags: Vec<String>,
    /// Author names.
    pub authors: Vec<String>,
    /// Body plain text (headings included).
    pub body: String,
    /// Heading text of the body.
    pub headings: String,
    /// Citation and source titles and publishers.
    pub sources: String,
}

/// One word's counts in one document: body term frequency and field flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    tf: u32,
    flags: u8,
}

/// A document's fields folded into one buffer: the body first (`..body_end`), then each
/// other field as `(start, end, flag)`.
struct Folded {
    text: String,
    body_end: usize,
    fields: Vec<(usize, usize, u8)>,
}

fn fold_doc(doc: &Doc) -> Folded {
    let extra: usize = doc.title.len() + doc.headings.len() + doc.sources.len() + 64;
    let mut text = String::with_capacity(doc.body.len() + extra);
    fold_into(&doc.body, &mut text);
    let body_end = text.len();
    let mut fields = Vec::new();
    let mut add = |s: &str, flag: u8| {
        text.push(' ');
        let start = text.len();
        fold_into(s, &mut text);
        fields.push((start, text.len(), flag));
    };
    add(&doc.title, IN_TITLE);
    for h in &doc.highlights {
        add(h, IN_HIGHLIGHTS);
    }
    for t in &doc.tags {
        add(t, IN_TAGS);
    }
    for a in &doc.authors {
        add(a, IN_AUTHORS);
    }
    add(&doc.headings, IN_HEADINGS);
    add(&doc.sources, IN_SOURCES);
    Folded {
        text,
        body_end,
        fields,
    }
}

/// A document cut into words: body length in words, and each distinct word's counts.
struct Analysed<'a> {
    len: u32,
    words: Vec<(&'a str, Counts)>,
}

fn analyse(f: &Folded) -> Analysed<'_> {
    let mut map: HashMap<&str, Counts> = HashMap::with_capacity_and_hasher(512, Default::default());
    let mut len = 0u32;
    words(&f.text[..f.body_end], |w| {
        len += 1;
        map.entry(w).or_default().tf += 1;
    });
    for &(start, end, flag) in &f.fields {
        words(&f.text[start..end], |w| {
            map.entry(w).or_default().flags |= flag
        });
    }
    // Unordered: the vocabulary is sorted once for all documents, and each document's
    // postings are ordered by stem when they are mapped.
    let words: Vec<(&str, Counts)> = map.into_iter().collect();
    Analysed { len, words }
}

/// The score of a stem in a document, before scaling: BM25 saturation of the body frequency
/// plus the bonus of each field flag.
pub fn score(tf: u32, flags: u8, len: u32, avg_len: f32) -> f32 {
    let tf = tf as f32;
    let norm = K1 * (1.0 - B + B * (len as f32) / avg_len.max(1.0));
    let body = if tf > 0.0 {
        tf * (K1 + 1.0) / (tf + norm)
    } else {
        0.0
    };
    let bonus: f32 = (0..BONUS.len())
        .filter(|i| flags & (1 << i) != 0)
        .map(|i| BONUS[i])
        .sum();
    body + bonus
}

/// [`score`] stored as an integer impact, 1..=255.
pub fn impact(tf: u32, flags: u8, len: u32, avg_len: f32) -> u8 {
    (score(tf, flags, len, avg_len) * IMPACT_SCALE)
        .round()
        .clamp(1.0, 255.0) as u8
}

/// Orders strings by UTF-16 code units, as JavaScript compares them.
pub fn js_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// The English stem of a folded word; words with digits are kept whole.
pub fn stem(stemmer: &Stemmer, word: &str) -> String {
    if word.bytes().any(|b| b.is_ascii_digit()) {
        word.to_string()
    } else {
        stemmer.stem(word).into_owned()
    }
}

/// A built index.
#[derive(Debug, Default)]
pub struct Index {
    /// Number of documents.
    pub docs: usize,
    /// Every word, sorted by [`js_order`].
    pub words: Vec<String>,
    /// For each word, its stem's index into `stems`.
    pub word_stem: Vec<u32>,
    /// Distinct stems, in order of first use by `words`.
    pub stems: Vec<String>,
    /// For each stem, `(doc id, impact)` by doc id ascending.
    pub postings: Vec<Vec<(u32, u8)>>,
}

impl Index {
    /// Indexes `docs` (ids are their positions). Parallel over documents and words.
    pub fn build(docs: &[Doc]) -> Index {
        let folded: Vec<Folded> = docs.par_iter().map(fold_doc).collect();
        let analysed: Vec<Analysed> = folded.par_iter().map(analyse).collect();
        let total: u64 = analysed.iter().map(|a| u64::from(a.len)).sum();
        let avg_len = if docs.is_empty() {
            1.0
        } else {
            (total as f32 / docs.len() as f32).max(1.0)
        };

        // Distinct words of all documents: sets of parts of the corpus, merged.
        let seen: HashSet<&str> = analysed
            .par_iter()
            .fold(HashSet::default, |mut set, a| {
                set.extend(a.words.iter().map(|(w, _)| *w));
                set
            })
            .reduce(HashSet::default, |a, b| {
                let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
                big.extend(small);
                big
            });
        let mut vocab: Vec<&str> = seen.into_iter().collect();
        vocab.par_sort_unstable_by(|a, b| js_order(a, b));

        let stemmer = Stemmer::create(Algorithm::English);
        let word_stems: Vec<String> = vocab.par_iter().map(|w| stem(&stemmer, w)).collect();
        let mut stem_ids: HashMap<&str, u32> = HashMap::default();
        let mut stems: Vec<String> = Vec::new();
        let mut word_stem = Vec::with_capacity(vocab.len());
        for s in &word_stems {
            let id = *stem_ids.entry(s.as_str()).or_insert_with(|| {
                stems.push(s.clone());
                (stems.len() - 1) as u32
            });
            word_stem.push(id);
        }
        let word_id: HashMap<&str, u32> = vocab
            .iter()
            .enumerate()
            .map(|(i, w)| (*w, i as u32))
            .collect();

        // Per document: (stem, impact), summing body counts and merging flags of words that
        // share a stem.
        let per_doc: Vec<Vec<(u32, u8)>> = analysed
            .par_iter()
            .map(|a| {
                let mut by_stem: Vec<(u32, Counts)> = a
                    .words
                    .iter()
                    .filter_map(|(w, c)| word_id.get(*w).map(|&i| (word_stem[i as usize], *c)))
                    .collect();
                by_stem.sort_unstable_by_key(|&(s, _)| s);
                let mut out: Vec<(u32, u8)> = Vec::with_capacity(by_stem.len());
                let mut i = 0;
                while i < by_stem.len() {
                    let s = by_stem[i].0;
                    let mut c = Counts::default();
                    while i < by_stem.len() && by_stem[i].0 == s {
                        c.tf += by_stem[i].1.tf;
                        c.flags |= by_stem[i].1.flags;
                        i += 1;
                    }
                    out.push((s, impact(c.tf, c.flags, a.len, avg_len)));
                }
                out
            })
            .collect();

        let mut postings: Vec<Vec<(u32, u8)>> = vec![Vec::new(); stems.len()];
        let mut counts = vec![0usize; stems.len()];
        for d in &per_doc {
            for &(s, _) in d {
                counts[s as usize] += 1;
            }
        }
        for (p, n) in postings.iter_mut().zip(counts) {
            p.reserve_exact(n);
        }
        for (doc, d) in per_doc.iter().enumerate() {
            for &(s, imp) in d {
                postings[s as usize].push((doc as u32, imp));
            }
        }
        Index {
            docs: docs.len(),
            words: vocab.into_iter().map(str::to_string).collect(),
            word_stem,
            stems,
            postings,
        }
    }

    /// Postings of a stem as JSON: `[doc gap, impact, doc gap, impact, …]`, where the first gap
    /// is the first doc id and each next gap the difference to the previous id.
    pub fn postings_json(&self, stem: usize) -> String {
        let p = &self.postings[stem];
        let mut s = String::with_capacity(p.len() * 5 + 2);
        s.push('[');
        let mut prev = 0u32;
        for (k, &(doc, imp)) in p.iter().enumerate() {
            if k > 0 {
                s.push(',');
            }
            let gap = if k == 0 { doc } else { doc - prev };
            prev = doc;
            push_u32(&mut s, gap);
            s.push(',');
            push_u32(&mut s, u32::from(imp));
        }
        s.push(']');
        s
    }

    /// Cuts the dictionary into shards of about `target` bytes of JSON each: `(first word,
    /// shard JSON)`. A shard is `{"w":[words],"s":[stem slot per word],"p":[postings per slot]}`
    /// (see [`Index::postings_json`]). A cut never falls between two words of a stem already in
    /// the shard, so a stem's postings are written once except for words of one stem that are
    /// far apart in sort order.
    pub fn shards(&self, target: usize) -> Vec<(String, String)> {
        let postings: Vec<String> = (0..self.stems.len())
            .into_par_iter()
            .map(|s| self.postings_json(s))
            .collect();
        let mut out = Vec::new();
        let mut cur = ShardBuf::default();
        for (w, word) in self.words.iter().enumerate() {
            let stem = self.word_stem[w] as usize;
            let known = cur.slot.contains_key(&stem);
            if !known && cur.bytes >= target && !cur.words.is_empty() {
                out.push(std::mem::take(&mut cur).finish(&postings));
            }
            cur.push(word, stem, &postings[stem]);
        }
        if !cur.words.is_empty() || out.is_empty() {
            out.push(cur.finish(&postings));
        }
        out
    }
}

/// Appends the decimal digits of `n`.
fn push_u32(s: &mut String, mut n: u32) {
    let mut buf = [0u8; 10];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &buf[i..] {
        s.push(char::from(d));
    }
}

#[derive(Default)]
struct ShardBuf {
    words: Vec<String>,
    slots: Vec<u32>,
    stems: Vec<usize>,
    slot: HashMap<usize, u32>,
    bytes: usize,
}

impl ShardBuf {
    fn push(&mut self, word: &str, stem: usize, postings: &str) {
        let next = self.stems.len() as u32;
        let slot = *self.slot.entry(stem).or_insert_with(|| {
            self.bytes += postings.len() + 1;
            next
        });
        if slot == next {
            self.stems.push(stem);
        }
        self.bytes += word.len() + 6;
        self.words.push(word.to_string());
        self.slots.push(slot);
    }

    fn finish(self, postings: &[String]) -> (String, String) {
        let first = self.words.first().cloned().unwrap_or_default();
        let mut s = String::with_capacity(self.bytes + 32);
        s.push_str("{\"w\":");
        s.push_str(&serde_json::to_string(&self.words).unwrap_or_else(|_| "[]".into()));
        s.push_str(",\"s\":");
        s.push_str(&serde_json::to_string(&self.slots).unwrap_or_else(|_| "[]".into()));
        s.push_str(",\"p\":[");
        for (k, &stem) in self.stems.iter().enumerate() {
            if k > 0 {
                s.push(',');
            }
            s.push_str(&postings[stem]);
        }
        s.push_str("]}");
        (first, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(title: &str, body: &str) -> Doc {
        Doc {
            title: title.into(),
            body: body.into(),
            ..Doc::default()
        }
    }

    #[test]
    fn stems_merge_word_forms_and_keep_numbers() {
        let st = Stemmer::create(Algorithm::English);
        assert_eq!(stem(&st, "tariffs"), "tariff");
        assert_eq!(stem(&st, "hedging"), "hedg");
        assert_eq!(stem(&st, "hedges"), "hedg");
        assert_eq!(stem(&st, "allies"), "alli");
        assert_eq!(stem(&st, "detente"), "detent");
        assert_eq!(stem(&st, "12.16.3"), "12.16.3");
    }

    #[test]
    fn js_order_is_utf16_order() {
        // U+FF5E sorts before U+1F600 by code point but after it in UTF-16 (a surrogate pair
        // starting 0xD83D).
        assert!("\u{ff5e}" < "\u{1f600}");
        assert_eq!(
            js_order("\u{ff5e}", "\u{1f600}"),
            std::cmp::Ordering::Greater
        );
        assert_eq!(js_order("abc", "abd"), std::cmp::Ordering::Less);
    }

    #[test]
    fn title_outweighs_body_and_highlights_outweigh_plain_body() {
        let avg = 100.0;
        assert!(score(0, IN_TITLE, 100, avg) > score(50, 0, 100, avg));
        assert!(score(1, IN_HIGHLIGHTS, 100, avg) > score(1, 0, 100, avg));
        assert_eq!(impact(0, IN_TITLE, 100, avg), 30);
        assert_eq!(impact(1, 0, 100, avg), 10);
        assert_eq!(impact(0, 0, 100, avg), 1);
    }

    #[test]
    fn build_maps_word_forms_to_one_stem_with_postings() {
        let docs = vec![
            doc("Tariffs rise", "The tariff on steel."),
            doc("Hedging allies", "Allies hedge; détente with tariffs."),
        ];
        let ix = Index::build(&docs);
        assert_eq!(ix.docs, 2);
        assert_eq!(
            ix.words,
            [
                "allies", "detente", "hedge", "hedging", "rise", "steel", "tariff", "tariffs"
            ]
        );
        let stem_of = |w: &str| {
            let i = ix.words.iter().position(|x| x == w).unwrap();
            ix.stems[ix.word_stem[i] as usize].as_str()
        };
        assert_eq!(stem_of("tariffs"), "tariff");
        assert_eq!(stem_of("tariff"), "tariff");
        assert_eq!(stem_of("hedging"), stem_of("hedge"));
        let tariff = ix.stems.iter().position(|s| s == "tariff").unwrap();
        let p = &ix.postings[tariff];
        assert_eq!(p.iter().map(|x| x.0).collect::<Vec<_>>(), [0, 1]);
        // Doc 0 has "tariffs" in its title: the title bonus puts it far ahead of doc 1.
        assert!(p[0].1 >= 30 && p[1].1 < 30, "{p:?}");
        assert_eq!(
            ix.postings_json(tariff),
            format!("[0,{},1,{}]", p[0].1, p[1].1)
        );
    }

    #[test]
    fn shards_cover_every_word_in_order_and_keep_stems_whole() {
        let docs: Vec<Doc> = (0..40)
            .map(|i| {
                doc(
                    &format!("Post {i}"),
                    &format!("alpha{i} beta{i} gamma{i} tariff tariffs hedge hedging"),
                )
            })
            .collect();
        let ix = Index::build(&docs);
        let shards = ix.shards(200);
        assert!(shards.len() > 3, "{}", shards.len());
        let mut all = Vec::new();
        for (first, json) in &shards {
            let v: serde_json::Value = serde_json::from_str(json).unwrap();
            let w: Vec<String> = serde_json::from_value(v["w"].clone()).unwrap();
            assert_eq!(&w[0], first);
            let slots = v["s"].as_array().unwrap();
            let p = v["p"].as_array().unwrap();
            assert_eq!(slots.len(), w.len());
            for s in slots {
                assert!((s.as_u64().unwrap() as usize) < p.len());
            }
            if let Some(k) = w.iter().position(|x| x == "tariff") {
                assert_eq!(w[k + 1], "tariffs", "stem group split");
                assert_eq!(slots[k], slots[k + 1]);
            }
            all.extend(w);
        }
        assert_eq!(all, ix.words);
    }
}

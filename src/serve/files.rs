//! The file map of a served build: output path → [`OutData`], as a large shared base plus a
//! small layer of changes, so that a rebuild changing a few files makes the next map in time
//! proportional to those files (the server keeps reading the previous map meanwhile).
//!
//! Invariant: a path is in the map when the layer has it with `Some`, or the layer does not
//! have it and the base does. The layer is folded into a new base when it grows past an
//! eighth of the base.

use std::collections::HashMap;
use std::sync::Arc;

use crate::serve::incremental::OutData;

/// An immutable file map (cheap to clone: two reference counts).
#[derive(Debug, Clone, Default)]
pub struct Files {
    base: Arc<HashMap<String, OutData>>,
    top: Arc<HashMap<String, Option<OutData>>>,
    len: usize,
}

impl Files {
    /// A map of exactly `files`.
    pub fn from_map(files: HashMap<String, OutData>) -> Files {
        Files {
            len: files.len(),
            base: Arc::new(files),
            top: Arc::new(HashMap::new()),
        }
    }

    /// The file at `path` (`posts/x/index.html`).
    pub fn get(&self, path: &str) -> Option<&OutData> {
        match self.top.get(path) {
            Some(entry) => entry.as_ref(),
            None => self.base.get(path),
        }
    }

    /// `true` when the map has `path`.
    pub fn contains_key(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` when there are no files.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every (path, file), in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &OutData)> {
        let top = &self.top;
        self.base
            .iter()
            .filter(move |(p, _)| !top.contains_key(*p))
            .chain(
                self.top
                    .iter()
                    .filter_map(|(p, d)| d.as_ref().map(|d| (p, d))),
            )
    }

    /// A plain map of every file.
    pub fn to_map(&self) -> HashMap<String, OutData> {
        self.iter().map(|(p, d)| (p.clone(), d.clone())).collect()
    }

    /// The map with `set` written and `remove` taken away (`set` wins over `remove`).
    pub fn with_changes(&self, set: Vec<(String, OutData)>, remove: Vec<String>) -> Files {
        let mut top = HashMap::clone(&self.top);
        let mut len = self.len;
        for p in remove {
            if self.get(&p).is_some() {
                len -= 1;
            }
            if self.base.contains_key(&p) {
                top.insert(p, None);
            } else {
                top.remove(&p);
            }
        }
        for (p, d) in set {
            let had = match top.get(&p) {
                Some(e) => e.is_some(),
                None => self.base.contains_key(&p),
            };
            if !had {
                len += 1;
            }
            top.insert(p, Some(d));
        }
        let next = Files {
            base: self.base.clone(),
            top: Arc::new(top),
            len,
        };
        if next.top.len() > 64 + next.base.len() / 8 {
            Files::from_map(next.to_map())
        } else {
            next
        }
    }
}

impl PartialEq for Files {
    fn eq(&self, other: &Files) -> bool {
        self.len == other.len && self.iter().all(|(p, d)| other.get(p) == Some(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;

    fn data(s: &'static str) -> OutData {
        OutData::Bytes(Bytes::from_static(s.as_bytes()))
    }

    #[test]
    fn layers_read_like_one_map() {
        let base = Files::from_map(HashMap::from([
            ("a".to_string(), data("1")),
            ("b".to_string(), data("2")),
        ]));
        let next = base.with_changes(
            vec![("c".into(), data("3")), ("a".into(), data("9"))],
            vec!["b".into()],
        );
        assert_eq!(next.len(), 2);
        assert_eq!(next.get("a"), Some(&data("9")));
        assert_eq!(next.get("b"), None);
        assert_eq!(next.get("c"), Some(&data("3")));
        // The previous map is untouched.
        assert_eq!(base.get("a"), Some(&data("1")));
        assert_eq!(base.len(), 2);
        let again = next.with_changes(vec![("b".into(), data("2"))], vec!["c".into(), "zz".into()]);
        assert_eq!(again.len(), 2);
        let mut paths: Vec<&String> = again.iter().map(|(p, _)| p).collect();
        paths.sort();
        assert_eq!(paths, ["a", "b"]);
        assert_eq!(again, Files::from_map(again.to_map()));
    }

    #[test]
    fn large_layers_are_folded() {
        let mut f = Files::from_map(HashMap::new());
        for i in 0..200 {
            f = f.with_changes(vec![(format!("p{i}"), data("x"))], Vec::new());
        }
        assert_eq!(f.len(), 200);
        assert!(f.top.len() <= 64 + f.base.len() / 8);
        assert!(f.iter().all(|(_, d)| *d == data("x")));
    }
}

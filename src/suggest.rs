//! "Did you mean …?" for misspelt keys, ids and names (Jaro–Winkler similarity via `strsim`).

/// The candidate closest to `input` when it is similar enough (Jaro–Winkler ≥ 0.8, compared
/// case-insensitively), else `None`. Ties go to the earlier candidate.
pub fn nearest<'a, I>(input: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let needle = input.to_lowercase();
    let mut best: Option<(&'a str, f64)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&needle, &c.to_lowercase());
        if score >= 0.8 && best.is_none_or(|(_, s)| score > s) {
            best = Some((c, score));
        }
    }
    best.map(|(c, _)| c)
}

/// `" (did you mean `x`?)"`-style help text, or a list of the valid names when none is close.
pub fn help_for(input: &str, candidates: &[&str]) -> String {
    match nearest(input, candidates.iter().copied()) {
        Some(c) => format!("did you mean `{c}`?"),
        None => format!("expected one of: {}", candidates.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_key() {
        assert_eq!(nearest("tittle", ["title", "tags", "date"]), Some("title"));
        assert_eq!(
            nearest("hightlights", ["highlights", "tags"]),
            Some("highlights")
        );
        assert_eq!(nearest("zzz", ["title", "tags"]), None);
    }

    #[test]
    fn help_lists_when_nothing_close() {
        assert_eq!(help_for("qqq", &["a", "b"]), "expected one of: a, b");
        assert_eq!(help_for("dat", &["date", "tags"]), "did you mean `date`?");
    }
}

//! "Did you mean": the known word closest to a misspelt one, when it is close enough.

/// Jaro–Winkler similarity above which a known word is offered as a correction.
const CLOSE: f64 = 0.8;

/// The known word most similar to `word`, if any is similar enough (the last of equals wins).
pub fn closest<'a, I, S>(word: &str, known: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a S>,
    S: AsRef<str> + ?Sized + 'a,
{
    known
        .into_iter()
        .map(|k| (strsim::jaro_winkler(k.as_ref(), word), k.as_ref()))
        .filter(|(score, _)| *score > CLOSE)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// `did you mean `k`?` for the closest known word, if any.
pub fn did_you_mean<'a, I, S>(word: &str, known: I) -> Option<String>
where
    I: IntoIterator<Item = &'a S>,
    S: AsRef<str> + ?Sized + 'a,
{
    closest(word, known).map(|k| format!("did you mean `{k}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_the_closest_known_word_only_when_close() {
        let known = ["vpn_port", "transport_protocol", "split_tunnel"];
        assert_eq!(closest("vpn_prot", &known), Some("vpn_port"));
        assert_eq!(closest("zzz", &known), None);
        assert_eq!(
            did_you_mean("split_tunel", &known).as_deref(),
            Some("did you mean `split_tunnel`?")
        );
        let owned = vec!["corp".to_string(), "prod".to_string()];
        assert_eq!(closest("crop", &owned), Some("corp"));
    }
}

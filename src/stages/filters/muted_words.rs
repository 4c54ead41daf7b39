//! `muted_words` filter: no posts containing a word or phrase the viewer muted.

use crate::model::PostId;
use crate::stages::context::words;
use crate::stages::filters::{post_and_original, stage_basics, NoParams};
use crate::stages::{DecidedBy, Filter, Input, ViewerInput};

/// Removes posts whose text (or, for a repost, the original's text) contains a muted word
/// or phrase: whole words, case-insensitive, a phrase's words consecutive. Decided by the
/// viewer.
#[derive(Debug, Clone, Default)]
pub struct MutedWords {
    params: NoParams,
}

fn same_word(a: &str, lower: &str) -> bool {
    a.chars().flat_map(char::to_lowercase).eq(lower.chars())
}

/// The first muted phrase (lower-cased words) found in `text`.
pub(crate) fn find_phrase<'p>(text: &str, phrases: &'p [Vec<String>]) -> Option<&'p [String]> {
    if phrases.is_empty() {
        return None;
    }
    let mut tokens = words(text);
    let mut window: Vec<&str> = Vec::new();
    let longest = phrases.iter().map(Vec::len).max().unwrap_or(0);
    loop {
        let next = tokens.next();
        if let Some(t) = next {
            window.push(t);
        }
        for phrase in phrases {
            if window.len() >= phrase.len() {
                let tail = &window[window.len() - phrase.len()..];
                if tail.iter().zip(phrase).all(|(w, p)| same_word(w, p)) {
                    return Some(phrase);
                }
            }
        }
        next?;
        if window.len() > longest {
            window.remove(0);
        }
    }
}

impl MutedWords {
    /// Stage id.
    pub const ID: &'static str = "muted_words";

    fn find<'a>(input: &'a ViewerInput<'_>, post: PostId) -> Option<&'a [String]> {
        let phrases = &input.state.muted_phrases;
        if phrases.is_empty() {
            return None;
        }
        post_and_original(input.ds, post).find_map(|p| find_phrase(input.ds.text(p), phrases))
    }
}

stage_basics!(MutedWords, MutedWords::ID, [Input::ViewerSettings, Input::PostMetadata]);

impl Filter for MutedWords {
    fn check(&self, input: &ViewerInput<'_>, post: PostId) -> Option<DecidedBy> {
        Self::find(input, post).map(|_| DecidedBy::Viewer)
    }
    fn reason(&self, input: &ViewerInput<'_>, post: PostId) -> String {
        match Self::find(input, post) {
            Some(phrase) => format!("it contains \"{}\", which you muted", phrase.join(" ")),
            None => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::find_phrase;

    fn phrases(p: &[&str]) -> Vec<Vec<String>> {
        p.iter().map(|s| s.split(' ').map(str::to_string).collect()).collect()
    }

    #[test]
    fn whole_words_case_insensitive_and_phrases() {
        let p = phrases(&["cat", "new york"]);
        assert!(find_phrase("A CAT sat", &p).is_some());
        assert!(find_phrase("concatenate", &p).is_none());
        assert!(find_phrase("I love New-York!", &p).is_some());
        assert!(find_phrase("new things in york", &p).is_none());
        assert!(find_phrase("", &p).is_none());
        assert!(find_phrase("Ärger über CAT", &phrases(&["ärger"])).is_some());
    }
}

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
    if a.is_ascii() {
        // An ASCII word lower-cases to ASCII of the same length, byte by byte (and
        // `lower`, already lower-cased, has no upper-case ASCII).
        return a.eq_ignore_ascii_case(lower);
    }
    a.chars().flat_map(char::to_lowercase).eq(lower.chars())
}

/// Phrases of up to this many words are matched with a window on the stack.
const STACK_WORDS: usize = 8;

/// The first muted phrase (lower-cased words) found in `text`: after each word of the
/// text, the phrases are tried in order against the words that end there.
pub(crate) fn find_phrase<'p>(text: &str, phrases: &'p [Vec<String>]) -> Option<&'p [String]> {
    let longest = phrases.iter().map(Vec::len).max()?;
    if longest > STACK_WORDS {
        return find_long_phrase(text, phrases);
    }
    if text.is_ascii() {
        // Every word is ASCII: split and compare byte by byte.
        let ascii_words = text.as_bytes().split(|b| !b.is_ascii_alphanumeric()).filter(|w| !w.is_empty());
        return find_in_window(ascii_words, phrases, |w: &[u8], p| w.eq_ignore_ascii_case(p.as_bytes()));
    }
    find_in_window(words(text), phrases, same_word)
}

/// [`find_phrase`] over `tokens`, keeping the last [`STACK_WORDS`] in a ring (word
/// `seen - 1` is the latest); `same` compares a token with a lower-cased word.
fn find_in_window<'t, 'p, T: ?Sized + 't>(
    mut tokens: impl Iterator<Item = &'t T>,
    phrases: &'p [Vec<String>],
    same: impl Fn(&T, &str) -> bool,
) -> Option<&'p [String]> {
    // The ring starts filled with the first token; a slot is read only once written.
    let first = tokens.next()?;
    let mut ring = [first; STACK_WORDS];
    let mut seen = 0usize;
    for token in std::iter::once(first).chain(tokens) {
        ring[seen % STACK_WORDS] = token;
        seen += 1;
        for phrase in phrases {
            let n = phrase.len();
            if n <= seen && (0..n).all(|k| same(ring[(seen - n + k) % STACK_WORDS], &phrase[k])) {
                return Some(phrase);
            }
        }
    }
    None
}

/// [`find_phrase`] for phrases longer than the stack window: the words before each
/// position are read again from the text (quadratic, but such phrases are rare and this
/// allocates nothing).
fn find_long_phrase<'p>(text: &str, phrases: &'p [Vec<String>]) -> Option<&'p [String]> {
    for (seen, _) in words(text).enumerate().map(|(i, w)| (i + 1, w)) {
        for phrase in phrases {
            let n = phrase.len();
            if n <= seen && words(text).skip(seen - n).take(n).zip(phrase).all(|(w, p)| same_word(w, p)) {
                return Some(phrase);
            }
        }
    }
    None
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
    fn applies_to(&self, input: &ViewerInput<'_>) -> bool {
        !input.state.muted_phrases.is_empty()
    }
    fn check(&self, input: &ViewerInput<'_>, post: PostId) -> Option<DecidedBy> {
        Self::find(input, post).map(|_| DecidedBy::Viewer)
    }
    fn check_sorted(&self, input: &ViewerInput<'_>, posts: &[PostId], out: &mut [Option<DecidedBy>]) {
        // Every text is located, and its first byte read, before any is searched: a loop
        // of independent loads, whose cache misses (on a large dataset) overlap.
        let texts: Vec<&str> = posts.iter().map(|&p| input.ds.text(p)).collect();
        std::hint::black_box(texts.iter().fold(0u8, |x, t| x ^ t.as_bytes().first().copied().unwrap_or(0)));
        let phrases = &input.state.muted_phrases;
        for ((slot, &post), text) in out.iter_mut().zip(posts).zip(texts) {
            let found = find_phrase(text, phrases).is_some()
                || input.ds.repost_of(post).is_some_and(|o| find_phrase(input.ds.text(o), phrases).is_some());
            *slot = found.then_some(DecidedBy::Viewer);
        }
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
        assert!(find_phrase("x KELVIN y", &phrases(&["kelvin"])).is_some());
    }

    #[test]
    fn phrases_are_found_where_they_end_first_and_in_order() {
        let p = phrases(&["b c", "c"]);
        assert_eq!(find_phrase("a b c", &p), Some(&p[0][..]));
        assert_eq!(find_phrase("c b c", &p), Some(&p[1][..]));
        let long = phrases(&["a b c d e f g h i j", "z"]);
        assert_eq!(find_phrase("x a b c d e f g h i j z", &long), Some(&long[0][..]));
        assert_eq!(find_phrase("a b c d e f g h i z", &long), Some(&long[1][..]));
        let eight = phrases(&["a b c d e f g h"]);
        assert!(find_phrase("q a b c d e f g h", &eight).is_some());
        assert!(find_phrase("a b c d e f g", &eight).is_none());
        assert!(find_phrase("anything", &[]).is_none());
    }
}

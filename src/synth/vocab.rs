//! The small vocabulary of synthetic posts: topics, words users may mute, filler words.
//!
//! Every word has an index below 64, so the words of a post and the words a user mutes
//! are both `u64` masks and "does this post contain a muted word" is one `&`.

use super::{chance, index};
use rand::Rng;

/// Topics; each topic's name is also a word of the vocabulary.
pub(crate) const TOPICS: [&str; 12] = [
    "politics", "sports", "music", "tech", "science", "food", "travel", "movies", "gaming", "health",
    "climate", "economy",
];

/// Words users may mute (mute-worthy words of the vocabulary).
pub(crate) const MUTABLE: [&str; 8] =
    ["election", "crypto", "spoilers", "giveaway", "diet", "drama", "nft", "celebrity"];

/// Filler words.
const FILLER: [&str; 40] = [
    "today", "new", "great", "think", "people", "time", "really", "love", "news", "big", "week", "best",
    "thread", "update", "look", "need", "good", "watch", "world", "city", "team", "game", "book", "story",
    "first", "year", "life", "work", "here", "why", "more", "about", "just", "know", "right", "now", "home",
    "every", "hot", "take",
];

/// Word `i` of the vocabulary: topics, then mutable words, then filler.
pub(crate) fn word(i: usize) -> &'static str {
    if i < TOPICS.len() {
        TOPICS[i]
    } else if i < TOPICS.len() + MUTABLE.len() {
        MUTABLE[i - TOPICS.len()]
    } else {
        FILLER[i - TOPICS.len() - MUTABLE.len()]
    }
}

/// Index of mutable word `m` in the vocabulary.
pub(crate) fn mutable_index(m: usize) -> usize {
    TOPICS.len() + m
}

/// Mutable word most related to each topic (index into [`MUTABLE`]).
const TOPIC_MUTABLE: [usize; 12] = [0, 5, 7, 1, 5, 4, 5, 2, 2, 4, 0, 1];

/// Up to 12 word indices of a post's text, and their mask.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Text {
    pub words: [u8; 12],
    pub len: u8,
    pub mask: u64,
}

impl Text {
    fn push(&mut self, w: usize) {
        self.words[self.len as usize] = w as u8;
        self.len += 1;
        self.mask |= 1 << w;
    }

    /// Appends the text (words joined by single spaces) to `out`.
    pub fn write(&self, out: &mut String) {
        for (i, &w) in self.words[..self.len as usize].iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(word(w as usize));
        }
    }
}

/// Draws a short text about `topic`: 4–9 filler words with the topic word at a random
/// place; sometimes a related mute-worthy word; spam adds `giveaway` and `crypto`/`nft`.
pub(crate) fn text(rng: &mut impl Rng, topic: usize, spam: bool) -> Text {
    let mut t = Text { words: [0; 12], len: 0, mask: 0 };
    let filler = 4 + index(rng, 6);
    let topic_at = index(rng, filler + 1);
    for i in 0..=filler {
        if i == topic_at {
            t.push(topic);
        } else {
            t.push(TOPICS.len() + MUTABLE.len() + index(rng, FILLER.len()));
        }
    }
    if spam {
        t.push(mutable_index(3));
        t.push(mutable_index(if chance(rng, 0.5) { 1 } else { 6 }));
    } else if chance(rng, 0.15) {
        t.push(mutable_index(TOPIC_MUTABLE[topic]));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_fits_a_mask_and_is_unique() {
        let n = TOPICS.len() + MUTABLE.len() + FILLER.len();
        assert!(n <= 64);
        let mut words: Vec<&str> = (0..n).map(word).collect();
        words.sort();
        words.dedup();
        assert_eq!(words.len(), n);
    }

    #[test]
    fn text_contains_topic() {
        let mut rng = crate::synth::rng(1, crate::synth::Phase::Posts, 0);
        for (topic, name) in TOPICS.iter().enumerate() {
            let t = text(&mut rng, topic, true);
            let mut s = String::new();
            t.write(&mut s);
            assert!(s.split(' ').any(|w| w == *name), "{s}");
            assert!(s.contains("giveaway") && t.mask & (1 << topic) != 0);
        }
    }
}

//! `social_proof` source: posts by non-followees that enough followees engaged with.

use crate::error::Result;
use crate::model::{PostId, UserId};
use crate::stages::context::history_window;
use crate::stages::in_network::check_window;
use crate::stages::{hours, Input, Source, Sourced, Stage, ViewerInput};
use crate::Error;
use serde::{Deserialize, Serialize};

/// Parameters of [`SocialProof`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SocialProofParams {
    /// Minimum number of distinct followees who liked, reposted, replied to or quoted the
    /// post (default 2, at least 1).
    pub min_proof: u32,
    /// Only engagements within this many hours before `now` count (default 48).
    pub max_age_hours: f64,
}

impl Default for SocialProofParams {
    fn default() -> Self {
        SocialProofParams { min_proof: 2, max_age_hours: 48.0 }
    }
}

/// Proposes posts by accounts the viewer does not follow that at least `min_proof`
/// followees engaged with (like, repost, reply, quote) in the window. Followees who block
/// the viewer or whom the viewer blocks neither count nor are named.
#[derive(Debug, Clone)]
pub struct SocialProof {
    params: SocialProofParams,
}

impl SocialProof {
    /// Stage id.
    pub const ID: &'static str = "social_proof";

    /// Checks the parameters.
    pub fn new(params: SocialProofParams) -> Result<Self> {
        if params.min_proof == 0 {
            return Err(Error::spec(Self::ID, "min_proof", "must be at least 1"));
        }
        check_window(Self::ID, "max_age_hours", params.max_age_hours)?;
        Ok(SocialProof { params })
    }

    /// The engagement window in hours.
    pub fn window_hours(&self) -> f64 {
        self.params.max_age_hours
    }

    /// Up to `limit` followees (in id order) who engaged with `post` in the window, never
    /// an account blocked in either direction.
    pub fn proof_accounts(&self, input: &ViewerInput<'_>, post: PostId, limit: usize) -> Vec<UserId> {
        let from = crate::stages::window_start(input.now, self.params.max_age_hours);
        let graph = input.ds.graph();
        graph
            .followees(input.viewer.0)
            .iter()
            .filter(|&&f| !graph.is_blocked_either_way(input.viewer.0, f))
            .filter(|&&f| {
                history_window(input.ds, UserId(f), from, input.now)
                    .any(|e| e.post == post && e.kind.is_social_proof())
            })
            .take(limit)
            .map(|&f| UserId(f))
            .collect()
    }
}

impl Stage for SocialProof {
    fn id(&self) -> &'static str {
        Self::ID
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).expect("params serialise")
    }
    fn reads(&self) -> Vec<Input> {
        vec![Input::Follows, Input::Blocks, Input::FolloweeEngagements, Input::PostMetadata]
    }
}

impl Source for SocialProof {
    fn collect(&self, input: &ViewerInput<'_>, out: &mut Vec<Sourced>) {
        let ds = input.ds;
        // Most posts have too little proof: that is checked before the post itself is read.
        for (post, n) in input.state.social_proof_posts().filter(|&(_, n)| n >= self.params.min_proof) {
            if ds.author(post) != input.viewer
                && ds.created_at(post) <= input.now
                && !input.follows_author(post)
            {
                out.push(Sourced { post, source: 0, proof: n });
            }
        }
    }

    fn why(&self, input: &ViewerInput<'_>, sourced: &Sourced) -> String {
        // The engine counted social proof for this feed and kept the first three followees
        // of each post; when it counted over this stage's window they are the answer.
        let names: Vec<String> = match input.state.social_proof_accounts(sourced.post) {
            Some((hours, accounts)) if hours == self.params.max_age_hours => {
                accounts.iter().map(|&u| input.handle(UserId(u))).collect()
            }
            _ => self.proof_accounts(input, sourced.post, 3).into_iter().map(|u| input.handle(u)).collect(),
        };
        let n = sourced.proof;
        let accounts = if n == 1 { "account" } else { "accounts" };
        format!(
            "liked or shared by {n} {accounts} you follow: {}{}",
            names.join(", "),
            if (n as usize) > names.len() { ", …" } else { "" }
        )
    }

    fn why_not(&self, input: &ViewerInput<'_>, post: PostId) -> String {
        let ds = input.ds;
        let author = ds.author(post);
        if author == input.viewer {
            return "social_proof: it is your own post".to_string();
        }
        if ds.graph().follows(input.viewer.0, author.0) {
            return format!(
                "social_proof: you follow {} (their posts come from in_network)",
                input.handle(author)
            );
        }
        let n = input.state.social_proof(post);
        format!(
            "social_proof: {n} account(s) you follow engaged with it in the last {} (needs {})",
            hours(self.params.max_age_hours),
            self.params.min_proof
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::ViewerState;
    use crate::synth::{generate, SynthConfig};

    #[test]
    fn counted_proof_matches_a_scan_of_followee_histories() {
        let config = SynthConfig { mean_follows: 30.0, block_share: 0.3, ..SynthConfig::with_users(400) };
        let ds = generate(&config).unwrap();
        let now = ds.latest_timestamp();
        for hours in [48.0, 6.0] {
            let stage = SocialProof::new(SocialProofParams { min_proof: 1, max_age_hours: hours }).unwrap();
            let mut state = ViewerState::default();
            let mut checked = 0;
            for v in 0..ds.user_count() as u32 {
                let viewer = UserId(v);
                state.compute_following(&ds, viewer);
                state.compute_social_proof(&ds, viewer, now, hours);
                let input = ViewerInput { ds: &ds, viewer, now, state: &state };
                for (post, n) in state.social_proof_posts() {
                    let scanned: Vec<u32> =
                        stage.proof_accounts(&input, post, usize::MAX).into_iter().map(|u| u.0).collect();
                    assert_eq!(scanned.len() as u32, n, "viewer {v}, post {}", post.0);
                    assert_eq!(state.social_proof(post), n);
                    let (counted_hours, named) = state.social_proof_accounts(post).unwrap();
                    assert_eq!(counted_hours, hours);
                    assert_eq!(named, &scanned[..scanned.len().min(3)]);
                    checked += 1;
                }
            }
            assert!(checked > 1000, "{checked}");
        }
    }
}

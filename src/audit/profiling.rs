//! Non-profiling check (EU Digital Services Act, Regulation 2022/2065, Art. 38): very
//! large platforms must offer at least one recommender option "not based on profiling",
//! i.e. one whose output does not depend on the viewer's personal data. Here that data
//! is the viewer's own engagement history; the check asks whether a feed changes when
//! only that history changes.
//!
//! **Design.** A naive perturbation (drop some of a viewer's engagements, add some likes)
//! also changes every touched post's engagement counts, which are aggregate signals that
//! a non-profiling ranker may use (a "most liked" feed is not profiling), and changes the
//! social proof of everyone who follows the viewer. So the check *reassigns* histories
//! instead:
//!
//! 1. The viewers under test are split greedily into rounds such that no two viewers of
//!    a round follow each other (either direction).
//! 2. In each round the viewers are put in a seeded random order and each one's complete
//!    engagement history is credited to the next (a cycle), so every tested viewer gets
//!    a different history. A round with a single viewer swaps with a seeded partner who
//!    has engagements and whom the viewer does not follow.
//! 3. The dataset is rebuilt ([`with_reassigned_histories`]) and the round's viewers are
//!    ranked on both datasets with the same `now` (the original's latest timestamp).
//!
//! Every post keeps exactly the same engagements (kind, time, rating), so aggregate
//! counts, popularity and page rank are unchanged; no tested viewer follows anyone whose
//! history moved, so social proof from followees is unchanged; the graph, posts and
//! settings are unchanged. The only thing that changes for a tested viewer is their own
//! history. A pipeline that reads no personal history — `chronological`, by construction —
//! ranks every feed identically and passes; one that reads it (the `seen` filter,
//! `author_affinity`, as the `engagement` preset does) is flagged with every changed
//! feed. Viewers whose own and received histories are both empty cannot reveal anything
//! and are counted separately.

use crate::audit::neutrality::{differences, fixed_options, stage_inputs, StageInputs, Violation};
use crate::audit::perturb::{shuffled, with_reassigned_histories};
use crate::error::Result;
use crate::model::{Dataset, UserId};
use crate::pipeline::Pipeline;
use crate::stages::Input;
use crate::Error;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// The result of [`non_profiling_check`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NonProfilingReport {
    /// Pipeline name.
    pub pipeline: String,
    /// Pipeline fingerprint.
    pub fingerprint: String,
    /// Seed of the reassignment.
    pub seed: u64,
    /// Stages that declare reading the viewer's own history ([`Input::ViewerHistory`]).
    pub history_readers: Vec<String>,
    /// Every stage's declared inputs, in pipeline order.
    pub stage_inputs: Vec<StageInputs>,
    /// Rounds (perturbed datasets built).
    pub rounds: usize,
    /// Feeds compared.
    pub feeds_compared: usize,
    /// Tested viewers whose history actually changed (own or received history non-empty).
    pub viewers_with_changed_history: usize,
    /// Viewers that could not be tested (alone in a round and no possible partner).
    pub untested: Vec<String>,
    /// Every feed that changed, in the order of the viewers given.
    pub violations: Vec<Violation>,
    /// True when no feed changed.
    pub passed: bool,
}

/// Greedy rounds: no two viewers of a round follow each other.
fn rounds(ds: &Dataset, viewers: &[UserId]) -> Vec<Vec<UserId>> {
    let mut round_of: Vec<u32> = vec![u32::MAX; ds.user_count()];
    let mut rounds: Vec<Vec<UserId>> = Vec::new();
    let mut blocked: Vec<bool> = Vec::new();
    for &v in viewers {
        blocked.clear();
        blocked.resize(rounds.len(), false);
        let graph = ds.graph();
        for &u in graph.followees(v.0).iter().chain(graph.followers(v.0)) {
            if let Some(b) = blocked.get_mut(round_of[u as usize] as usize) {
                *b = true;
            }
        }
        let r = blocked.iter().position(|&b| !b).unwrap_or(rounds.len());
        if r == rounds.len() {
            rounds.push(Vec::new());
        }
        rounds[r].push(v);
        round_of[v.index()] = r as u32;
    }
    rounds
}

/// A seeded partner for a lone viewer: someone with engagements whom they do not follow.
fn partner(ds: &Dataset, viewer: UserId, rng: &mut ChaCha8Rng) -> Option<UserId> {
    let n = ds.user_count();
    let start = rng.random_range(0..n as u64) as usize;
    (0..n)
        .map(|i| UserId(((start + i) % n) as u32))
        .find(|&u| u != viewer && ds.history(u).len() > 0 && !ds.graph().follows(viewer.0, u.0))
}

/// Reassigns the tested viewers' engagement histories (seeded) and checks that
/// `pipeline` ranks each of `viewers` identically (see the [module docs](self)).
pub fn non_profiling_check(
    ds: &Dataset,
    pipeline: &Pipeline,
    viewers: &[UserId],
    seed: u64,
) -> Result<NonProfilingReport> {
    let mut unique: Vec<UserId> = Vec::with_capacity(viewers.len());
    let mut position = vec![usize::MAX; ds.user_count()];
    for &v in viewers {
        if v.index() >= ds.user_count() {
            return Err(Error::argument("viewers", format!("dense id {} is out of range", v.0)));
        }
        if position[v.index()] == usize::MAX {
            position[v.index()] = unique.len();
            unique.push(v);
        }
    }
    let options = fixed_options(ds);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let rounds = rounds(ds, &unique);
    let (mut violations, mut untested) = (Vec::new(), Vec::new());
    let (mut compared, mut changed) = (0, 0);
    for round in &rounds {
        let mut members: Vec<UserId> =
            shuffled(round.len(), &mut rng).into_iter().map(|i| round[i as usize]).collect();
        if members.len() == 1 {
            match partner(ds, members[0], &mut rng) {
                Some(p) => members.push(p),
                None => {
                    untested.push(ds.user_name(members[0]).to_string());
                    continue;
                }
            }
        }
        let m = members.len();
        let moves: Vec<(UserId, UserId)> = (0..m).map(|i| (members[i], members[(i + 1) % m])).collect();
        changed += (0..m)
            // With a lone viewer, `members[1]` is the partner, whose feed is not tested.
            .filter(|&i| round.len() > 1 || i == 0)
            .filter(|&i| ds.history(members[i]).len() + ds.history(members[(i + m - 1) % m]).len() > 0)
            .count();
        let perturbed = with_reassigned_histories(ds, &moves)?;
        violations.extend(differences(ds, &perturbed, pipeline, round, &options)?);
        compared += round.len();
    }
    violations.sort_by_key(|v: &Violation| ds.user_id(&v.viewer).map_or(usize::MAX, |u| position[u.index()]));
    let stage_inputs = stage_inputs(pipeline);
    let history_readers = stage_inputs
        .iter()
        .filter(|s| s.reads.contains(&Input::ViewerHistory))
        .map(|s| s.stage.clone())
        .collect();
    Ok(NonProfilingReport {
        pipeline: pipeline.name().to_string(),
        fingerprint: pipeline.fingerprint().to_string(),
        seed,
        history_readers,
        stage_inputs,
        rounds: rounds.len(),
        feeds_compared: compared,
        viewers_with_changed_history: changed,
        untested,
        passed: violations.is_empty(),
        violations,
    })
}

//! Live updates: ranking threads read snapshots while batches are appended. Every feed is
//! consistent with exactly one snapshot, and no appended record is lost or duplicated.

use glassfeed::{
    synth, Batch, Dataset, EdgeKind, EdgeRecord, EngagementKind, EngagementRecord, ErrorKind, Feed,
    LiveDataset, Pipeline, PostRecord, RankOptions, Snapshot, UserId, UserRecord,
};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BATCHES: u64 = 12;
const USERS_PER_BATCH: usize = 3;
const POSTS_PER_BATCH: usize = 30;
const READERS: usize = 3;

/// Batch `s`: new users who follow and are followed by existing users, posts by old and
/// new users (newer than anything before), likes and replies of them.
fn batch(base: &Dataset, s: u64) -> Batch {
    let old = |i: usize| base.user_name(UserId((i * 37 % base.user_count()) as u32)).to_string();
    let users: Vec<UserRecord> =
        (0..USERS_PER_BATCH).map(|i| UserRecord { id: format!("b{s}-u{i}"), ..Default::default() }).collect();
    let mut edges = Vec::new();
    for (i, user) in users.iter().enumerate() {
        for j in 0..20 {
            let other = old(i * 20 + j + s as usize);
            edges.push(EdgeRecord { src: user.id.clone(), dst: other.clone(), kind: EdgeKind::Follow });
            edges.push(EdgeRecord { src: other, dst: user.id.clone(), kind: EdgeKind::Follow });
        }
    }
    let now = base.latest_timestamp() + 60;
    let posts: Vec<PostRecord> = (0..POSTS_PER_BATCH)
        .map(|i| PostRecord {
            id: format!("b{s}-p{i}"),
            author: if i % 3 == 0 { users[i % USERS_PER_BATCH].id.clone() } else { old(i) },
            created_at: now,
            text: Some(format!("post {i} of batch {s}")),
            reply_to: (i % 5 == 4).then(|| format!("b{s}-p{}", i - 1)),
            ..Default::default()
        })
        .collect();
    let mut engagements = Vec::new();
    for (i, post) in posts.iter().enumerate() {
        for j in 0..(i % 4) {
            engagements.push(EngagementRecord {
                user: old(i * 7 + j),
                post: post.id.clone(),
                kind: if j == 2 { EngagementKind::Reply } else { EngagementKind::Like },
                at: now + j as i64,
                rating: None,
            });
        }
    }
    Batch { users, edges, posts, engagements }
}

/// The batch a post came from (`None` for posts of the first snapshot).
fn batch_of(name: &str) -> Option<u64> {
    name.strip_prefix('b')?.split('-').next()?.parse().ok()
}

/// A feed item as post, rank, score bits and source.
type ItemBits = (u32, u32, u64, u16);

/// Feeds as comparable values, scores by their bits.
fn bits(feeds: &[Feed]) -> Vec<(u32, Vec<ItemBits>, usize, usize)> {
    feeds
        .iter()
        .map(|f| {
            let items = f.items.iter().map(|i| (i.post.0, i.rank, i.score.to_bits(), i.source)).collect();
            (f.viewer.0, items, f.sourced, f.filtered)
        })
        .collect()
}

#[test]
fn ranking_threads_see_whole_snapshots_while_batches_are_appended() {
    let base = synth::generate(&synth::SynthConfig::with_users(400)).unwrap();
    let (users0, posts0, engagements0) = (base.user_count(), base.post_count(), base.engagement_count());
    let live = Arc::new(LiveDataset::new(base));
    let pipelines: Vec<Pipeline> =
        ["engagement", "chronological", "bridging"].iter().map(|p| Pipeline::preset(p).unwrap()).collect();
    let pipelines = Arc::new(pipelines);
    let viewers: Vec<UserId> = (0..40).map(UserId).collect();
    let done = Arc::new(AtomicBool::new(false));
    let options = RankOptions::default();

    let readers: Vec<_> = (0..READERS)
        .map(|r| {
            let (live, pipelines, done, viewers) =
                (live.clone(), pipelines.clone(), done.clone(), viewers.clone());
            std::thread::spawn(move || {
                let mut seen: Vec<(Snapshot, usize, Vec<Feed>)> = Vec::new();
                let mut round = r;
                while !done.load(Ordering::Acquire) || seen.len() < 3 {
                    let snapshot = live.snapshot();
                    let p = round % pipelines.len();
                    let feeds = pipelines[p].rank_all(&snapshot, &viewers, &options).unwrap();
                    // No post from a batch newer than the snapshot, none out of range.
                    for item in feeds.iter().flat_map(|f| &f.items) {
                        assert!(item.post.index() < snapshot.post_count());
                        let name = snapshot.post_name(item.post);
                        assert!(batch_of(name).map_or(true, |b| b <= snapshot.sequence()), "{name}");
                    }
                    seen.push((snapshot, p, feeds));
                    round += 1;
                }
                seen
            })
        })
        .collect();

    let started = Instant::now();
    let mut appended = Vec::new();
    for s in 1..=BATCHES {
        let current = live.current();
        let next = live.append(&batch(&current, s)).unwrap();
        assert_eq!(next.sequence(), s);
        appended.push(batch(&current, s));
        if s == BATCHES / 2 {
            // A bad record anywhere in a batch: nothing of the batch is applied.
            let mut bad = batch(&next, s + 1);
            bad.engagements[3].user = "nobody".into();
            let err = live.append(&bad).unwrap_err();
            assert!(matches!(err.kind(), ErrorKind::UnknownReference { .. }));
            assert_eq!(
                err.to_string(),
                format!("batch {} engagements record 4: field `user`: unknown user `nobody`", s + 1)
            );
            assert_eq!(live.sequence(), s);
            assert!(Arc::ptr_eq(&live.current(), next.dataset()));
        }
        std::thread::sleep(Duration::from_millis(15));
    }
    done.store(true, Ordering::Release);
    let seen: Vec<(Snapshot, usize, Vec<Feed>)> =
        readers.into_iter().flat_map(|r| r.join().unwrap()).collect();
    assert!(started.elapsed() < Duration::from_secs(60));

    // Each feed is exactly the one its snapshot gives: recomputed now, on the snapshot the
    // reader held, bit for bit.
    let sequences: BTreeSet<u64> = seen.iter().map(|(s, _, _)| s.sequence()).collect();
    assert!(sequences.len() >= 3, "readers saw only snapshots {sequences:?}");
    for (snapshot, p, feeds) in &seen {
        let s = snapshot.sequence() as usize;
        assert_eq!(snapshot.post_count(), posts0 + s * POSTS_PER_BATCH);
        assert_eq!(snapshot.user_count(), users0 + s * USERS_PER_BATCH);
        let again = pipelines[*p].rank_all(snapshot, &viewers, &options).unwrap();
        assert_eq!(bits(feeds), bits(&again), "snapshot {s}");
        assert_eq!(feeds, &again);
    }

    // The final snapshot holds every appended record exactly once.
    let last = live.snapshot();
    assert_eq!(last.sequence(), BATCHES);
    let engagements: usize = appended.iter().map(|b| b.engagements.len()).sum();
    assert_eq!(last.user_count(), users0 + BATCHES as usize * USERS_PER_BATCH);
    assert_eq!(last.post_count(), posts0 + BATCHES as usize * POSTS_PER_BATCH);
    assert_eq!(last.engagement_count(), engagements0 + engagements);
    for batch in &appended {
        for user in &batch.users {
            let id = last.user_id(&user.id).unwrap();
            assert_eq!(last.user_name(id), user.id);
        }
        for edge in &batch.edges {
            let (a, b) = (last.user_id(&edge.src).unwrap(), last.user_id(&edge.dst).unwrap());
            assert!(last.graph().follows(a.0, b.0));
        }
        for post in &batch.posts {
            let id = last.post_id(&post.id).unwrap();
            assert_eq!(last.text(id), post.text.as_deref().unwrap());
            let expected = batch.engagements.iter().filter(|e| e.post == post.id).count();
            let got = last.engagements().filter(|e| e.post == id).count();
            assert_eq!(got, expected, "{}", post.id);
        }
    }
    let names: BTreeSet<&str> =
        (0..last.post_count() as u32).map(|p| last.post_name(glassfeed::PostId(p))).collect();
    assert_eq!(names.len(), last.post_count());
}

#[test]
fn old_snapshots_stay_valid_and_keep_their_caches() {
    let live = LiveDataset::new(synth::generate(&synth::SynthConfig::with_users(200)).unwrap());
    let first = live.snapshot();
    let rank = first.author_page_rank().to_vec();
    let second = live.append(&batch(&first, 1)).unwrap();
    // The old snapshot is untouched and still ranks; the new one computes its own caches.
    assert_eq!(first.author_page_rank(), &rank[..]);
    assert_eq!(second.author_page_rank().len(), first.user_count() + USERS_PER_BATCH);
    assert_eq!(first.sequence(), 0);
    assert!(first.post_id("b1-p0").is_none() && second.post_id("b1-p0").is_some());
    // A snapshot saved and loaded is equal to the live one.
    let bytes = second.to_snapshot_bytes();
    assert!(Dataset::from_snapshot_bytes(&bytes).unwrap() == **second.dataset());
}

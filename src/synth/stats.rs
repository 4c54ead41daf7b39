//! [`world_stats`]: the shape of a dataset — sizes, in-degree tail, homophily, activity.

use crate::{Dataset, EdgeKind, EngagementKind, PostId, UserId};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One viewpoint community (users sharing a value of `attrs.viewpoint`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommunityStats {
    /// The `viewpoint` value.
    pub name: String,
    /// Number of users.
    pub users: usize,
    /// Share of all users.
    pub share: f64,
    /// Share of its members' follows that go to members (0 when they follow no one with
    /// a viewpoint).
    pub within_share: f64,
}

/// Summary statistics of a dataset, as computed by [`world_stats`]. Serialisable, and
/// printed as a readable table by its `Display` implementation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorldStats {
    /// Number of users.
    pub users: usize,
    /// Number of follow edges.
    pub follows: usize,
    /// Number of mute edges.
    pub mutes: usize,
    /// Number of block edges.
    pub blocks: usize,
    /// Number of posts.
    pub posts: usize,
    /// Posts that reply to another post.
    pub replies: usize,
    /// Posts that repost another post.
    pub reposts: usize,
    /// Number of engagements.
    pub engagements: usize,
    /// Largest number of followers of one user.
    pub in_degree_max: usize,
    /// 99th percentile of the number of followers (nearest rank).
    pub in_degree_p99: usize,
    /// Median number of followers (nearest rank).
    pub in_degree_median: usize,
    /// Share of follow edges between two users with the same `attrs.viewpoint`, among
    /// edges whose both ends have one (0 when there are none).
    pub within_community_share: f64,
    /// Users without a `viewpoint` attribute.
    pub users_without_viewpoint: usize,
    /// Each community, sorted by name.
    pub communities: Vec<CommunityStats>,
    /// Mean number of posts per user.
    pub posts_per_user_mean: f64,
    /// Largest number of posts of one user.
    pub posts_per_user_max: usize,
    /// Mean number of engagements per post.
    pub engagements_per_post_mean: f64,
    /// Median number of engagements per post (nearest rank).
    pub engagements_per_post_median: usize,
    /// Number of engagements of each kind present, by kind name.
    pub engagements_by_kind: BTreeMap<String, usize>,
}

/// The `q`-quantile (nearest rank) of ascending `sorted`; 0 when empty.
fn nearest_rank(sorted: &[usize], q: f64) -> usize {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Summary statistics of any dataset (synthetic or not): sizes, the in-degree
/// distribution, homophily of the follow graph by `attrs.viewpoint`, activity per user
/// and engagements per post.
///
/// ```
/// use glassfeed::synth::{generate, world_stats, SynthConfig};
/// let stats = world_stats(&generate(&SynthConfig::with_users(500))?);
/// assert_eq!(stats.users, 500);
/// assert_eq!(stats.communities.len(), 2);
/// println!("{stats}");
/// # Ok::<(), glassfeed::Error>(())
/// ```
pub fn world_stats(ds: &Dataset) -> WorldStats {
    let n = ds.user_count();
    let graph = ds.graph();
    let viewpoint: Vec<Option<&str>> = (0..n as u32).map(|u| ds.user_attr(UserId(u), "viewpoint")).collect();
    let names: BTreeSet<&str> = viewpoint.iter().flatten().copied().collect();
    let names: Vec<&str> = names.into_iter().collect();
    let community: Vec<Option<usize>> =
        viewpoint.iter().map(|v| v.map(|v| names.binary_search(&v).expect("name is listed"))).collect();
    let mut members = vec![0usize; names.len()];
    let mut outgoing = vec![0usize; names.len()];
    let mut within = vec![0usize; names.len()];
    let mut in_degree = Vec::with_capacity(n);
    for u in 0..n {
        in_degree.push(graph.followers(u as u32).len());
        let Some(c) = community[u] else { continue };
        members[c] += 1;
        for &v in graph.followees(u as u32) {
            if let Some(d) = community[v as usize] {
                outgoing[c] += 1;
                within[c] += usize::from(c == d);
            }
        }
    }
    in_degree.sort_unstable();
    let communities = names
        .iter()
        .enumerate()
        .map(|(c, name)| CommunityStats {
            name: name.to_string(),
            users: members[c],
            share: ratio(members[c], n),
            within_share: ratio(within[c], outgoing[c]),
        })
        .collect();
    let posts = ds.post_count();
    let mut per_user = vec![0usize; n];
    let mut per_post = Vec::with_capacity(posts);
    let mut by_kind = [0usize; EngagementKind::COUNT];
    let (mut replies, mut reposts) = (0, 0);
    for p in 0..posts as u32 {
        let post = PostId(p);
        per_user[ds.author(post).index()] += 1;
        replies += usize::from(ds.reply_to(post).is_some());
        reposts += usize::from(ds.repost_of(post).is_some());
        let totals = ds.engagement_totals(post);
        for (k, &t) in totals.iter().enumerate() {
            by_kind[k] += t as usize;
        }
        per_post.push(totals.iter().map(|&t| t as usize).sum::<usize>());
    }
    per_post.sort_unstable();
    WorldStats {
        users: n,
        follows: graph.edge_count(EdgeKind::Follow),
        mutes: graph.edge_count(EdgeKind::Mute),
        blocks: graph.edge_count(EdgeKind::Block),
        posts,
        replies,
        reposts,
        engagements: ds.engagement_count(),
        in_degree_max: in_degree.last().copied().unwrap_or(0),
        in_degree_p99: nearest_rank(&in_degree, 0.99),
        in_degree_median: nearest_rank(&in_degree, 0.5),
        within_community_share: ratio(within.iter().sum(), outgoing.iter().sum()),
        users_without_viewpoint: community.iter().filter(|c| c.is_none()).count(),
        communities,
        posts_per_user_mean: ratio(posts, n),
        posts_per_user_max: per_user.iter().copied().max().unwrap_or(0),
        engagements_per_post_mean: ratio(ds.engagement_count(), posts),
        engagements_per_post_median: nearest_rank(&per_post, 0.5),
        engagements_by_kind: EngagementKind::ALL
            .iter()
            .filter(|k| by_kind[k.index()] > 0)
            .map(|k| (k.as_str().to_string(), by_kind[k.index()]))
            .collect(),
    }
}

impl fmt::Display for WorldStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = |x: f64| format!("{:.1}%", 100.0 * x);
        writeln!(f, "{:<22}{:>12}", "users", self.users)?;
        writeln!(f, "{:<22}{:>12}   mutes {}, blocks {}", "follows", self.follows, self.mutes, self.blocks)?;
        writeln!(
            f,
            "{:<22}{:>12}   replies {}, reposts {}",
            "posts", self.posts, self.replies, self.reposts
        )?;
        writeln!(f, "{:<22}{:>12}", "engagements", self.engagements)?;
        writeln!(
            f,
            "{:<22}{:>12}   p99 {}, median {}",
            "followers (max)", self.in_degree_max, self.in_degree_p99, self.in_degree_median
        )?;
        writeln!(f, "{:<22}{:>12}", "follows within group", pct(self.within_community_share))?;
        writeln!(f, "{:<22}{:>12}", "posts per user (mean)", format!("{:.2}", self.posts_per_user_mean))?;
        writeln!(f, "{:<22}{:>12}", "posts per user (max)", self.posts_per_user_max)?;
        writeln!(
            f,
            "{:<22}{:>12}   median {}",
            "engagements per post",
            format!("{:.2}", self.engagements_per_post_mean),
            self.engagements_per_post_median
        )?;
        if !self.engagements_by_kind.is_empty() {
            let kinds: Vec<String> =
                self.engagements_by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
            writeln!(f, "{:<22}{}", "engagements by kind", kinds.join(", "))?;
        }
        writeln!(f, "{:<22}{:>12}{:>9}{:>10}", "viewpoint", "users", "share", "within")?;
        for c in &self.communities {
            writeln!(f, "  {:<20}{:>12}{:>9}{:>10}", c.name, c.users, pct(c.share), pct(c.within_share))?;
        }
        if self.users_without_viewpoint > 0 {
            writeln!(f, "  {:<20}{:>12}", "(none)", self.users_without_viewpoint)?;
        }
        Ok(())
    }
}

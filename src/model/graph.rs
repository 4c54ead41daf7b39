//! The social graph: follows as petgraph compressed-sparse-row graphs (both directions),
//! mutes and blocks as per-user adjacency rows, and page rank over the follow graph.

use crate::model::interner::Ragged;
use crate::model::kinds::EdgeKind;
use petgraph::csr::Csr;
use petgraph::Directed;

/// The follow graph: node `i` is user `i`, an edge `a → b` means `a` follows `b`.
pub type FollowGraph = Csr<(), (), Directed, u32>;

/// Follow, mute and block relations, indexed by dense user id.
#[derive(Debug, Clone, Default)]
pub struct SocialGraph {
    follows: FollowGraph,
    followers: FollowGraph,
    mutes: Ragged<u32>,
    blocks: Ragged<u32>,
    blocked_by: Ragged<u32>,
}

fn csr_from_edges(users: usize, edges: &mut [(u32, u32)]) -> FollowGraph {
    edges.sort_unstable();
    let mut graph = FollowGraph::from_sorted_edges(edges).expect("edges are sorted and unique");
    while graph.node_count() < users {
        graph.add_node(());
    }
    // `from_sorted_edges` pushes edge by edge, leaving up to half of the edge array as
    // spare capacity; a clone allocates exactly what it holds.
    graph.clone()
}

fn ragged_from_edges(users: usize, edges: &mut [(u32, u32)]) -> Ragged<u32> {
    edges.sort_unstable();
    let mut rows = Ragged::from_sorted_pairs(users, edges.iter().copied());
    rows.shrink_to_fit();
    rows
}

impl SocialGraph {
    /// Builds the graph from deduplicated edge lists (one per [`EdgeKind`]).
    pub(crate) fn from_edges(users: usize, mut edges: [Vec<(u32, u32)>; 3]) -> Self {
        let [follows, mutes, blocks] = &mut edges;
        let follow_graph = csr_from_edges(users, follows);
        let mut reversed: Vec<(u32, u32)> = follows.iter().map(|&(a, b)| (b, a)).collect();
        let followers = csr_from_edges(users, &mut reversed);
        let mut blocked_by: Vec<(u32, u32)> = blocks.iter().map(|&(a, b)| (b, a)).collect();
        SocialGraph {
            follows: follow_graph,
            followers,
            mutes: ragged_from_edges(users, mutes),
            blocks: ragged_from_edges(users, blocks),
            blocked_by: ragged_from_edges(users, &mut blocked_by),
        }
    }

    /// All edges of one kind as `(src, dst)` pairs, sorted.
    pub(crate) fn edges(&self, kind: EdgeKind) -> Vec<(u32, u32)> {
        let users = self.follows.node_count();
        let mut out = Vec::new();
        for u in 0..users {
            let row = match kind {
                EdgeKind::Follow => self.followees(u as u32),
                EdgeKind::Mute => self.mutes.row(u),
                EdgeKind::Block => self.blocks.row(u),
            };
            out.extend(row.iter().map(|&v| (u as u32, v)));
        }
        out
    }

    /// The follow graph (user → followee) as a petgraph CSR graph.
    pub fn follow_graph(&self) -> &FollowGraph {
        &self.follows
    }

    /// The reversed follow graph (user → follower).
    pub fn follower_graph(&self) -> &FollowGraph {
        &self.followers
    }

    /// Accounts `user` follows, sorted by dense id.
    pub fn followees(&self, user: u32) -> &[u32] {
        self.follows.neighbors_slice(user)
    }

    /// Accounts that follow `user`, sorted by dense id.
    pub fn followers(&self, user: u32) -> &[u32] {
        self.followers.neighbors_slice(user)
    }

    /// Accounts `user` mutes, sorted.
    pub fn mutes(&self, user: u32) -> &[u32] {
        self.mutes.row(user as usize)
    }

    /// Accounts `user` blocks, sorted.
    pub fn blocks(&self, user: u32) -> &[u32] {
        self.blocks.row(user as usize)
    }

    /// Accounts that block `user`, sorted.
    pub fn blocked_by(&self, user: u32) -> &[u32] {
        self.blocked_by.row(user as usize)
    }

    /// True when `a` follows `b`.
    pub fn follows(&self, a: u32, b: u32) -> bool {
        self.followees(a).binary_search(&b).is_ok()
    }

    /// True when `a` mutes `b`.
    pub fn is_muting(&self, a: u32, b: u32) -> bool {
        self.mutes(a).binary_search(&b).is_ok()
    }

    /// True when `a` blocks `b` or `b` blocks `a`.
    pub fn is_blocked_either_way(&self, a: u32, b: u32) -> bool {
        self.blocks(a).binary_search(&b).is_ok() || self.blocked_by(a).binary_search(&b).is_ok()
    }

    /// Number of edges of a kind.
    pub fn edge_count(&self, kind: EdgeKind) -> usize {
        match kind {
            EdgeKind::Follow => self.follows.edge_count(),
            EdgeKind::Mute => self.mutes.value_count(),
            EdgeKind::Block => self.blocks.value_count(),
        }
    }

    /// Bytes held by the follow graphs and the mute/block rows.
    pub fn memory_usage(&self) -> usize {
        // A CSR graph holds a `u32` per edge and a `usize` row start per node (plus one).
        let csr = |g: &FollowGraph| g.edge_count() * 4 + (g.node_count() + 1) * std::mem::size_of::<usize>();
        csr(&self.follows)
            + csr(&self.followers)
            + self.mutes.memory_usage()
            + self.blocks.memory_usage()
            + self.blocked_by.memory_usage()
    }

    /// Page rank of every user in the follow graph (a follow is a vote for the followee).
    ///
    /// Standard power iteration: damping `d`, a dangling user's rank spread uniformly,
    /// iterated until the L1 change is at most `1e-10` or 100 iterations. Each iteration is
    /// one pass over the edges, reading followers from the petgraph CSR; petgraph's own
    /// `algo::page_rank` visits every pair of nodes per iteration (O(V²)), which does not
    /// scale past a few thousand users.
    ///
    /// `order` is a permutation of the users that fixes the summation order (every sum
    /// runs over users in that order), so the result depends only on the graph and the
    /// order, bit for bit — pass users sorted by external id for a result that does not
    /// depend on input order.
    pub fn page_rank(&self, damping: f64, order: &[u32]) -> Vec<f64> {
        let n = self.follows.node_count();
        assert_eq!(order.len(), n, "order must be a permutation of the users");
        if n == 0 {
            return Vec::new();
        }
        let mut position = vec![0u32; n];
        for (i, &u) in order.iter().enumerate() {
            position[u as usize] = i as u32;
        }
        // Followers of each user, in `order`.
        let mut inbound: Vec<Vec<u32>> = Vec::new();
        inbound.resize_with(n, Vec::new);
        for (v, list) in inbound.iter_mut().enumerate() {
            list.extend_from_slice(self.followers(v as u32));
            list.sort_unstable_by_key(|&w| position[w as usize]);
        }
        let nf = n as f64;
        let out_degree: Vec<f64> = (0..n as u32).map(|u| self.followees(u).len() as f64).collect();
        let mut rank = vec![1.0 / nf; n];
        let mut next = vec![0.0; n];
        for _ in 0..100 {
            let dangling: f64 =
                order.iter().filter(|&&u| out_degree[u as usize] == 0.0).map(|&u| rank[u as usize]).sum();
            let base = (1.0 - damping) / nf + damping * dangling / nf;
            for (v, slot) in next.iter_mut().enumerate() {
                let inflow: f64 = inbound[v].iter().map(|&w| rank[w as usize] / out_degree[w as usize]).sum();
                *slot = base + damping * inflow;
            }
            let change: f64 = order.iter().map(|&u| (rank[u as usize] - next[u as usize]).abs()).sum();
            std::mem::swap(&mut rank, &mut next);
            if change <= 1e-10 {
                break;
            }
        }
        rank
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(n: usize) -> Vec<u32> {
        (0..n as u32).collect()
    }

    fn graph(users: usize, follows: &[(u32, u32)]) -> SocialGraph {
        SocialGraph::from_edges(users, [follows.to_vec(), vec![], vec![]])
    }

    #[test]
    fn adjacency_both_directions() {
        let g = graph(4, &[(0, 1), (2, 1), (1, 3)]);
        assert_eq!(g.followees(0), &[1]);
        assert_eq!(g.followers(1), &[0, 2]);
        assert_eq!(g.followers(3), &[1]);
        assert!(g.follows(2, 1) && !g.follows(1, 2));
        assert_eq!(g.follow_graph().node_count(), 4);
    }

    #[test]
    fn page_rank_matches_closed_form() {
        // Two users following each other: symmetric, 1/2 each.
        let r = graph(2, &[(0, 1), (1, 0)]).page_rank(0.85, &identity(2));
        assert!((r[0] - 0.5).abs() < 1e-12 && (r[1] - 0.5).abs() < 1e-12);
        // A star: 1 and 2 follow 0; 0 is dangling.
        // r1 = r2 = (1-d)/3 + d*r0/3 ; r0 = r1 + 2*d*r1 ... solve numerically by sum = 1.
        let r = graph(3, &[(1, 0), (2, 0)]).page_rank(0.85, &identity(3));
        let d = 0.85;
        // r_leaf = (1-d)/3 + d r0 / 3, r0 = r_leaf + 2 d r_leaf  =>  r0 = r_leaf (1 + 2d)
        let leaf = ((1.0 - d) / 3.0) / (1.0 - d * (1.0 + 2.0 * d) / 3.0);
        assert!((r[1] - leaf).abs() < 1e-9, "{r:?} vs {leaf}");
        assert!((r[0] - leaf * (1.0 + 2.0 * d)).abs() < 1e-9);
        assert!((r.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }
}

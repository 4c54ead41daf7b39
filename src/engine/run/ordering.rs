//! Ordering a feed's survivors and selecting from them: the whole list (when explaining),
//! or only its top (ALGORITHM.md, "Ranking only the top").

use super::{non_finite, Scratch};
use crate::engine::order::sort;
use crate::error::Result;
use crate::pipeline::Pipeline;
use crate::stages::ViewerInput;

impl Scratch {
    /// Sorts every survivor, rescores, sorts again and selects (explanations need the
    /// whole order).
    pub(super) fn rank_whole_list(
        &mut self,
        pipeline: &Pipeline,
        input: &ViewerInput<'_>,
        k: usize,
    ) -> Result<()> {
        let (ds, n) = (input.ds, self.posts.len());
        self.order.clear();
        self.order.extend(0..n as u32);
        sort(&mut self.order, &mut self.sort_buffers, &self.scores, &self.created, &self.posts, ds);
        self.rescores.clear();
        self.rescores.resize(pipeline.rescorers.len() * n, (1.0, 0));
        for (ri, rescorer) in pipeline.rescorers.iter().enumerate() {
            self.ordered_posts.clear();
            self.ordered_posts.extend(self.order.iter().map(|&r| self.posts[r as usize]));
            self.rescore_out.clear();
            self.rescore_out.resize(n, (1.0, 0));
            rescorer.rescore(input, &self.ordered_posts, &mut self.rescore_out);
            for (pos, &row) in self.order.iter().enumerate() {
                let (m, note) = self.rescore_out[pos];
                let row = row as usize;
                self.scores[row] *= m;
                if !self.scores[row].is_finite() {
                    return Err(non_finite(rescorer.id(), ds, self.posts[row], self.scores[row]));
                }
                self.rescores[ri * n + row] = (m, note);
            }
            sort(&mut self.order, &mut self.sort_buffers, &self.scores, &self.created, &self.posts, ds);
        }

        self.safe.clone_from(&self.order);
        self.select(pipeline, input, k);
        Ok(())
    }

    /// Runs the selector over the rows of `safe`, in that order.
    fn select(&mut self, pipeline: &Pipeline, input: &ViewerInput<'_>, k: usize) {
        self.ordered_posts.clear();
        self.ordered_posts.extend(self.safe.iter().map(|&r| self.posts[r as usize]));
        self.in_network.clear();
        self.in_network.extend(self.ordered_posts.iter().map(|&p| input.follows_author(p)));
        pipeline.selector.select(&self.ordered_posts, &self.in_network, k, &mut self.selected);
    }

    /// Ranks and selects from the top of the list alone: sorts the rows scoring above the
    /// `m`-th best, rescores them, and keeps those whose final score beats anything the rows
    /// below could reach (`best score below × the rescorer's largest multiplier`). When
    /// the selector fills the feed from those, the feed is the one the whole list gives;
    /// otherwise `m` doubles and the top grows (once it holds every row, it is the whole
    /// list). Returns false (nothing decided) when the stages make no such promise or the
    /// first top would be the whole list.
    pub(super) fn select_from_top(
        &mut self,
        pipeline: &Pipeline,
        input: &ViewerInput<'_>,
        k: usize,
    ) -> Result<bool> {
        let rescorer = match pipeline.rescorers.as_slice() {
            [] => None,
            [one] => match one.max_multiplier() {
                Some(bound) => Some((one, bound)),
                None => return Ok(false),
            },
            _ => return Ok(false),
        };
        let mut m = k.saturating_mul(3).saturating_add(16);
        if !pipeline.selector.selects_from_top() || m >= self.scores.len() {
            return Ok(false);
        }
        let ds = input.ds;
        self.top.start(&self.scores);
        self.order.clear();
        // Rows of the top get their rescored score here; the others are never read.
        self.final_scores.clone_from(&self.scores);
        loop {
            let left_out = self.top.grow(m, &mut self.order, &self.created, &self.posts, ds);
            // The rows that no row left out can overtake (`safe`), then the top of their
            // final order.
            self.safe.clear();
            if let Some((rescorer, bound)) = rescorer {
                self.ordered_posts.clear();
                self.ordered_posts.extend(self.order.iter().map(|&r| self.posts[r as usize]));
                self.rescore_out.clear();
                self.rescore_out.resize(self.order.len(), (1.0, 0));
                rescorer.rescore(input, &self.ordered_posts, &mut self.rescore_out);
                for (&row, &(multiplier, _)) in self.order.iter().zip(&self.rescore_out) {
                    let row = row as usize;
                    self.final_scores[row] = self.scores[row] * multiplier;
                    if !self.final_scores[row].is_finite() {
                        return Err(non_finite(rescorer.id(), ds, self.posts[row], self.final_scores[row]));
                    }
                }
                // Multipliers lie in [0, bound]: a score below reaches at most `best_below ×
                // bound`, or 0 when negative (rounding is monotone, so this holds in f64).
                match left_out {
                    Some(row) => {
                        let best_below = self.scores[row];
                        let reachable_below = if best_below >= 0.0 { best_below * bound } else { 0.0 };
                        let safe = |&&r: &&u32| self.final_scores[r as usize] > reachable_below;
                        self.safe.extend(self.order.iter().filter(safe));
                    }
                    None => self.safe.extend_from_slice(&self.order),
                }
                // The selector takes at most one item per row.
                if self.safe.len() < k && left_out.is_some() {
                    m = m.saturating_mul(2);
                    continue;
                }
                // Their final order, from its top: as much of it as the selector needs.
                self.final_top.start_rows(&self.final_scores, &self.safe);
                self.safe.clear();
                let mut final_m = k;
                loop {
                    let more = self.final_top.grow(final_m, &mut self.safe, &self.created, &self.posts, ds);
                    self.select(pipeline, input, k);
                    if self.selected.len() == k || more.is_none() {
                        break;
                    }
                    final_m = final_m.saturating_mul(2);
                }
            } else {
                self.safe.extend_from_slice(&self.order);
                self.select(pipeline, input, k);
            }
            if self.selected.len() == k || left_out.is_none() {
                std::mem::swap(&mut self.order, &mut self.safe);
                for &row in &self.order {
                    self.scores[row as usize] = self.final_scores[row as usize];
                }
                return Ok(true);
            }
            m = m.saturating_mul(2);
        }
    }
}

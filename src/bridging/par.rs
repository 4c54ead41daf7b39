//! Parallel passes whose results do not depend on the thread count.
//!
//! Each output element is computed by exactly one call, and every floating-point sum
//! inside a call runs in a fixed order, so the results are bit-identical whether rayon
//! (feature `parallel`) uses one thread, many, or is compiled out (DESIGN §8).

use super::ratings::Observations;

/// Below this many elements a pass runs on the calling thread.
#[cfg(feature = "parallel")]
const PAR_MIN_LEN: usize = 16_384;

/// For every user `a`, sets `acc[a] = f(a, first, e)` where `e` is the part of
/// `residual` holding user `a`'s observations (which start at index `first`). In
/// parallel over blocks of users for long inputs; each user is handled by one call, so
/// the result does not depend on the thread count.
pub(super) fn per_user(
    obs: &Observations,
    residual: &mut [f64],
    acc: &mut [[f64; 3]],
    f: impl Fn(usize, usize, &mut [f64]) -> [f64; 3] + Sync + Send,
) {
    let start = &obs.user_start;
    let run = |from: usize, accs: &mut [[f64; 3]], mut rest: &mut [f64]| {
        for (i, out) in accs.iter_mut().enumerate() {
            let a = from + i;
            let (mine, tail) = std::mem::take(&mut rest).split_at_mut(start[a + 1] - start[a]);
            *out = f(a, start[a], mine);
            rest = tail;
        }
    };
    #[cfg(feature = "parallel")]
    if residual.len() >= PAR_MIN_LEN {
        use rayon::prelude::*;
        const BLOCK: usize = 256;
        let mut blocks = Vec::with_capacity(acc.len() / BLOCK + 1);
        let mut rest = residual;
        for (i, accs) in acc.chunks_mut(BLOCK).enumerate() {
            let from = i * BLOCK;
            let (mine, tail) = rest.split_at_mut(start[from + accs.len()] - start[from]);
            blocks.push((from, accs, mine));
            rest = tail;
        }
        blocks.into_par_iter().for_each(|(from, accs, mine)| run(from, accs, mine));
        return;
    }
    run(0, acc, residual);
}

/// Sets `out[i] = f(i)` for every `i`, in parallel for long slices. Each element is
/// computed by one call, so the result does not depend on the thread count.
pub(super) fn fill<T: Send>(out: &mut [T], f: impl Fn(usize) -> T + Sync + Send) {
    #[cfg(feature = "parallel")]
    if out.len() >= PAR_MIN_LEN {
        use rayon::prelude::*;
        out.par_iter_mut().enumerate().with_min_len(1024).for_each(|(i, o)| *o = f(i));
        return;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = f(i);
    }
}

/// Calls `f(&mut a[i], &mut b[i], &mut c[i], d[i])` for every `i` (the slices have equal
/// lengths), in parallel over fixed chunks for long slices.
pub(super) fn elementwise(
    a: &mut [f64],
    b: &mut [f64],
    c: &mut [f64],
    d: &[f64],
    f: impl Fn(&mut f64, &mut f64, &mut f64, f64) + Sync + Send,
) {
    debug_assert!(a.len() == b.len() && b.len() == c.len() && c.len() == d.len());
    let run = |a: &mut [f64], b: &mut [f64], c: &mut [f64], d: &[f64]| {
        for (((a, b), c), &d) in a.iter_mut().zip(b).zip(c).zip(d) {
            f(a, b, c, d);
        }
    };
    #[cfg(feature = "parallel")]
    if a.len() >= PAR_MIN_LEN {
        use rayon::prelude::*;
        const CHUNK: usize = 4096;
        a.par_chunks_mut(CHUNK)
            .zip(b.par_chunks_mut(CHUNK))
            .zip(c.par_chunks_mut(CHUNK))
            .zip(d.par_chunks(CHUNK))
            .for_each(|(((a, b), c), d)| run(a, b, c, d));
        return;
    }
    run(a, b, c, d);
}

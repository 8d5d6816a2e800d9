//! Splitting large CPU kernels over threads, with the `threads` cargo feature: elementwise
//! loops over dense runs and matrix products, each cut into one piece per core when it is
//! large enough that the work saved exceeds the cost of starting a thread (tens of
//! microseconds). Every element is computed by the same code either way, so results do
//! not depend on the feature; reductions are not split, since that would change their
//! summation order. Without the feature every kernel runs on the calling thread.

use crate::Result;

/// Elements below which an elementwise loop stays on one thread. Elementwise loops are
/// bound by memory bandwidth, which a second core adds little to, so only runs of 16 MiB
/// of `f32` and more (a millisecond or more per pass) gain more than a thread start
/// (~50 µs) costs; smaller ones measured slower split.
#[cfg(feature = "threads")]
pub(crate) const MIN_PARALLEL_ELEMENTS: usize = 1 << 22;

/// Multiply-adds below which a matrix product stays on one thread (about 100 µs of work).
#[cfg(feature = "threads")]
pub(crate) const MIN_PARALLEL_MACS: usize = 1 << 24;

/// The number of pieces a large kernel is cut into: the available cores (at most 16).
#[cfg(feature = "threads")]
pub(crate) fn threads() -> usize {
    use std::sync::OnceLock;
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(16)
    })
}

/// Calls `f(start, chunk)` for consecutive chunks of `out` that together cover it, `start`
/// being the chunk's first index: one call on this thread, or with the `threads` feature
/// and at least [`MIN_PARALLEL_ELEMENTS`] elements, one chunk per core, each on its own
/// thread (chunk boundaries on multiples of 64 elements, so no two threads write one cache
/// line).
#[inline]
pub(crate) fn for_chunks<T: Send>(out: &mut [T], f: impl Fn(usize, &mut [T]) + Sync) {
    #[cfg(feature = "threads")]
    {
        let t = threads();
        if t > 1 && out.len() >= MIN_PARALLEL_ELEMENTS {
            let chunk = out.len().div_ceil(t).next_multiple_of(64);
            let f = &f;
            std::thread::scope(|s| {
                let mut chunks = out.chunks_mut(chunk).enumerate();
                let first = chunks.next();
                for (i, c) in chunks {
                    s.spawn(move || f(i * chunk, c));
                }
                if let Some((_, c)) = first {
                    f(0, c);
                }
            });
            return;
        }
    }
    f(0, out);
}

/// A new buffer of `n` elements written by `write(start, chunk)` over chunks covering it
/// (split over threads as [`for_chunks`]). Private: its callers below write every element
/// of their chunk, which is what makes the buffer initialised.
#[inline]
fn fill_new<O: Send>(
    n: usize,
    write: impl Fn(usize, &mut [std::mem::MaybeUninit<O>]) + Sync,
) -> Result<Vec<O>> {
    let mut out = crate::device::cpu::try_vec(n)?;
    for_chunks(&mut out.spare_capacity_mut()[..n], write);
    // SAFETY: `for_chunks` gave each of the first `n` elements to exactly one `write` call,
    // and each caller in this module writes every element of the chunk it is given (it zips
    // the chunk with inputs of at least `n - start` elements, checked by its asserts).
    unsafe { out.set_len(n) };
    Ok(out)
}

/// `[f(x) for x in xs]`: the dense loop of every elementwise kernel (vectorised by the
/// compiler, split over threads when large).
#[inline]
pub(crate) fn map_new<A: Copy + Sync, O: Send>(
    xs: &[A],
    f: impl Fn(A) -> O + Sync,
) -> Result<Vec<O>> {
    fill_new(xs.len(), |start, out| {
        for (o, &x) in out.iter_mut().zip(&xs[start..]) {
            o.write(f(x));
        }
    })
}

/// `[f(x, y) for x, y in zip(xs, ys)]`, for inputs of equal length.
#[inline]
pub(crate) fn zip_new<A: Copy + Sync, B: Copy + Sync, O: Send>(
    xs: &[A],
    ys: &[B],
    f: impl Fn(A, B) -> O + Sync,
) -> Result<Vec<O>> {
    assert_eq!(xs.len(), ys.len());
    fill_new(xs.len(), |start, out| {
        for ((o, &x), &y) in out.iter_mut().zip(&xs[start..]).zip(&ys[start..]) {
            o.write(f(x, y));
        }
    })
}

/// `[f(x, y, z) for x, y, z in zip(xs, ys, zs)]`, for inputs of equal length.
#[inline]
pub(crate) fn zip3_new<A: Copy + Sync, B: Copy + Sync, C: Copy + Sync, O: Send>(
    xs: &[A],
    ys: &[B],
    zs: &[C],
    f: impl Fn(A, B, C) -> O + Sync,
) -> Result<Vec<O>> {
    assert!(xs.len() == ys.len() && xs.len() == zs.len());
    fill_new(xs.len(), |start, out| {
        let inputs = xs[start..].iter().zip(&ys[start..]).zip(&zs[start..]);
        for (o, ((&x, &y), &z)) in out.iter_mut().zip(inputs) {
            o.write(f(x, y, z));
        }
    })
}

#[cfg(all(test, feature = "threads"))]
mod tests {
    use crate::{Rank1, Rank2, Tensor, manual_seed};

    /// `a @ b` by one unsplit matrixmultiply call.
    fn sgemm_whole(m: usize, k: usize, n: usize, a: &[f32], b: &[f32]) -> Vec<f32> {
        let mut c = vec![0.0f32; m * n];
        // SAFETY: row-major a (m×k), b (k×n), c (m×n), all fully in bounds.
        unsafe {
            matrixmultiply::sgemm(
                m,
                k,
                n,
                1.0,
                a.as_ptr(),
                k as isize,
                1,
                b.as_ptr(),
                n as isize,
                1,
                0.0,
                c.as_mut_ptr(),
                n as isize,
                1,
            );
        }
        c
    }

    #[test]
    fn split_products_equal_one_product_bit_for_bit() {
        manual_seed(5);
        // Split by rows (m > n) and by columns (m <= n); both above MIN_PARALLEL_MACS.
        let a = Tensor::<Rank2<300, 250>>::randn();
        let b = Tensor::<Rank2<250, 230>>::randn();
        let want = sgemm_whole(300, 250, 230, &a.to_vec(), &b.to_vec());
        assert_eq!(a.mm(&b).to_vec(), want);
        let a = Tensor::<Rank2<130, 520>>::randn();
        let b = Tensor::<Rank2<520, 270>>::randn();
        let want = sgemm_whole(130, 520, 270, &a.to_vec(), &b.to_vec());
        assert_eq!(a.mm(&b).to_vec(), want);
        // A transposed operand.
        let at = Tensor::<Rank2<520, 130>>::randn();
        let want = sgemm_whole(130, 520, 270, &at.t().contiguous().to_vec(), &b.to_vec());
        assert_eq!(at.t().mm(&b).to_vec(), want);
    }

    #[test]
    fn split_elementwise_loops_equal_plain_loops() {
        const N: usize = (1 << 22) + 37;
        manual_seed(6);
        let a = Tensor::<Rank1<N>>::randn();
        let b = Tensor::<Rank1<N>>::randn();
        let (av, bv) = (a.to_vec(), b.to_vec());
        let sum: Vec<f32> = av.iter().zip(&bv).map(|(x, y)| x + y).collect();
        assert_eq!((&a + &b).to_vec(), sum);
        assert_eq!(
            (&a * 3.0).to_vec(),
            av.iter().map(|x| x * 3.0).collect::<Vec<_>>()
        );
        let mut own = Tensor::<Rank1<N>>::from_vec(av.clone()).unwrap();
        own += &b;
        assert_eq!(own.to_vec(), sum);
        own.clamp_(Some(0.0), None);
        let relu: Vec<f32> = sum.iter().map(|&x| if x < 0.0 { 0.0 } else { x }).collect();
        assert_eq!(own.to_vec(), relu);
        assert_eq!(
            a.gt(&b).to_vec(),
            av.iter().zip(&bv).map(|(x, y)| x > y).collect::<Vec<_>>()
        );
    }

    #[test]
    fn split_optimizer_steps_equal_steps_on_pieces() {
        use crate::device::Cpu;
        use crate::optim::{AdamScalars, OptimKernel};
        const N: usize = (1 << 22) + 100;
        manual_seed(7);
        let p = Tensor::<Rank1<N>>::randn().to_vec();
        let g = Tensor::<Rank1<N>>::randn().to_vec();
        let s = AdamScalars {
            weight_decay: Some(0.01f32),
            one_minus_beta1: 0.1,
            beta2: 0.999,
            one_minus_beta2: 0.001,
            bias_correction2_sqrt: 0.05,
            neg_step_size: -0.01,
            eps: 1e-8,
            maximize: false,
        };
        // The whole parameter at once (split over threads) ...
        let (mut p1, mut m1, mut v1) = (p.clone(), vec![0.5f32; N], vec![0.25f32; N]);
        Cpu.adam_step(N, &mut p1, &g, &mut m1, &mut v1, None, &s)
            .unwrap();
        // ... and in two halves, each below the threshold (one thread each).
        let h = N / 2;
        let (mut p2, mut m2, mut v2) = (p.clone(), vec![0.5f32; N], vec![0.25f32; N]);
        for (lo, hi) in [(0, h), (h, N)] {
            let (mut pp, mut mm, mut vv) = (
                p2[lo..hi].to_vec(),
                m2[lo..hi].to_vec(),
                v2[lo..hi].to_vec(),
            );
            Cpu.adam_step(
                hi - lo,
                &mut pp,
                &g[lo..hi].to_vec(),
                &mut mm,
                &mut vv,
                None,
                &s,
            )
            .unwrap();
            p2[lo..hi].copy_from_slice(&pp);
            m2[lo..hi].copy_from_slice(&mm);
            v2[lo..hi].copy_from_slice(&vv);
        }
        assert_eq!(p1, p2);
        assert_eq!(m1, m2);
        assert_eq!(v1, v2);
    }
}

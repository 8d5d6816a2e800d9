//! CPU matrix products: matrixmultiply's `sgemm`/`dgemm` for floats (they take arbitrary
//! strides, so transposed and sliced operands cost no copy), a plain loop for integers.
use std::mem::MaybeUninit;

use crate::Result;
use crate::device::Cpu;
use crate::dtype::NumDtype;
use crate::layout::Layout;

use super::{GemmDims, MatMulKernel, gemm_dims};

/// One `m×k` by `k×n` product into a dense row-major `m×n` block of `c`, which may be
/// uninitialised: every one of its first `m×n` elements is written.
/// `a`/`b` are whole storages; offsets and strides select the operands.
pub trait CpuGemm: Sized {
    #[allow(clippy::too_many_arguments)]
    #[doc(hidden)]
    fn gemm(
        m: usize,
        k: usize,
        n: usize,
        a: &[Self],
        a_off: usize,
        a_rs: usize,
        a_cs: usize,
        b: &[Self],
        b_off: usize,
        b_rs: usize,
        b_cs: usize,
        c: &mut [MaybeUninit<Self>],
    );
}

/// The output pointer of a product, shared by the threads that write disjoint blocks of it.
struct SyncPtr<T>(*mut T);

// SAFETY: the pointer is only used to write blocks of the output that no other thread
// writes (see `for_gemm_blocks`), while the `&mut` it was made from is borrowed.
unsafe impl<T: Send> Send for SyncPtr<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for SyncPtr<T> {}

impl<T> SyncPtr<T> {
    /// The pointer (a method, so that closures capture the wrapper, not the raw field).
    fn get(&self) -> *mut T {
        self.0
    }
}

/// Calls `block(i0, rows, j0, cols)` for blocks of an `m × n` product (with inner dimension
/// `k`) that together cover it once: the whole product on this thread, or with the
/// `threads` feature and a large product, one slab per core on its own thread. Slabs cut
/// the longer side of the output (rows if `m > n`), so that each thread packs the other,
/// smaller operand in full; each element is still one sequential sum over `k`, so the
/// result is the same either way.
fn for_gemm_blocks(
    m: usize,
    k: usize,
    n: usize,
    block: impl Fn(usize, usize, usize, usize) + Sync,
) {
    #[cfg(feature = "threads")]
    {
        use crate::device::parallel::{MIN_PARALLEL_MACS, threads};
        let t = threads();
        if t > 1 && m.saturating_mul(k).saturating_mul(n) >= MIN_PARALLEL_MACS {
            let (len, by_rows) = if m > n { (m, true) } else { (n, false) };
            // Slab edges on multiples of 32, the microkernels' largest tile side.
            let slab = len.div_ceil(t).next_multiple_of(32);
            if slab < len {
                let block = &block;
                let run = move |start: usize| {
                    let size = slab.min(len - start);
                    if by_rows {
                        block(start, size, 0, n);
                    } else {
                        block(0, m, start, size);
                    }
                };
                std::thread::scope(|s| {
                    for start in (slab..len).step_by(slab) {
                        s.spawn(move || run(start));
                    }
                    run(0);
                });
                return;
            }
        }
    }
    let _ = k;
    block(0, m, 0, n);
}

macro_rules! float_gemm {
    ($t:ty, $f:path) => {
        impl CpuGemm for $t {
            fn gemm(
                m: usize,
                k: usize,
                n: usize,
                a: &[$t],
                a_off: usize,
                a_rs: usize,
                a_cs: usize,
                b: &[$t],
                b_off: usize,
                b_rs: usize,
                b_cs: usize,
                c: &mut [MaybeUninit<$t>],
            ) {
                if m == 0 || n == 0 {
                    return;
                }
                if k == 0 {
                    c[..m * n].fill(MaybeUninit::new(0.0));
                    return;
                }
                // matrixmultiply reads past no pointer it was not given a stride for: every
                // element it touches is `x_off + i * rs + j * cs` for i < rows, j < cols.
                assert!(a_off + (m - 1) * a_rs + (k - 1) * a_cs < a.len());
                assert!(b_off + (k - 1) * b_rs + (n - 1) * b_cs < b.len());
                assert!(c.len() >= m * n);
                let c = SyncPtr(c.as_mut_ptr().cast::<$t>());
                for_gemm_blocks(m, k, n, |i0, rows, j0, cols| {
                    // SAFETY: the asserts above bound every index the kernel reads in `a`
                    // and `b` (a block reads a subset), `c` holds m*n elements and this
                    // block writes rows i0..i0+rows and columns j0..j0+cols of it with
                    // strides (n, 1), which no other block writes; `a` and `b` do not overlap
                    // `c` (a distinct `&mut`); and beta = 0 means `c` is only written
                    // (matrixmultiply: "if β is zero, then C does not need to be
                    // initialized"), so once every block has run, its first m*n elements
                    // are initialised.
                    unsafe {
                        $f(
                            rows,
                            k,
                            cols,
                            1.0,
                            a.as_ptr().add(a_off + i0 * a_rs),
                            a_rs as isize,
                            a_cs as isize,
                            b.as_ptr().add(b_off + j0 * b_cs),
                            b_rs as isize,
                            b_cs as isize,
                            0.0,
                            c.get().add(i0 * n + j0),
                            n as isize,
                            1,
                        );
                    }
                });
            }
        }
    };
}
float_gemm!(f32, matrixmultiply::sgemm);
float_gemm!(f64, matrixmultiply::dgemm);

macro_rules! int_gemm {
    ($($t:ty),*) => {$(
        impl CpuGemm for $t {
            fn gemm(
                m: usize,
                k: usize,
                n: usize,
                a: &[$t],
                a_off: usize,
                a_rs: usize,
                a_cs: usize,
                b: &[$t],
                b_off: usize,
                b_rs: usize,
                b_cs: usize,
                c: &mut [MaybeUninit<$t>],
            ) {
                c[..m * n].fill(MaybeUninit::new(0));
                // SAFETY: the first m*n elements were initialised just above, and
                // `MaybeUninit<T>` has `T`'s layout.
                let c = unsafe { &mut *(&mut c[..m * n] as *mut [MaybeUninit<$t>] as *mut [$t]) };
                // i-p-j order: the inner loop walks a row of `b` and of `c`.
                for i in 0..m {
                    for p in 0..k {
                        let av = a[a_off + i * a_rs + p * a_cs];
                        let brow = b_off + p * b_rs;
                        for (j, cv) in c[i * n..(i + 1) * n].iter_mut().enumerate() {
                            *cv = cv.wrapping_add(av.wrapping_mul(b[brow + j * b_cs]));
                        }
                    }
                }
            }
        }
    )*};
}
int_gemm!(i32, i64);

impl MatMulKernel for Cpu {
    fn matmul<E: NumDtype>(
        &self,
        a: &Vec<E>,
        la: &Layout,
        b: &Vec<E>,
        lb: &Layout,
    ) -> Result<Vec<E>> {
        let GemmDims {
            rank: r,
            batch,
            m,
            k,
            n,
        } = gemm_dims(la, lb)?;
        let total = batch * m * n;
        // Not zeroed: each product writes its whole block (beta = 0), so the output is
        // written once rather than cleared and then written.
        let mut out: Vec<E> = crate::device::cpu::try_vec(total)?;
        let (sa, sb) = (la.strides(), lb.strides());
        // Walk the batch dims as an odometer, tracking each operand's base offset.
        let mut idx = [0usize; crate::shape::MAX_RANK];
        for c in out.spare_capacity_mut()[..total]
            .chunks_mut((m * n).max(1))
            .take(batch)
        {
            let (mut oa, mut ob) = (la.offset(), lb.offset());
            for d in 0..r - 2 {
                oa += idx[d] * sa[d];
                ob += idx[d] * sb[d];
            }
            E::gemm(
                m,
                k,
                n,
                a,
                oa,
                sa[r - 2],
                sa[r - 1],
                b,
                ob,
                sb[r - 2],
                sb[r - 1],
                c,
            );
            for d in (0..r - 2).rev() {
                idx[d] += 1;
                if idx[d] < la.dims()[d] {
                    break;
                }
                idx[d] = 0;
            }
        }
        // SAFETY: the loop above gave every one of the `batch` blocks of m*n elements to a
        // `gemm`, which writes all of them.
        unsafe { out.set_len(total) };
        Ok(out)
    }
}

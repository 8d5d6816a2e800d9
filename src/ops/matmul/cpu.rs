//! CPU matrix products: matrixmultiply's `sgemm`/`dgemm` for floats (they take arbitrary
//! strides, so transposed and sliced operands cost no copy), a plain loop for integers.
use crate::Result;
use crate::device::Cpu;
use crate::dtype::NumDtype;
use crate::error::Error;
use crate::layout::Layout;

use super::MatMulKernel;

/// One `m×k` by `k×n` product into a dense row-major `m×n` block of `c`.
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
        c: &mut [Self],
    );
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
                c: &mut [$t],
            ) {
                if m == 0 || n == 0 {
                    return;
                }
                if k == 0 {
                    c.fill(0.0);
                    return;
                }
                // matrixmultiply reads past no pointer it was not given a stride for: every
                // element it touches is `x_off + i * rs + j * cs` for i < rows, j < cols.
                assert!(a_off + (m - 1) * a_rs + (k - 1) * a_cs < a.len());
                assert!(b_off + (k - 1) * b_rs + (n - 1) * b_cs < b.len());
                assert!(c.len() >= m * n);
                // SAFETY: the asserts above bound every index the kernel reads in `a` and `b`,
                // `c` holds m*n elements written with strides (n, 1), the three slices do not
                // overlap (`c` is a distinct `&mut`), and beta = 0 means `c` is only written.
                unsafe {
                    $f(
                        m,
                        k,
                        n,
                        1.0,
                        a.as_ptr().add(a_off),
                        a_rs as isize,
                        a_cs as isize,
                        b.as_ptr().add(b_off),
                        b_rs as isize,
                        b_cs as isize,
                        0.0,
                        c.as_mut_ptr(),
                        n as isize,
                        1,
                    );
                }
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
                c: &mut [$t],
            ) {
                // i-p-j order: the inner loop walks a row of `b` and of `c`.
                c[..m * n].fill(0);
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
        let r = la.dims().rank();
        if r < 2 || lb.dims().rank() != r {
            return Err(Error::Device(format!(
                "matmul needs two layouts of equal rank >= 2, got {la:?} and {lb:?}"
            )));
        }
        let (m, k, n) = (la.dims()[r - 2], la.dims()[r - 1], lb.dims()[r - 1]);
        if lb.dims()[r - 2] != k || la.dims().as_slice()[..r - 2] != lb.dims().as_slice()[..r - 2] {
            return Err(Error::Device(format!(
                "matmul operands do not fit: {la:?} and {lb:?}"
            )));
        }
        let batch: usize = la.dims().as_slice()[..r - 2].iter().product();
        let mut out = vec![E::zero(); batch * m * n];
        let (sa, sb) = (la.strides(), lb.strides());
        // Walk the batch dims as an odometer, tracking each operand's base offset.
        let mut idx = [0usize; crate::shape::MAX_RANK];
        for c in out.chunks_mut((m * n).max(1)).take(batch) {
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
        Ok(out)
    }
}

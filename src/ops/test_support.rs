//! Helpers the op families' tests (`src/ops/*/tests.rs`) share: the proptest config, the
//! element comparison, value strategies and plain index arithmetic. Each family keeps only
//! what is its own (its value ranges, references and tolerances).
use std::fmt::Debug;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// No failure file: a seed saved under `src/` would outlive the test it was written for.
pub(crate) fn cfg(cases: u32) -> ProptestConfig {
    let mut c = ProptestConfig::with_cases(cases);
    c.failure_persistence = None;
    c
}

/// One element trait for every family, so that `check` means the same thing in each.
pub(crate) trait Elem: Copy + Debug + PartialEq + 'static {
    /// Equal, NaN matching NaN.
    fn same(self, o: Self) -> bool;
    fn is_nan_(self) -> bool;
    /// The same bits: what a pure move (view, copy, gather) must preserve, `-0.0` included.
    fn bits_eq(self, o: Self) -> bool;
    /// Floats moderate with NaN and `-0.0` among them, integers over their whole range.
    fn moved() -> BoxedStrategy<Self>;
}

/// Our own `+ - *` (wrapping for integers), not `NumDtype`'s, so no kernel checks itself.
pub(crate) trait RefArith: Elem {
    fn r_add(self, o: Self) -> Self;
    fn r_sub(self, o: Self) -> Self;
    fn r_mul(self, o: Self) -> Self;
}

/// Generic over `f32` and `f64`, since the families' copies differed only by element type.
pub(crate) trait Float: Elem {
    /// Mostly moderate of both signs, sometimes huge, zero (of either sign), infinite or NaN.
    fn wide() -> BoxedStrategy<Self>;
}

/// Generic over `i32` and `i64`, since the families' copies differed only by their range.
pub(crate) trait Int: Elem {
    /// The whole range and `-k..k` equally often, sometimes exactly `MAX` or `MIN`.
    fn wide(k: i8) -> BoxedStrategy<Self>;
}

macro_rules! float_elem {
    ($($t:ident),*) => {$(
        impl Elem for $t {
            fn same(self, o: Self) -> bool {
                // Exact: the same bits, both NaN, or both zero (of either sign).
                let zero = |v: Self| v.to_bits() << 1 == 0;
                self.to_bits() == o.to_bits() || (self.is_nan() && o.is_nan()) || (zero(self) && zero(o))
            }
            fn is_nan_(self) -> bool {
                self.is_nan()
            }
            fn bits_eq(self, o: Self) -> bool {
                self.to_bits() == o.to_bits()
            }
            fn moved() -> BoxedStrategy<Self> {
                prop_oneof![
                    8 => -100.0 as $t..100.0,
                    1 => Just($t::NAN),
                    1 => Just(-0.0 as $t),
                ]
                .boxed()
            }
        }

        impl RefArith for $t {
            fn r_add(self, o: Self) -> Self {
                self + o
            }
            fn r_sub(self, o: Self) -> Self {
                self - o
            }
            fn r_mul(self, o: Self) -> Self {
                self * o
            }
        }

        impl Float for $t {
            fn wide() -> BoxedStrategy<Self> {
                prop_oneof![
                    12 => -100.0 as $t..100.0,
                    2 => -1.0e30 as $t..1.0e30,
                    1 => Just(0.0 as $t),
                    1 => Just(-0.0 as $t),
                    1 => Just($t::NAN),
                    1 => Just($t::INFINITY),
                    1 => Just($t::NEG_INFINITY),
                ]
                .boxed()
            }
        }
    )*};
}
float_elem!(f32, f64);

macro_rules! int_elem {
    ($($t:ident),*) => {$(
        impl Elem for $t {
            fn same(self, o: Self) -> bool {
                self == o
            }
            fn is_nan_(self) -> bool {
                false
            }
            fn bits_eq(self, o: Self) -> bool {
                self == o
            }
            fn moved() -> BoxedStrategy<Self> {
                any::<$t>().boxed()
            }
        }

        impl RefArith for $t {
            fn r_add(self, o: Self) -> Self {
                self.wrapping_add(o)
            }
            fn r_sub(self, o: Self) -> Self {
                self.wrapping_sub(o)
            }
            fn r_mul(self, o: Self) -> Self {
                self.wrapping_mul(o)
            }
        }

        impl Int for $t {
            fn wide(k: i8) -> BoxedStrategy<Self> {
                prop_oneof![
                    4 => any::<$t>(),
                    4 => -$t::from(k)..$t::from(k),
                    1 => Just($t::MAX),
                    1 => Just($t::MIN),
                ]
                .boxed()
            }
        }
    )*};
}
int_elem!(i32, i64);

impl Elem for bool {
    fn same(self, o: Self) -> bool {
        self == o
    }
    fn is_nan_(self) -> bool {
        false
    }
    fn bits_eq(self, o: Self) -> bool {
        self == o
    }
    fn moved() -> BoxedStrategy<Self> {
        any::<bool>().boxed()
    }
}

/// For ops that only move elements: NaN and `-0.0` expose a move that computes or rewrites.
pub(crate) fn moved_vals<E: Elem>(n: usize) -> impl Strategy<Value = Vec<E>> {
    prop::collection::vec(E::moved(), n)
}

/// Element by element, so that a failure names the first position that differs.
pub(crate) fn check<E: Elem>(what: &str, got: &[E], want: &[E]) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.len(), want.len(), "{}: length", what);
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        prop_assert!(
            g.same(*w),
            "{}: element {}: got {:?}, want {:?}",
            what,
            i,
            g,
            w
        );
    }
    Ok(())
}

/// [`check`] for results that only move elements (views, copies, gathers): bit for bit, so a
/// move that computes (turning `-0.0` into `0.0`, say) fails.
pub(crate) fn check_moved<E: Elem>(what: &str, got: &[E], want: &[E]) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.len(), want.len(), "{}: length", what);
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        prop_assert!(
            g.bits_eq(*w),
            "{}: element {}: got {:?}, want {:?} (bit for bit)",
            what,
            i,
            g,
            w
        );
    }
    Ok(())
}

/// Lets a reference be written as one expression per element.
pub(crate) fn map<E: Copy, O>(v: &[E], f: impl Fn(E) -> O) -> Vec<O> {
    v.iter().map(|&x| f(x)).collect()
}

/// Row-major multi-index of `i`: references walk by index arithmetic, not the strides tested.
pub(crate) fn unravel(mut i: usize, dims: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; dims.len()];
    for k in (0..dims.len()).rev() {
        idx[k] = i % dims[k];
        i /= dims[k];
    }
    idx
}

/// The inverse of [`unravel`], for the same reason.
pub(crate) fn ravel(idx: &[usize], dims: &[usize]) -> usize {
    idx.iter().zip(dims).fold(0, |acc, (&i, &d)| acc * d + i)
}

/// Dense `n×m` transpose of dense `m×n` `v`: a `.t()` view's expected values, stride-free.
pub(crate) fn transpose_ref<E: Copy>(v: &[E], m: usize, n: usize) -> Vec<E> {
    (0..n * m).map(|i| v[(i % m) * n + i / m]).collect()
}

/// PyTorch's rule (right-aligned, size 1 stretches), kept apart from `Broadcast`'s own.
pub(crate) fn out_dims(da: &[usize], db: &[usize]) -> Vec<usize> {
    let r = da.len().max(db.len());
    (0..r)
        .map(|i| {
            let a = (i + da.len()).checked_sub(r).map(|j| da[j]);
            let b = (i + db.len()).checked_sub(r).map(|j| db[j]);
            match (a, b) {
                (Some(x), Some(y)) if x == y => x,
                (None | Some(1), Some(y)) => y,
                (Some(x), None | Some(1)) => x,
                _ => panic!("{da:?} and {db:?} do not broadcast"),
            }
        })
        .collect()
}

/// Flat position in an operand of dims `d` of output index `out`, without stride-0 views.
pub(crate) fn source(out: &[usize], d: &[usize]) -> usize {
    let off = out.len() - d.len();
    d.iter().enumerate().fold(0, |acc, (j, &n)| {
        acc * n + if n == 1 { 0 } else { out[off + j] }
    })
}

/// `(dims, f(a, b))` broadcast by plain loops, independent of the kernels' stride walking.
pub(crate) fn bcast<A: Copy, B: Copy, O>(
    a: &[A],
    da: &[usize],
    b: &[B],
    db: &[usize],
    f: impl Fn(A, B) -> O,
) -> (Vec<usize>, Vec<O>) {
    let dims = out_dims(da, db);
    let n: usize = dims.iter().product();
    let v = (0..n)
        .map(|i| {
            let idx = unravel(i, &dims);
            f(a[source(&idx, da)], b[source(&idx, db)])
        })
        .collect();
    (dims, v)
}

//! Shapes as types: `Rank2<5, 3>` is the type of a 5×3 tensor's shape.
//!
//! A shape type carries its dimensions as const generics, so the compiler knows them, and a
//! shape *value* answers [`Shape::dims`] at run time. Kernels and layouts only use the run-time
//! answer: a later shape type with a run-time-sized dimension (a data-dependent batch) can
//! implement [`Shape`] without touching any kernel.
//!
//! The rules that relate shapes (which shapes can be added, multiplied, viewed as each other)
//! live beside their ops in [`crate::ops`]; this module holds what they share: the shape types,
//! the typenum bridge for rules that need arithmetic, and the compile-time message builder.
use std::fmt;

pub mod axis;
mod axis_impls;
pub mod msg;
mod tn_table;
pub mod typenum_bridge;
pub mod window;

/// The highest rank a tensor can have.
pub const MAX_RANK: usize = 4;

/// The dimensions of a shape at run time: a small inline array, no allocation.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dims {
    len: usize,
    d: [usize; MAX_RANK],
}

impl Dims {
    /// Builds dims from a slice of at most [`MAX_RANK`] sizes (`None` past that).
    pub fn new(dims: &[usize]) -> Option<Self> {
        if dims.len() > MAX_RANK {
            return None;
        }
        let mut d = [0; MAX_RANK];
        d[..dims.len()].copy_from_slice(dims);
        Some(Dims { len: dims.len(), d })
    }
    pub(crate) const fn from_array<const R: usize>(dims: [usize; R]) -> Self {
        let mut d = [0; MAX_RANK];
        let mut i = 0;
        while i < R {
            d[i] = dims[i];
            i += 1;
        }
        Dims { len: R, d }
    }
    /// The sizes, outermost first.
    pub fn as_slice(&self) -> &[usize] {
        &self.d[..self.len]
    }
    /// Number of dimensions.
    pub fn rank(&self) -> usize {
        self.len
    }
    /// Number of elements (1 for a rank-0 shape).
    pub fn numel(&self) -> usize {
        self.as_slice().iter().product()
    }
}

impl std::ops::Index<usize> for Dims {
    type Output = usize;
    fn index(&self, i: usize) -> &usize {
        &self.as_slice()[i]
    }
}

impl fmt::Debug for Dims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

/// `torch.Size([5, 3])`: what [`Tensor::shape`](crate::Tensor::shape) returns.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Size(pub Dims);

impl Size {
    /// The sizes, outermost first.
    pub fn as_slice(&self) -> &[usize] {
        self.0.as_slice()
    }
}

impl std::ops::Index<usize> for Size {
    type Output = usize;
    fn index(&self, i: usize) -> &usize {
        &self.0[i]
    }
}

impl PartialEq<[usize]> for Size {
    fn eq(&self, other: &[usize]) -> bool {
        self.as_slice() == other
    }
}
impl<const N: usize> PartialEq<[usize; N]> for Size {
    fn eq(&self, other: &[usize; N]) -> bool {
        self.as_slice() == other
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "torch.Size([")?;
        for (i, d) in self.as_slice().iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{d}")?;
        }
        write!(f, "])")
    }
}

/// A dimension whose size is known only at run time: `Rank2<DYN, 4>` is a matrix with four
/// columns and any number of rows (a batch read from a file, the last, smaller mini-batch).
///
/// `DYN` is a sentinel value of the const parameter (`usize::MAX`, which rustc's messages
/// print as `usize::MAX`); the shape *value* carries the run-time size. Code generic over a
/// dimension (`fn forward<const B: usize>(x: &Tensor<Rank2<B, 1000>>)`) therefore takes a
/// run-time batch unchanged. A static dimension never meets a `DYN` one implicitly:
/// convert with [`Tensor::to_dyn`](crate::Tensor::to_dyn) (free) or
/// [`Tensor::try_into_shape`](crate::Tensor::try_into_shape) (checked at run time).
///
/// ```
/// use typetensor::{DYN, Rank2, Tensor};
/// let n = 3; // known only when the program runs
/// let x = Tensor::<Rank2<DYN, 4>>::zeros_dims(&[n, 4]).unwrap(); // torch.zeros(n, 4)
/// assert_eq!(x.shape().to_string(), "torch.Size([3, 4])");
/// let y = Tensor::<Rank2<DYN, 4>>::ones_dims(&[n, 4]).unwrap();
/// let z = &x + &y; // both batches have n rows: checked when the program runs
/// assert_eq!(z.sum().item(), 12.0);
/// ```
pub const DYN: usize = usize::MAX;

/// A tensor shape: a type whose value knows its dimensions.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tensor shape",
    note = "shapes are `Rank0`, `Rank1<N>`, `Rank2<M, N>`, `Rank3<A, B, C>` and `Rank4<A, B, C, D>`"
)]
pub trait Shape: Copy + fmt::Debug + Send + Sync + 'static {
    /// Number of dimensions.
    const RANK: usize;
    /// Whether every dimension is known at compile time (no [`DYN`]).
    const IS_STATIC: bool;
    /// The dimensions of this shape value.
    fn dims(&self) -> Dims;
    /// The dimensions the type states, with [`DYN`] (`usize::MAX`) where it leaves one to
    /// run time: `[DYN, 4]` for `Rank2<DYN, 4>`.
    const TYPE_DIMS: &'static [usize];
    /// [`TYPE_DIMS`](Self::TYPE_DIMS) as [`Dims`].
    fn type_dims() -> Dims {
        Dims::new(Self::TYPE_DIMS).unwrap_or(Dims::from_array([]))
    }
    /// The shape value with these dimensions, or `None` if the type cannot have them (another
    /// rank, or a static dimension of another size). A [`DYN`] position takes any size.
    fn from_dims(dims: &Dims) -> Option<Self>;
    /// Number of elements.
    fn numel(&self) -> usize {
        self.dims().numel()
    }
}

/// A shape whose every dimension is known at compile time, so a value needs no input.
///
/// Implemented for every `RankN`; for a shape with a [`DYN`] dimension, using `DIMS`,
/// `NUMEL` or `default()` (what `zeros()`, `randn()` and other input-free constructors do)
/// fails the build with a message saying which constructor to use instead (`zeros_dims`).
pub trait ConstShape: Shape + Default {
    /// Evaluating it fails the build for a shape with a [`DYN`] dimension: input-free
    /// constructors name it (`const { S::ASSERT_STATIC }`), so the error points at the
    /// user's call.
    const ASSERT_STATIC: ();
    /// The dimensions, outermost first.
    const DIMS: &'static [usize];
    /// Number of elements.
    const NUMEL: usize;
}

/// The build-time message for an input-free constructor of a shape with a run-time dimension.
const fn not_static(name: &str, dims: &[usize]) -> msg::Msg {
    msg::Msg::new()
        .s("`")
        .s(name)
        .params(dims)
        .s("` has a run-time (DYN) dimension, so a constructor without sizes cannot make it: use `zeros_dims(&[n, ..])` (`ones_dims`, `randn_dims`, ...), `from_vec` or a `_like` form")
}

macro_rules! rank {
    ($(#[$doc:meta])* $name:ident, $rank:literal, [$($d:ident),*]) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name<$(const $d: usize),*> {
            // The run-time sizes; a static position always holds its const parameter.
            dims: [usize; $rank],
        }

        impl<$(const $d: usize),*> Shape for $name<$($d),*> {
            const RANK: usize = $rank;
            const IS_STATIC: bool = true $(&& $d != DYN)*;
            #[inline]
            #[allow(clippy::reversed_empty_ranges)] // Rank0 has no dims to loop over
            fn dims(&self) -> Dims {
                // A static position reads its const parameter, so the compiler knows it.
                let ty: [usize; $rank] = [$($d),*];
                let mut d = self.dims;
                for (d, t) in d.iter_mut().zip(ty) {
                    if t != DYN {
                        *d = t;
                    }
                }
                Dims::from_array(d)
            }
            const TYPE_DIMS: &'static [usize] = &[$($d),*];
            #[allow(clippy::reversed_empty_ranges)]
            fn from_dims(dims: &Dims) -> Option<Self> {
                let ty: [usize; $rank] = [$($d),*];
                let got = dims.as_slice();
                if got.len() != $rank {
                    return None;
                }
                let mut d = [0usize; $rank];
                for i in 0..$rank {
                    if (ty[i] != DYN && got[i] != ty[i]) || got[i] == DYN {
                        return None;
                    }
                    d[i] = got[i];
                }
                Some($name { dims: d })
            }
        }

        impl<$(const $d: usize),*> Default for $name<$($d),*> {
            /// The value of a static shape. Fails the build for a shape with a [`DYN`]
            /// dimension, whose size no default can know.
            fn default() -> Self {
                const { <Self as ConstShape>::ASSERT_STATIC };
                $name { dims: [$($d),*] }
            }
        }

        impl<$(const $d: usize),*> ConstShape for $name<$($d),*> {
            const ASSERT_STATIC: () = if !<Self as Shape>::IS_STATIC {
                panic!("{}", not_static(stringify!($name), &[$($d),*]).as_str())
            };
            const DIMS: &'static [usize] = {
                let () = <Self as ConstShape>::ASSERT_STATIC;
                &[$($d),*]
            };
            const NUMEL: usize = {
                let () = <Self as ConstShape>::ASSERT_STATIC;
                1 $(* $d)*
            };
        }

        impl<$(const $d: usize),*> fmt::Debug for $name<$($d),*> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}{:?}", stringify!($name), self.dims())
            }
        }
    };
}

/// The dims of an elementwise result under the typed broadcast rule (equal shapes, or the
/// lower-rank operand equal to the other's trailing dims), checked at run time.
///
/// The types already guarantee the ranks and every static size; only [`DYN`] sizes can
/// differ here. Size-1 dims never stretch: a run-time batch of 1 does not broadcast onto one
/// of 64, as a static `Rank2<1, N>` would not.
pub(crate) fn broadcast_dims(op: &'static str, a: Dims, b: Dims) -> crate::Result<Dims> {
    let (big, small) = if a.rank() >= b.rank() { (a, b) } else { (b, a) };
    if big.as_slice()[big.rank() - small.rank()..] == *small.as_slice() {
        Ok(big)
    } else {
        Err(crate::Error::IncompatibleShapes {
            op,
            lhs: a.as_slice().to_vec(),
            rhs: b.as_slice().to_vec(),
            rule: "elementwise operands need equal shapes, or one equal to the trailing dimensions of the other",
        })
    }
}

/// Checks at run time that `src` broadcasts onto `dst` without changing it (the in-place,
/// `copy_`, `masked_fill` and `where_` rule): `src` equals `dst`'s trailing dims.
pub(crate) fn check_onto(op: &'static str, dst: Dims, src: Dims) -> crate::Result<()> {
    if src.rank() <= dst.rank() && dst.as_slice()[dst.rank() - src.rank()..] == *src.as_slice() {
        Ok(())
    } else {
        Err(crate::Error::IncompatibleShapes {
            op,
            lhs: dst.as_slice().to_vec(),
            rhs: src.as_slice().to_vec(),
            rule: "the right operand must equal the left's shape or its trailing dimensions",
        })
    }
}

/// The shape value of type `S` with these run-time dims, or an error naming the type's
/// dims and the ones found.
pub fn shape_from_dims<S: Shape>(dims: &[usize]) -> crate::Result<S> {
    Dims::new(dims)
        .and_then(|d| S::from_dims(&d))
        .ok_or_else(|| crate::Error::ShapeMismatch {
            expected: S::type_dims().as_slice().to_vec(),
            found: dims.to_vec(),
        })
}

/// A shape no tensor ever has. Shape rules give it a second, unusable impl: with two impls
/// rustc reports a failed rule through its `on_unimplemented` message (naming the shapes)
/// instead of unifying the one impl's parameters ("expected `1000`, found `999`") or
/// listing typenum's internals.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShapeProbe;

/// A second probe, for rules relating two shapes.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShapeProbe2;

macro_rules! probe_shape {
    ($($t:ident),*) => {$(
        impl Shape for $t {
            const RANK: usize = 0;
            const IS_STATIC: bool = true;
            fn dims(&self) -> Dims {
                Dims::from_array([])
            }
            const TYPE_DIMS: &'static [usize] = &[];
            fn from_dims(_: &Dims) -> Option<Self> {
                None
            }
        }
    )*};
}
probe_shape!(ShapeProbe, ShapeProbe2);

rank!(
    /// The shape of a scalar (0-d) tensor: `torch.tensor(2.0)`.
    Rank0, 0, []
);
rank!(
    /// A vector of `A` elements: `torch.Size([A])`.
    Rank1, 1, [A]
);
rank!(
    /// An `M`×`N` matrix: `torch.Size([M, N])`.
    Rank2, 2, [M, N]
);
rank!(
    /// A rank-3 shape: `torch.Size([A, B, C])`.
    Rank3, 3, [A, B, C]
);
rank!(
    /// A rank-4 shape: `torch.Size([A, B, C, D])`.
    Rank4, 4, [A, B, C, D]
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dims_and_numel() {
        assert_eq!(Rank2::<5, 3>::default().dims().as_slice(), &[5, 3]);
        assert_eq!(Rank0::default().numel(), 1);
        assert_eq!(<Rank3<2, 0, 4> as ConstShape>::NUMEL, 0);
        assert_eq!(format!("{:?}", Rank2::<5, 3>::default()), "Rank2[5, 3]");
        assert_eq!(
            Size(Rank2::<5, 3>::default().dims()).to_string(),
            "torch.Size([5, 3])"
        );
        assert_eq!(Size(Rank0::default().dims()).to_string(), "torch.Size([])");
        assert!(Dims::new(&[1, 2, 3, 4, 5]).is_none());
    }
}

#[cfg(test)]
mod dyn_tests {
    use super::*;

    #[test]
    fn dyn_positions_take_any_size_static_ones_their_own() {
        let d = Dims::new(&[7, 4]).unwrap();
        let s = Rank2::<DYN, 4>::from_dims(&d).unwrap();
        assert_eq!(s.dims(), d);
        assert_eq!(format!("{s:?}"), "Rank2[7, 4]");
        assert!(Rank2::<DYN, 4>::from_dims(&Dims::new(&[7, 5]).unwrap()).is_none());
        assert!(Rank2::<DYN, 4>::from_dims(&Dims::new(&[7]).unwrap()).is_none());
        assert!(Rank2::<DYN, 4>::from_dims(&Dims::new(&[DYN, 4]).unwrap()).is_none());
        assert!(Rank2::<3, 4>::from_dims(&d).is_none());
        assert_eq!(Rank2::<DYN, 4>::type_dims().as_slice(), &[DYN, 4]);
        const { assert!(!<Rank2<DYN, 4> as Shape>::IS_STATIC) };
        const { assert!(<Rank2<3, 4> as Shape>::IS_STATIC) };
    }
}

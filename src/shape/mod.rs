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

/// A tensor shape: a type whose value knows its dimensions.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tensor shape",
    note = "shapes are `Rank0`, `Rank1<N>`, `Rank2<M, N>`, `Rank3<A, B, C>` and `Rank4<A, B, C, D>`"
)]
pub trait Shape: Copy + fmt::Debug + Send + Sync + 'static {
    /// Number of dimensions.
    const RANK: usize;
    /// The dimensions of this shape value.
    fn dims(&self) -> Dims;
    /// The shape value with these dimensions, or `None` if the type cannot have them.
    fn from_dims(dims: &Dims) -> Option<Self>;
    /// Number of elements.
    fn numel(&self) -> usize {
        self.dims().numel()
    }
}

/// A shape whose every dimension is known at compile time, so a value needs no input.
pub trait ConstShape: Shape + Default {
    /// The dimensions, outermost first.
    const DIMS: &'static [usize];
    /// Number of elements.
    const NUMEL: usize;
}

macro_rules! rank {
    ($(#[$doc:meta])* $name:ident, $rank:literal, [$($d:ident),*]) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $name<$(const $d: usize),*>;

        impl<$(const $d: usize),*> Shape for $name<$($d),*> {
            const RANK: usize = $rank;
            fn dims(&self) -> Dims {
                Dims::from_array([$($d),*])
            }
            fn from_dims(dims: &Dims) -> Option<Self> {
                let want: [usize; $rank] = [$($d),*];
                (dims.as_slice() == want.as_slice()).then_some($name)
            }
        }

        impl<$(const $d: usize),*> ConstShape for $name<$($d),*> {
            const DIMS: &'static [usize] = &[$($d),*];
            const NUMEL: usize = 1 $(* $d)*;
        }

        impl<$(const $d: usize),*> fmt::Debug for $name<$($d),*> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}{:?}", stringify!($name), self.dims())
            }
        }
    };
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
            fn dims(&self) -> Dims {
                Dims::from_array([])
            }
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
        assert_eq!(Rank2::<5, 3>.dims().as_slice(), &[5, 3]);
        assert_eq!(Rank0.numel(), 1);
        assert_eq!(<Rank3<2, 0, 4> as ConstShape>::NUMEL, 0);
        assert_eq!(format!("{:?}", Rank2::<5, 3>), "Rank2[5, 3]");
        assert_eq!(Size(Rank2::<5, 3>.dims()).to_string(), "torch.Size([5, 3])");
        assert_eq!(Size(Rank0.dims()).to_string(), "torch.Size([])");
        assert!(Dims::new(&[1, 2, 3, 4, 5]).is_none());
    }
}

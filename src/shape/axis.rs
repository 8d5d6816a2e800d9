//! Type-level dimension lookup and editing, the building blocks of the per-axis shape
//! rules (reductions, transposes, slicing, `cat`, `unsqueeze`). Each trait is implemented
//! once per (rank, axis) in the generated `axis_impls.rs`, so an axis past the rank is a
//! missing impl: a compile error that names the shape and the axis.
use super::Shape;

/// The size of dimension `AX`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no dimension {AX}",
    label = "dimension {AX} is out of range for this shape",
    note = "dimensions count from 0: `Rank2<M, N>` has dimensions 0 and 1"
)]
pub trait DimAt<const AX: usize>: Shape {
    /// The size.
    const SIZE: usize;
    /// The size as a type, `Dim<SIZE>`.
    type Dim;
}

/// This shape with dimension `AX` set to `D` (a `Dim<N>`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no dimension {AX}",
    label = "dimension {AX} is out of range for this shape",
    note = "dimensions count from 0: `Rank2<M, N>` has dimensions 0 and 1"
)]
pub trait ReplaceDim<const AX: usize, D>: Shape {
    /// The edited shape.
    type Out: Shape;
}

/// This shape without dimension `AX`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no dimension {AX} to reduce or remove",
    label = "dimension {AX} is out of range for this shape",
    note = "dimensions count from 0: `Rank2<M, N>` has dimensions 0 and 1"
)]
pub trait RemoveDim<const AX: usize>: Shape {
    /// The shape with one dimension fewer.
    type Out: Shape;
}

/// This shape with a new size-1 dimension at position `AX`.
#[diagnostic::on_unimplemented(
    message = "cannot insert a dimension at position {AX} of `{Self}`",
    label = "position {AX} is past the end, or the result would exceed rank 4",
    note = "a `RankN` shape takes a new dimension at positions 0..=N"
)]
pub trait InsertDim<const AX: usize>: Shape {
    /// The shape with one dimension more.
    type Out: Shape;
}

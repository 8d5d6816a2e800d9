//! How each element type sits in a device's memory: the one thing device backends need
//! to know about a [`Dtype`](crate::Dtype) beyond its Rust type. Sealed (a supertrait of
//! `Dtype`, implemented for exactly its five types).

/// An element type as device kernels see it: the suffix of its kernel names and, with the
/// `cuda` feature, the plain-old-data type that holds it in GPU memory (`bool` is one byte,
/// `u8` 0 or 1, since `bool` itself is not `DeviceCopy`).
pub trait DeviceElement: Sized + Copy + Send + Sync + 'static {
    /// The dtype part of kernel names: `binary_add_<SUFFIX>`.
    const SUFFIX: &'static str;

    /// The type that holds the element in CUDA device memory.
    #[cfg(feature = "cuda")]
    type Cuda: cust::memory::DeviceCopy + Copy + Default + Send + Sync + std::fmt::Debug + 'static;

    /// The element as the device stores it.
    #[cfg(feature = "cuda")]
    fn to_cuda(self) -> Self::Cuda;

    /// The element back from the device (any byte is a valid `bool`: nonzero is true).
    #[cfg(feature = "cuda")]
    fn from_cuda(v: Self::Cuda) -> Self;
}

macro_rules! same_repr {
    ($($t:ty => $s:literal),*) => {$(
        impl DeviceElement for $t {
            const SUFFIX: &'static str = $s;
            #[cfg(feature = "cuda")]
            type Cuda = $t;
            #[cfg(feature = "cuda")]
            #[inline]
            fn to_cuda(self) -> $t {
                self
            }
            #[cfg(feature = "cuda")]
            #[inline]
            fn from_cuda(v: $t) -> $t {
                v
            }
        }
    )*};
}
same_repr!(f32 => "f32", f64 => "f64", i32 => "i32", i64 => "i64");

impl DeviceElement for bool {
    const SUFFIX: &'static str = "bool";
    #[cfg(feature = "cuda")]
    type Cuda = u8;
    #[cfg(feature = "cuda")]
    #[inline]
    fn to_cuda(self) -> u8 {
        u8::from(self)
    }
    #[cfg(feature = "cuda")]
    #[inline]
    fn from_cuda(v: u8) -> bool {
        v != 0
    }
}

//! The element types that have a `.npy` representation.

use super::dtype::{ByteOrder, Kind};

/// An element type that has a `.npy` representation: `f32` (`"<f4"`),
/// `f64` (`"<f8"`), `i32` (`"<i4"`), `i64` (`"<i8"`) and `bool` (`"|b1"`).
///
/// The trait is sealed: the byte conversions it relies on are private, so
/// the set of types is fixed by this crate and every one of them is known to
/// match a NumPy dtype exactly.
///
/// ```
/// use typetensor::npy::NpyElement;
/// assert_eq!(<f32 as NpyElement>::DESCR, "<f4");
/// assert_eq!(<bool as NpyElement>::DTYPE_NAME, "bool");
/// ```
pub trait NpyElement: Copy + 'static + sealed::Sealed {
    /// The header `descr` that [`write_npy`](super::write_npy) writes for
    /// this type, as NumPy itself writes it (e.g. `"<f4"`).
    const DESCR: &'static str;
    /// NumPy's name for this dtype (e.g. `"float32"`), used in messages.
    const DTYPE_NAME: &'static str;
}

pub(crate) mod sealed {
    use super::{ByteOrder, Kind};

    /// A byte that is not a valid value of the element type (only `bool`
    /// has such bytes), at `index` within the decoded slice.
    #[derive(Debug)]
    pub struct InvalidByte {
        pub index: usize,
        pub byte: u8,
    }

    pub trait Sealed: Sized {
        const KIND: Kind;
        /// Bytes per element, which is also `size_of::<Self>()`.
        const SIZE: usize;
        /// Appends the elements encoded in `bytes` (a whole number of
        /// elements) to `out`.
        fn decode(bytes: &[u8], order: ByteOrder, out: &mut Vec<Self>) -> Result<(), InvalidByte>;
        /// Appends the little-endian encoding of `data` to `out`.
        fn encode(data: &[Self], out: &mut Vec<u8>);
    }
}

macro_rules! numeric_element {
    ($t:ty, $kind:expr, $size:literal, $descr:literal, $name:literal) => {
        impl NpyElement for $t {
            const DESCR: &'static str = $descr;
            const DTYPE_NAME: &'static str = $name;
        }

        impl sealed::Sealed for $t {
            const KIND: Kind = $kind;
            const SIZE: usize = $size;

            fn decode(
                bytes: &[u8],
                order: ByteOrder,
                out: &mut Vec<Self>,
            ) -> Result<(), sealed::InvalidByte> {
                // `as_chunks` hands out fixed-size arrays, so the conversion
                // needs neither `unsafe` nor a fallible `try_into`.
                let (chunks, _) = bytes.as_chunks::<$size>();
                match order {
                    ByteOrder::Little => out.extend(chunks.iter().map(|&c| <$t>::from_le_bytes(c))),
                    ByteOrder::Big => out.extend(chunks.iter().map(|&c| <$t>::from_be_bytes(c))),
                }
                Ok(())
            }

            fn encode(data: &[Self], out: &mut Vec<u8>) {
                out.extend(data.iter().flat_map(|x| x.to_le_bytes()));
            }
        }
    };
}

numeric_element!(f32, Kind::Float, 4, "<f4", "float32");
numeric_element!(f64, Kind::Float, 8, "<f8", "float64");
numeric_element!(i32, Kind::Int, 4, "<i4", "int32");
numeric_element!(i64, Kind::Int, 8, "<i8", "int64");

impl NpyElement for bool {
    const DESCR: &'static str = "|b1";
    const DTYPE_NAME: &'static str = "bool";
}

impl sealed::Sealed for bool {
    const KIND: Kind = Kind::Bool;
    const SIZE: usize = 1;

    fn decode(
        bytes: &[u8],
        _order: ByteOrder,
        out: &mut Vec<Self>,
    ) -> Result<(), sealed::InvalidByte> {
        // NumPy only ever writes 0 and 1; anything else means the file is
        // not what it claims to be, and accepting it as `true` would hide
        // that.
        out.reserve(bytes.len());
        for (index, &byte) in bytes.iter().enumerate() {
            match byte {
                0 => out.push(false),
                1 => out.push(true),
                _ => return Err(sealed::InvalidByte { index, byte }),
            }
        }
        Ok(())
    }

    fn encode(data: &[Self], out: &mut Vec<u8>) {
        out.extend(data.iter().map(|&b| u8::from(b)));
    }
}

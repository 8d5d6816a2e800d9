//! Reading, validating and writing the `.npy` header.
//!
//! Layout (numpy/lib/format.py): the magic `\x93NUMPY`, a major and minor
//! version byte, the header length (little-endian `u16` in version 1.0,
//! `u32` in 2.0 and 3.0), then the header: a Python dict literal, latin-1
//! encoded (UTF-8 in 3.0), padded with spaces and a final newline so the data
//! starts at a multiple of 64 bytes.

use std::fmt::{self, Write as _};
use std::io::Read;

use super::error::NpyError;
use super::literal::{self, IntLit, Value};
use super::read_full;

pub(crate) const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Magic plus the two version bytes.
const PREFIX_LEN: usize = MAGIC.len() + 2;

/// Data starts on a multiple of this, which is what lets NumPy memory-map
/// files; we reproduce it so our output is byte-identical to NumPy's.
const ARRAY_ALIGN: usize = 64;

/// NumPy leaves room after the dict for the growing axis to reach this many
/// digits, so `np.lib.format.open_memmap`-style appenders can rewrite the
/// shape in place. Reproduced for byte-identical output.
const GROWTH_AXIS_MAX_DIGITS: usize = 21;

/// Largest header this reader accepts. NumPy itself refuses headers over
/// 10 000 characters unless told to trust the file; real headers for the
/// dtypes we support are far smaller. The cap keeps a hostile 4 GiB length
/// field from turning into a 4 GiB allocation.
pub(crate) const MAX_HEADER_LEN: u64 = 1 << 20;

/// Shapes longer than this are abbreviated in error messages.
const SHAPE_DISPLAY_DIMS: usize = 16;

/// The `descr` value of a header.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Descr {
    /// A dtype string such as `<f4`, not yet interpreted.
    Simple(String),
    /// A structured or sub-array dtype (a list, tuple or dict), kept as its
    /// Python repr for the error message that refuses it.
    Compound(String),
}

impl Descr {
    pub(crate) fn text(&self) -> &str {
        match self {
            Descr::Simple(s) | Descr::Compound(s) => s,
        }
    }
}

/// A validated header.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Header {
    pub descr: Descr,
    pub fortran_order: bool,
    /// Non-negative integers, possibly too large for `usize`: that is
    /// reported as [`NpyError::ShapeTooLarge`] once the element size is known.
    pub shape: Vec<IntLit>,
}

/// Reads the magic, version, length and header dict, leaving `reader` at the
/// first data byte.
pub(crate) fn read_header<R: Read>(reader: &mut R) -> Result<Header, NpyError> {
    let mut prefix = [0u8; PREFIX_LEN];
    let got = read_full(reader, &mut prefix)?;
    let magic_part = got.min(MAGIC.len());
    if prefix[..magic_part] != MAGIC[..magic_part] || got == 0 {
        return Err(NpyError::NotNpy {
            found: prefix[..got].to_vec(),
        });
    }
    if got < PREFIX_LEN {
        // The shortest possible prefix is magic, version and a u16 length.
        return Err(NpyError::TruncatedHeader {
            expected: (PREFIX_LEN + 2) as u64,
            found: got as u64,
        });
    }
    let (major, minor) = (prefix[6], prefix[7]);
    let (len_size, utf8) = match (major, minor) {
        (1, 0) => (2, false),
        (2, 0) => (4, false),
        (3, 0) => (4, true),
        _ => return Err(NpyError::UnsupportedVersion { major, minor }),
    };

    let mut len_bytes = [0u8; 4];
    let got = read_full(reader, &mut len_bytes[..len_size])?;
    if got < len_size {
        return Err(NpyError::TruncatedHeader {
            expected: (PREFIX_LEN + len_size) as u64,
            found: (PREFIX_LEN + got) as u64,
        });
    }
    // Unused high bytes stay zero for the two-byte version 1.0 length.
    let header_len = u64::from(u32::from_le_bytes(len_bytes));
    if header_len > MAX_HEADER_LEN {
        return Err(NpyError::HeaderTooLong {
            len: header_len,
            max: MAX_HEADER_LEN,
        });
    }

    let start = (PREFIX_LEN + len_size) as u64;
    let mut text = Vec::new();
    let got = reader.take(header_len).read_to_end(&mut text)? as u64;
    if got < header_len {
        return Err(NpyError::TruncatedHeader {
            expected: start + header_len,
            found: start + got,
        });
    }

    let text = if utf8 {
        String::from_utf8(text).map_err(|e| malformed(format!("header is not valid UTF-8: {e}")))?
    } else {
        // Latin-1 maps every byte to the code point of the same value.
        text.iter().map(|&b| char::from(b)).collect()
    };
    // NumPy strips Python 2 `L` suffixes only for the formats Python 2 could
    // have written.
    let value = literal::parse(&text, !utf8).map_err(malformed)?;
    validate(value)
}

fn malformed(reason: impl Into<String>) -> NpyError {
    NpyError::MalformedHeader {
        reason: reason.into(),
    }
}

/// The repr of a value, shortened so a pathological header cannot produce a
/// megabyte-long error message.
fn snippet(value: &Value) -> String {
    const MAX_CHARS: usize = 80;
    let repr = value.to_string();
    match repr.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}...", &repr[..cut]),
        None => repr,
    }
}

/// Checks the dict has exactly the three expected keys with values of the
/// right types, as NumPy's `_read_array_header` does.
fn validate(value: Value) -> Result<Header, NpyError> {
    let Value::Dict(pairs) = value else {
        return Err(malformed(format!(
            "expected a dict, found {}: {}",
            value.type_name(),
            snippet(&value)
        )));
    };
    let mut descr = None;
    let mut fortran_order = None;
    let mut shape = None;
    for (key, value) in pairs {
        let Value::Str(name) = &key else {
            return Err(malformed(format!(
                "dict keys must be strings, found {}: {}",
                key.type_name(),
                snippet(&key)
            )));
        };
        let slot = match name.as_str() {
            "descr" => &mut descr,
            "fortran_order" => &mut fortran_order,
            "shape" => &mut shape,
            _ => {
                return Err(malformed(format!(
                    "unknown key {} (expected exactly 'descr', 'fortran_order' and 'shape')",
                    snippet(&key)
                )));
            }
        };
        // Python would let the last duplicate win; a duplicate never comes
        // from a real writer, so it is safer to refuse than to guess.
        if slot.replace(value).is_some() {
            return Err(malformed(format!("key '{name}' appears more than once")));
        }
    }
    let missing = |name: &str| malformed(format!("missing key '{name}'"));
    let descr = descr.ok_or_else(|| missing("descr"))?;
    let fortran_order = fortran_order.ok_or_else(|| missing("fortran_order"))?;
    let shape = shape.ok_or_else(|| missing("shape"))?;

    let Value::Tuple(dims) = shape else {
        return Err(malformed(format!(
            "'shape' must be a tuple of ints, found {}: {}",
            shape.type_name(),
            snippet(&shape)
        )));
    };
    let mut shape = Vec::with_capacity(dims.len());
    for (i, dim) in dims.into_iter().enumerate() {
        match dim {
            Value::Int(d) if d.negative => {
                return Err(malformed(format!(
                    "'shape' has a negative dimension {d} at index {i}"
                )));
            }
            Value::Int(d) => shape.push(d),
            other => {
                return Err(malformed(format!(
                    "'shape' must be a tuple of ints, but element {i} is {}: {}",
                    other.type_name(),
                    snippet(&other)
                )));
            }
        }
    }

    let Value::Bool(fortran_order) = fortran_order else {
        return Err(malformed(format!(
            "'fortran_order' must be True or False, found {}: {}",
            fortran_order.type_name(),
            snippet(&fortran_order)
        )));
    };

    let descr = match descr {
        Value::Str(s) => Descr::Simple(s),
        // Structured (list/dict) and sub-array (tuple) dtypes are valid
        // NumPy but have no tensor equivalent; they are refused later as a
        // dtype mismatch, which is the more useful message.
        v @ (Value::List(_) | Value::Tuple(_) | Value::Dict(_)) => Descr::Compound(snippet(&v)),
        other => {
            return Err(malformed(format!(
                "'descr' must be a dtype string, found {}: {}",
                other.type_name(),
                snippet(&other)
            )));
        }
    };

    Ok(Header {
        descr,
        fortran_order,
        shape,
    })
}

/// The shape as a Python tuple, abbreviated when very long.
pub(crate) fn shape_repr<T: fmt::Display>(shape: &[T]) -> String {
    let mut s = String::from("(");
    for (i, d) in shape.iter().take(SHAPE_DISPLAY_DIMS).enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{d}");
    }
    match shape.len() {
        1 => s.push_str(",)"),
        n if n > SHAPE_DISPLAY_DIMS => {
            let _ = write!(s, ", ...) ({n} dimensions)");
        }
        _ => s.push(')'),
    }
    s
}

/// Builds the complete header (magic through final newline) exactly as
/// NumPy's `_write_array_header` does for a C-order array.
///
/// Version 1.0 is used whenever the header fits its 16-bit length, which
/// for NumPy's `np.save` means always in practice; longer headers (tens of
/// thousands of dimensions) fall back to 2.0 as NumPy would. Returns `None`
/// if even a 32-bit length cannot hold the header.
pub(crate) fn encode_header(descr: &str, shape: &[usize]) -> Option<Vec<u8>> {
    let mut dict = String::from("{'descr': '");
    dict.push_str(descr);
    dict.push_str("', 'fortran_order': False, 'shape': (");
    for (i, d) in shape.iter().enumerate() {
        if i > 0 {
            dict.push_str(", ");
        }
        let _ = write!(dict, "{d}");
    }
    dict.push_str(if shape.len() == 1 { ",), }" } else { "), }" });
    if let Some(first) = shape.first() {
        let digits = first.to_string().len();
        dict.extend(std::iter::repeat_n(
            ' ',
            GROWTH_AXIS_MAX_DIGITS.saturating_sub(digits),
        ));
    }

    // +1 for the newline that ends the header.
    let unpadded = dict.len() + 1;
    for (major, len_size, max_len) in [
        (1u8, 2usize, u64::from(u16::MAX)),
        (2, 4, u64::from(u32::MAX)),
    ] {
        // NumPy always adds at least one space: a header that is already
        // aligned gets 64 more, never 0.
        let pad = ARRAY_ALIGN - (PREFIX_LEN + len_size + unpadded) % ARRAY_ALIGN;
        let header_len = unpadded + pad;
        if header_len as u64 > max_len {
            continue;
        }
        let mut out = Vec::with_capacity(PREFIX_LEN + len_size + header_len);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[major, 0]);
        out.extend_from_slice(&(header_len as u32).to_le_bytes()[..len_size]);
        out.extend_from_slice(dict.as_bytes());
        out.resize(out.len() + pad, b' ');
        out.push(b'\n');
        return Some(out);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_of(dict: &str) -> Result<Header, NpyError> {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&[1, 0]);
        bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        bytes.extend_from_slice(dict.as_bytes());
        read_header(&mut bytes.as_slice())
    }

    fn reason(dict: &str) -> String {
        match header_of(dict) {
            Err(NpyError::MalformedHeader { reason }) => reason,
            other => panic!("expected MalformedHeader for {dict:?}, got {other:?}"),
        }
    }

    #[test]
    fn accepts_any_key_order_and_spacing() {
        let h = header_of("{ 'shape':(5,),\n'fortran_order' : True , \"descr\":'>i8'}\n").unwrap();
        assert_eq!(h.descr, Descr::Simple(">i8".into()));
        assert!(h.fortran_order);
        assert_eq!(h.shape.len(), 1);
        assert_eq!(h.shape[0].magnitude, Some(5));
    }

    #[test]
    fn key_errors() {
        assert!(reason("{'descr': '<f4', 'shape': ()}").contains("missing key 'fortran_order'"));
        assert!(
            reason("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 1}")
                .contains("unknown key 'x'")
        );
        assert!(
            reason("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': ()}")
                .contains("'descr' appears more than once")
        );
        assert!(reason("{1: 2}").contains("keys must be strings"));
        assert!(reason("['descr']").contains("expected a dict, found a list"));
    }

    #[test]
    fn value_errors() {
        let r = reason("{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3]}");
        assert!(
            r.contains("'shape' must be a tuple of ints, found a list: [2, 3]"),
            "{r}"
        );
        let r = reason("{'descr': '<f4', 'fortran_order': False, 'shape': (5)}");
        assert!(r.contains("found an int: 5"), "{r}");
        let r = reason("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}");
        assert!(r.contains("negative dimension -3 at index 1"), "{r}");
        let r = reason("{'descr': '<f4', 'fortran_order': False, 'shape': (2, '3')}");
        assert!(r.contains("element 1 is a string: '3'"), "{r}");
        let r = reason("{'descr': '<f4', 'fortran_order': 0, 'shape': ()}");
        assert!(
            r.contains("'fortran_order' must be True or False, found an int"),
            "{r}"
        );
        let r = reason("{'descr': None, 'fortran_order': False, 'shape': ()}");
        assert!(
            r.contains("'descr' must be a dtype string, found None"),
            "{r}"
        );
    }

    #[test]
    fn compound_descr_is_kept_for_the_mismatch_message() {
        let h =
            header_of("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (2,)}").unwrap();
        assert_eq!(h.descr, Descr::Compound("[('x', '<f4')]".into()));
    }

    #[test]
    fn encodes_like_numpy() {
        // Bytes from numpy 2.x: np.save(f, np.zeros((2, 3), np.float32)).
        let expected = b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }                                                          \n";
        assert_eq!(encode_header("<f4", &[2, 3]).unwrap(), expected);
        for shape in [&[][..], &[7], &[0, 3], &[1; 40], &[12_345_678_901, 0]] {
            let h = encode_header("<f8", shape).unwrap();
            assert_eq!(h.len() % ARRAY_ALIGN, 0);
            let parsed = read_header(&mut h.as_slice()).unwrap();
            let dims: Vec<_> = parsed.shape.iter().map(|d| d.magnitude).collect();
            let want: Vec<_> = shape.iter().map(|&d| Some(d as u128)).collect();
            assert_eq!(dims, want);
        }
    }

    #[test]
    fn long_shapes_fall_back_to_version_2() {
        let shape = vec![1usize; 30_000];
        let h = encode_header("<f4", &shape).unwrap();
        assert_eq!(&h[6..8], &[2, 0]);
        assert_eq!(h.len() % ARRAY_ALIGN, 0);
        assert_eq!(read_header(&mut h.as_slice()).unwrap().shape.len(), 30_000);
    }

    #[test]
    fn shape_repr_is_python_like() {
        assert_eq!(shape_repr::<usize>(&[]), "()");
        assert_eq!(shape_repr(&[5]), "(5,)");
        assert_eq!(shape_repr(&[5, 3]), "(5, 3)");
        assert!(shape_repr(&[1; 20]).ends_with(", ...) (20 dimensions)"));
    }
}

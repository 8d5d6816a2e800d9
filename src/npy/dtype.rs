//! Interpreting the `descr` strings of `.npy` headers.

/// Which kind of number an element is, as far as this module cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    Int,
    Uint,
    Float,
    Complex,
}

/// Byte order of the stored elements, already resolved: NumPy's "native"
/// (`=`, `|` on a multi-byte type, or no prefix) means the order of the
/// machine reading the file, exactly as `numpy.dtype` resolves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    Little,
    Big,
}

impl ByteOrder {
    const NATIVE: ByteOrder = if cfg!(target_endian = "big") {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    };
}

/// A simple (non-structured) dtype this module recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dtype {
    pub kind: Kind,
    pub size: usize,
    pub order: ByteOrder,
}

/// Parses a dtype string the way `numpy.dtype(str)` would, for the numeric
/// types: an optional byte-order character followed by either a kind letter
/// and byte size (`f4`, `b1`, ...) or a one-letter type code (`d`, `?`, ...).
///
/// Returns `None` for anything else (strings, objects, datetimes, structured
/// types, ...), which the caller reports as unsupported.
pub(crate) fn parse_descr(descr: &str) -> Option<Dtype> {
    let (order_char, rest) = match descr.as_bytes().first() {
        Some(&c @ (b'<' | b'>' | b'=' | b'|')) => (Some(c), &descr[1..]),
        _ => (None, descr),
    };
    let (kind, size) = kind_and_size(rest)?;
    let order = match order_char {
        Some(b'<') => ByteOrder::Little,
        Some(b'>') => ByteOrder::Big,
        // '=', '|' and no prefix all mean native; for one-byte types the
        // order is irrelevant anyway.
        _ => ByteOrder::NATIVE,
    };
    Some(Dtype { kind, size, order })
}

fn kind_and_size(s: &str) -> Option<(Kind, usize)> {
    let typecode = match s {
        "?" => Some((Kind::Bool, 1)),
        "b" => Some((Kind::Int, 1)),
        "B" => Some((Kind::Uint, 1)),
        "h" => Some((Kind::Int, 2)),
        "H" => Some((Kind::Uint, 2)),
        "i" => Some((Kind::Int, 4)),
        "I" => Some((Kind::Uint, 4)),
        // 'l'/'L' are deliberately absent: they mean C long, whose width
        // depends on the platform that wrote the file.
        "q" => Some((Kind::Int, 8)),
        "Q" => Some((Kind::Uint, 8)),
        "e" => Some((Kind::Float, 2)),
        "f" => Some((Kind::Float, 4)),
        "d" => Some((Kind::Float, 8)),
        "F" => Some((Kind::Complex, 8)),
        "D" => Some((Kind::Complex, 16)),
        "bool" => Some((Kind::Bool, 1)),
        "int8" => Some((Kind::Int, 1)),
        "int16" => Some((Kind::Int, 2)),
        "int32" => Some((Kind::Int, 4)),
        "int64" => Some((Kind::Int, 8)),
        "uint8" => Some((Kind::Uint, 1)),
        "uint16" => Some((Kind::Uint, 2)),
        "uint32" => Some((Kind::Uint, 4)),
        "uint64" => Some((Kind::Uint, 8)),
        "float16" => Some((Kind::Float, 2)),
        "float32" => Some((Kind::Float, 4)),
        "float64" => Some((Kind::Float, 8)),
        "complex64" => Some((Kind::Complex, 8)),
        "complex128" => Some((Kind::Complex, 16)),
        _ => None,
    };
    if typecode.is_some() {
        return typecode;
    }
    let (letter, digits) = s.split_at_checked(1)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let size: usize = digits.parse().ok()?;
    let kind = match letter {
        "b" => Kind::Bool,
        "i" => Kind::Int,
        "u" => Kind::Uint,
        "f" => Kind::Float,
        "c" => Kind::Complex,
        _ => return None,
    };
    let valid = match kind {
        Kind::Bool => size == 1,
        Kind::Int | Kind::Uint => matches!(size, 1 | 2 | 4 | 8),
        Kind::Float => matches!(size, 2 | 4 | 8),
        Kind::Complex => matches!(size, 8 | 16),
    };
    valid.then_some((kind, size))
}

/// NumPy's name for a recognised dtype, e.g. `float32`.
pub(crate) fn dtype_name(kind: Kind, size: usize) -> String {
    let bits = size * 8;
    match kind {
        Kind::Bool => "bool".to_string(),
        Kind::Int => format!("int{bits}"),
        Kind::Uint => format!("uint{bits}"),
        Kind::Float => format!("float{bits}"),
        Kind::Complex => format!("complex{bits}"),
    }
}

/// A human description of any descr string, for error messages: the NumPy
/// type name when recognised, otherwise a best guess at what family of type
/// the file holds so the user knows why it was refused.
pub(crate) fn describe(descr: &str) -> String {
    if let Some(d) = parse_descr(descr) {
        let order = if d.size > 1 && descr.starts_with('>') {
            ", big-endian"
        } else {
            ""
        };
        return format!("{}{order}", dtype_name(d.kind, d.size));
    }
    // Compound descrs arrive here as their Python repr.
    if descr.starts_with(['[', '{']) {
        return "structured dtype".to_string();
    }
    if descr.starts_with('(') {
        return "sub-array dtype".to_string();
    }
    let body = descr.trim_start_matches(['<', '>', '=', '|']);
    let family = match body.as_bytes().first() {
        _ if matches!(body, "f10" | "f12" | "f16") => "extended-precision float",
        _ if matches!(body, "c20" | "c24" | "c32") => "extended-precision complex",
        Some(b'S' | b'a') => "byte string",
        Some(b'U') => "unicode string",
        Some(b'O') => "Python objects",
        Some(b'V') => "raw void bytes",
        Some(b'M') => "datetime64",
        Some(b'm') => "timedelta64",
        Some(b'g' | b'G') => "extended-precision number",
        Some(b'l' | b'L') => "platform-dependent C long",
        _ => "unrecognised dtype",
    };
    family.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numpy_spellings() {
        let le = ByteOrder::Little;
        let be = ByteOrder::Big;
        let d = |kind, size, order| Some(Dtype { kind, size, order });
        assert_eq!(parse_descr("<f4"), d(Kind::Float, 4, le));
        assert_eq!(parse_descr(">f8"), d(Kind::Float, 8, be));
        assert_eq!(parse_descr("|b1"), d(Kind::Bool, 1, ByteOrder::NATIVE));
        assert_eq!(parse_descr("=i8"), d(Kind::Int, 8, ByteOrder::NATIVE));
        assert_eq!(parse_descr("|i4"), d(Kind::Int, 4, ByteOrder::NATIVE));
        assert_eq!(parse_descr("i4"), d(Kind::Int, 4, ByteOrder::NATIVE));
        assert_eq!(parse_descr("<d"), d(Kind::Float, 8, le));
        assert_eq!(parse_descr("?"), d(Kind::Bool, 1, ByteOrder::NATIVE));
        assert_eq!(parse_descr("b"), d(Kind::Int, 1, ByteOrder::NATIVE));
        assert_eq!(parse_descr("<u2"), d(Kind::Uint, 2, le));
        assert_eq!(parse_descr(">c16"), d(Kind::Complex, 16, be));
        assert_eq!(parse_descr("float32"), d(Kind::Float, 4, ByteOrder::NATIVE));
        // A bare type code, as `numpy.dtype('<f')` accepts.
        assert_eq!(parse_descr("<f"), d(Kind::Float, 4, le));
    }

    #[test]
    fn refuses_others() {
        for s in [
            "",
            "<",
            "<f3",
            "<b2",
            "<i16",
            "<U10",
            "|O",
            "<M8[ns]",
            "<f4 ",
            "<<f4",
            "<l",
            "f99999999999999999999999",
        ] {
            assert_eq!(parse_descr(s), None, "{s:?}");
        }
    }

    #[test]
    fn describes() {
        assert_eq!(describe("<f8"), "float64");
        assert_eq!(describe(">i4"), "int32, big-endian");
        assert_eq!(describe("<U5"), "unicode string");
        assert_eq!(describe("|O"), "Python objects");
        assert_eq!(describe("<f16"), "extended-precision float");
        assert_eq!(describe("nonsense"), "unrecognised dtype");
        assert_eq!(describe("[('x', '<f4')]"), "structured dtype");
        assert_eq!(describe("('<f4', (2,))"), "sub-array dtype");
    }
}

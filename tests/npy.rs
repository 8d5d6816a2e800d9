//! Tests of the `.npy` reader and writer through the public API only.
//!
//! The files under tests/data/npy/ were made by NumPy with
//! scripts/npy_testdata.py; the expected values below mirror that script.
//! Comparing our writer's output byte-for-byte with NumPy's files proves
//! NumPy can load what we write, without the tests needing Python.

use std::io::{self, Read, Write};

use proptest::prelude::*;
use typetensor::npy::{NpyElement, NpyError, read_npy, write_npy};

// ---------------------------------------------------------------------------
// Helpers

fn file(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/npy/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn load<E: NpyElement>(name: &str) -> (Vec<E>, Vec<usize>) {
    read_npy::<E, _>(file(name).as_slice()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn write<E: NpyElement>(data: &[E], shape: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    write_npy(&mut out, data, shape).unwrap();
    out
}

fn read_err<E: NpyElement>(bytes: &[u8]) -> NpyError {
    match read_npy::<E, _>(bytes) {
        Ok((data, shape)) => panic!(
            "expected an error, got shape {shape:?} ({} elements)",
            data.len()
        ),
        Err(e) => e,
    }
}

/// A .npy file with a hand-written header dict, padded as NumPy pads it.
fn npy_with_header(dict: &str, version: u8, data: &[u8]) -> Vec<u8> {
    let len_size = if version == 1 { 2 } else { 4 };
    let unpadded = 8 + len_size + dict.len() + 1;
    let header_len = dict.len() + 1 + (64 - unpadded % 64) % 64;
    let mut out = b"\x93NUMPY".to_vec();
    out.extend_from_slice(&[version, 0]);
    out.extend_from_slice(&(header_len as u32).to_le_bytes()[..len_size]);
    out.extend_from_slice(dict.as_bytes());
    out.resize(8 + len_size + header_len - 1, b' ');
    out.push(b'\n');
    out.extend_from_slice(data);
    out
}

fn f32_bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn f64_bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Reads `bytes` as every element type. Used by the fuzz tests: the point is
/// that this returns at all (a panic fails the test), and that whatever is
/// accepted is self-consistent.
fn read_as_every_type(bytes: &[u8]) {
    fn check<E: NpyElement>(bytes: &[u8]) {
        if let Ok((data, shape)) = read_npy::<E, _>(bytes) {
            let count: usize = shape.iter().product();
            assert_eq!(data.len(), count, "shape {shape:?}");
        }
    }
    check::<f32>(bytes);
    check::<f64>(bytes);
    check::<i32>(bytes);
    check::<i64>(bytes);
    check::<bool>(bytes);
}

// ---------------------------------------------------------------------------
// Expected contents of the NumPy-made files (mirrors scripts/npy_testdata.py)

fn f4_2x3() -> Vec<f32> {
    vec![0.0, -1.5, 3.25, -0.0, f32::INFINITY, f32::NAN]
}

fn f8_1d() -> Vec<f64> {
    vec![
        1.0,
        -2.5,
        5e-324,
        f64::MAX,
        -0.0,
        f64::NEG_INFINITY,
        f64::NAN,
        std::f64::consts::PI,
    ]
}

fn i4_2x3x4() -> Vec<i32> {
    let mut v: Vec<i32> = (0..24).map(|i| i * 1000 - 11500).collect();
    v[0] = i32::MIN;
    v[23] = i32::MAX;
    v
}

fn i8_1d() -> Vec<i64> {
    vec![i64::MIN, -1, 0, 1, i64::MAX]
}

fn b1_2x2() -> Vec<bool> {
    vec![true, false, false, true]
}

fn f8_2x3x4() -> Vec<f64> {
    (0..24).map(|i| f64::from(i) * 0.5 - 3.0).collect()
}

/// Every committed file, for the fuzz and truncation tests.
const ALL_FILES: &[&str] = &[
    "b1_0d.npy",
    "b1_2x2.npy",
    "f4_0x3.npy",
    "f4_2x3.npy",
    "f4_aligned_header.npy",
    "f4_be_2x3.npy",
    "f4_v3_2x3.npy",
    "f8_0d.npy",
    "f8_1d.npy",
    "f8_be_1d.npy",
    "f8_be_fortran_2x3x4.npy",
    "f8_fortran_2x3x4.npy",
    "f8_ones32.npy",
    "i4_12345678901x0.npy",
    "i4_2x3x4.npy",
    "i4_be_2x3x4.npy",
    "i4_fortran_2x3x4.npy",
    "i8_1d.npy",
    "i8_be_1d.npy",
    "i8_v2_1d.npy",
];

// ---------------------------------------------------------------------------
// Reading NumPy's files

#[test]
fn reads_every_dtype() {
    let (data, shape) = load::<f32>("f4_2x3.npy");
    assert_eq!(shape, [2, 3]);
    assert_eq!(f32_bits(&data), f32_bits(&f4_2x3()));

    let (data, shape) = load::<f64>("f8_1d.npy");
    assert_eq!(shape, [8]);
    assert_eq!(f64_bits(&data), f64_bits(&f8_1d()));

    assert_eq!(load::<i32>("i4_2x3x4.npy"), (i4_2x3x4(), vec![2, 3, 4]));
    assert_eq!(load::<i64>("i8_1d.npy"), (i8_1d(), vec![5]));
    assert_eq!(load::<bool>("b1_2x2.npy"), (b1_2x2(), vec![2, 2]));
}

#[test]
fn reads_zero_dimensional_arrays() {
    assert_eq!(load::<f64>("f8_0d.npy"), (vec![2.5], vec![]));
    assert_eq!(load::<bool>("b1_0d.npy"), (vec![true], vec![]));
}

#[test]
fn reads_empty_arrays() {
    assert_eq!(load::<f32>("f4_0x3.npy"), (vec![], vec![0, 3]));
    assert_eq!(
        load::<i32>("i4_12345678901x0.npy"),
        (vec![], vec![12_345_678_901, 0])
    );
    let (data, shape) = load::<f32>("f4_aligned_header.npy");
    assert!(data.is_empty());
    assert_eq!(shape, [0, 1, 1, 1, 1, 1, 1, 1, 1, 100_000_000_000_000]);
}

#[test]
fn reads_many_dimensions() {
    assert_eq!(load::<f64>("f8_ones32.npy"), (vec![7.0], vec![1; 32]));
}

#[test]
fn reads_fortran_order_as_c_order() {
    let (data, shape) = load::<f64>("f8_fortran_2x3x4.npy");
    assert_eq!(shape, [2, 3, 4]);
    assert_eq!(data, f8_2x3x4());
    assert_eq!(
        load::<i32>("i4_fortran_2x3x4.npy"),
        (i4_2x3x4(), vec![2, 3, 4])
    );
}

#[test]
fn reads_big_endian() {
    let (data, shape) = load::<f32>("f4_be_2x3.npy");
    assert_eq!(shape, [2, 3]);
    assert_eq!(f32_bits(&data), f32_bits(&f4_2x3()));
    let (data, shape) = load::<f64>("f8_be_1d.npy");
    assert_eq!(shape, [8]);
    assert_eq!(f64_bits(&data), f64_bits(&f8_1d()));
    assert_eq!(load::<i32>("i4_be_2x3x4.npy"), (i4_2x3x4(), vec![2, 3, 4]));
    assert_eq!(load::<i64>("i8_be_1d.npy"), (i8_1d(), vec![5]));
    assert_eq!(
        load::<f64>("f8_be_fortran_2x3x4.npy"),
        (f8_2x3x4(), vec![2, 3, 4])
    );
}

#[test]
fn reads_header_versions_2_and_3() {
    assert_eq!(&file("i8_v2_1d.npy")[6..8], &[2, 0]);
    assert_eq!(load::<i64>("i8_v2_1d.npy"), (i8_1d(), vec![5]));
    assert_eq!(&file("f4_v3_2x3.npy")[6..8], &[3, 0]);
    let (data, shape) = load::<f32>("f4_v3_2x3.npy");
    assert_eq!(shape, [2, 3]);
    assert_eq!(f32_bits(&data), f32_bits(&f4_2x3()));
}

#[test]
fn native_and_unspecified_byte_orders_mean_native() {
    // NumPy resolves '=', '|' on a multi-byte type, and a missing prefix to
    // the reading machine's order.
    let value = 1.5f32;
    let native = value.to_ne_bytes();
    for descr in ["=f4", "|f4", "f4", "<f", "float32"] {
        let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (1,), }}");
        let bytes = npy_with_header(&dict, 1, &native);
        assert_eq!(
            read_npy::<f32, _>(bytes.as_slice()).unwrap(),
            (vec![value], vec![1]),
            "{descr}"
        );
    }
    for descr in ["|b1", "<b1", ">b1", "=b1", "b1", "?", "|?"] {
        let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (2,), }}");
        let bytes = npy_with_header(&dict, 1, &[1, 0]);
        assert_eq!(
            read_npy::<bool, _>(bytes.as_slice()).unwrap(),
            (vec![true, false], vec![2]),
            "{descr}"
        );
    }
}

#[test]
fn header_syntax_variants_numpy_accepts() {
    let data: Vec<u8> = [1i32, 2, 3, 4, 5, 6]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let dicts = [
        // Any key order, no trailing comma.
        "{'shape': (2, 3), 'fortran_order': False, 'descr': '<i4'}",
        // Extra whitespace and newlines everywhere, double quotes.
        "{\n  \"descr\" :\t'<i4' ,\n  'fortran_order':False,'shape':( 2 ,3 , ) , }",
        // Python 2 long suffix and u'' strings (old NumPy on Python 2).
        "{u'descr': u'<i4', 'fortran_order': False, 'shape': (2L, 3L), }",
        // Comments and a hex dimension are still Python literals.
        "{'descr': '<i4', # the dtype\n 'fortran_order': False, 'shape': (0x2, 3)}",
        // Adjacent string literals concatenate.
        "{'descr': '<' 'i4', 'fortran_order': False, 'shape': (2, 3)}",
    ];
    for dict in dicts {
        let bytes = npy_with_header(dict, 1, &data);
        assert_eq!(
            read_npy::<i32, _>(bytes.as_slice()).unwrap(),
            (vec![1, 2, 3, 4, 5, 6], vec![2, 3]),
            "{dict}"
        );
    }
    // The `L` suffix is a Python 2 relic that NumPy only tolerates in the
    // formats Python 2 could write.
    let bytes = npy_with_header(dicts[2], 3, &data);
    assert!(matches!(
        read_err::<i32>(&bytes),
        NpyError::MalformedHeader { .. }
    ));
}

#[test]
fn reads_from_byte_at_a_time_and_interrupted_readers() {
    /// Returns one byte per call, with an `Interrupted` error in between.
    struct Trickle<'a> {
        bytes: &'a [u8],
        interrupt: bool,
    }
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.interrupt = !self.interrupt;
            if self.interrupt {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let Some((&first, rest)) = self.bytes.split_first() else {
                return Ok(0);
            };
            if buf.is_empty() {
                return Ok(0);
            }
            buf[0] = first;
            self.bytes = rest;
            Ok(1)
        }
    }
    let data: Vec<f64> = (0..20_000).map(|i| f64::from(i).sqrt()).collect();
    let bytes = write(&data, &[100, 200]);
    let reader = Trickle {
        bytes: &bytes,
        interrupt: false,
    };
    assert_eq!(read_npy::<f64, _>(reader).unwrap(), (data, vec![100, 200]));
}

#[test]
fn reads_from_a_file_by_reference() {
    let path = format!("{}/tests/data/npy/i8_1d.npy", env!("CARGO_MANIFEST_DIR"));
    let mut f = std::fs::File::open(path).unwrap();
    assert_eq!(read_npy::<i64, _>(&mut f).unwrap(), (i8_1d(), vec![5]));
}

// ---------------------------------------------------------------------------
// Writing: byte-identical to NumPy

#[test]
fn writes_bytes_identical_to_numpy() {
    assert_eq!(write(&f4_2x3(), &[2, 3]), file("f4_2x3.npy"));
    assert_eq!(write(&f8_1d(), &[8]), file("f8_1d.npy"));
    assert_eq!(write(&i4_2x3x4(), &[2, 3, 4]), file("i4_2x3x4.npy"));
    assert_eq!(write(&i8_1d(), &[5]), file("i8_1d.npy"));
    assert_eq!(write(&b1_2x2(), &[2, 2]), file("b1_2x2.npy"));
    assert_eq!(write(&[2.5f64], &[]), file("f8_0d.npy"));
    assert_eq!(write(&[true], &[]), file("b1_0d.npy"));
    assert_eq!(write::<f32>(&[], &[0, 3]), file("f4_0x3.npy"));
    assert_eq!(
        write::<i32>(&[], &[12_345_678_901, 0]),
        file("i4_12345678901x0.npy")
    );
    assert_eq!(write(&[7.0f64], &[1; 32]), file("f8_ones32.npy"));
    // The dict text plus newline ends exactly on a 64-byte boundary, where
    // NumPy pads a full 64 spaces rather than none.
    assert_eq!(
        write::<f32>(&[], &[0, 1, 1, 1, 1, 1, 1, 1, 1, 100_000_000_000_000]),
        file("f4_aligned_header.npy")
    );
}

#[test]
fn rewriting_any_numpy_file_gives_numpy_c_order_little_endian_bytes() {
    // Fortran-order and big-endian files load into C-order data, which we
    // write as NumPy would write the C-order little-endian array.
    let pairs = [
        ("f4_be_2x3.npy", "f4_2x3.npy"),
        ("f4_v3_2x3.npy", "f4_2x3.npy"),
        ("f8_be_1d.npy", "f8_1d.npy"),
        ("i4_be_2x3x4.npy", "i4_2x3x4.npy"),
        ("i4_fortran_2x3x4.npy", "i4_2x3x4.npy"),
        ("i8_be_1d.npy", "i8_1d.npy"),
        ("i8_v2_1d.npy", "i8_1d.npy"),
    ];
    fn rewrite<E: NpyElement>(name: &str) -> Vec<u8> {
        let (data, shape) = load::<E>(name);
        write(&data, &shape)
    }
    for (source, numpy_c) in pairs {
        let rewritten = match &source[..2] {
            "f4" => rewrite::<f32>(source),
            "f8" => rewrite::<f64>(source),
            "i4" => rewrite::<i32>(source),
            _ => rewrite::<i64>(source),
        };
        assert_eq!(rewritten, file(numpy_c), "{source}");
    }
}

#[test]
fn writes_large_arrays_across_chunk_boundaries() {
    let data: Vec<i64> = (0..100_003).map(|i| i * 7919 - 5).collect();
    let bytes = write(&data, &[100_003]);
    assert_eq!(bytes.len(), 128 + data.len() * 8);
    assert_eq!(
        read_npy::<i64, _>(bytes.as_slice()).unwrap(),
        (data, vec![100_003])
    );
}

#[test]
fn writes_through_a_buffered_writer_and_flushes() {
    let mut out = Vec::new();
    write_npy(io::BufWriter::new(&mut out), &i8_1d(), &[5]).unwrap();
    assert_eq!(out, file("i8_1d.npy"));
}

// ---------------------------------------------------------------------------
// Error variants and their messages

#[test]
fn error_io() {
    struct Broken;
    impl Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("disk on fire"))
        }
    }
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("disk full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let err = read_npy::<f32, _>(Broken).unwrap_err();
    assert!(matches!(err, NpyError::Io(_)));
    assert_eq!(err.to_string(), "I/O error in .npy stream: disk on fire");
    let source = std::error::Error::source(&err).expect("Io has a source");
    assert_eq!(source.to_string(), "disk on fire");

    let err = write_npy(Broken, &[1.0f32], &[1]).unwrap_err();
    assert_eq!(err.to_string(), "I/O error in .npy stream: disk full");

    // An I/O error in the middle of the data is reported as such, not as
    // truncation.
    let bytes = file("f4_2x3.npy");
    let err = read_npy::<f32, _>(bytes[..140].chain(Broken)).unwrap_err();
    assert!(matches!(err, NpyError::Io(_)), "{err:?}");
}

#[test]
fn error_not_npy() {
    let err = read_err::<f32>(b"hello world, this is text");
    assert!(matches!(&err, NpyError::NotNpy { found } if found == b"hello wo"));
    assert_eq!(
        err.to_string(),
        "not a .npy file: expected the magic string b\"\\x93NUMPY\", found b\"hello wo\""
    );
    assert_eq!(
        read_err::<f32>(b"").to_string(),
        "not a .npy file: the stream is empty"
    );
    let zip = read_err::<f32>(b"PK\x03\x04\x14\x00\x00\x00rest").to_string();
    assert!(zip.contains("zip archive, e.g. an .npz file"), "{zip}");
    assert!(std::error::Error::source(&err).is_none());
}

#[test]
fn error_unsupported_version() {
    let mut bytes = file("f4_2x3.npy");
    bytes[6] = 4;
    bytes[7] = 1;
    let err = read_err::<f32>(&bytes);
    assert!(matches!(
        err,
        NpyError::UnsupportedVersion { major: 4, minor: 1 }
    ));
    assert_eq!(
        err.to_string(),
        "unsupported .npy format version 4.1 (supported: 1.0, 2.0, 3.0)"
    );
}

#[test]
fn error_truncated_header() {
    let bytes = file("f4_2x3.npy");
    let err = read_err::<f32>(&bytes[..50]);
    assert!(matches!(
        err,
        NpyError::TruncatedHeader {
            expected: 128,
            found: 50
        }
    ));
    assert_eq!(
        err.to_string(),
        "truncated .npy header: expected 128 bytes, found only 50"
    );
    // Inside the magic string itself.
    assert_eq!(
        read_err::<f32>(&bytes[..3]).to_string(),
        "truncated .npy header: expected 10 bytes, found only 3"
    );
}

#[test]
fn error_header_too_long() {
    let mut bytes = b"\x93NUMPY\x02\x00".to_vec();
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    let err = read_err::<f32>(&bytes);
    assert!(matches!(
        err,
        NpyError::HeaderTooLong {
            len: 4_294_967_295,
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        ".npy header declares a length of 4294967295 bytes, more than the 1048576 bytes accepted"
    );
}

#[test]
fn error_malformed_header() {
    let cases = [
        (
            "{'descr': '<f4', 'fortran_order': False}",
            "malformed .npy header: missing key 'shape'",
        ),
        (
            "{'descr': '<f4', 'fortran_order': False, 'shape': (), 'order': 'C'}",
            "malformed .npy header: unknown key 'order' (expected exactly 'descr', \
             'fortran_order' and 'shape')",
        ),
        (
            "{'descr': '<f4', 'fortran_order': False, 'shape': (), 'shape': ()}",
            "malformed .npy header: key 'shape' appears more than once",
        ),
        (
            "{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3]}",
            "malformed .npy header: 'shape' must be a tuple of ints, found a list: [2, 3]",
        ),
        (
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3.0)}",
            "malformed .npy header: invalid integer literal '3.0' at byte 54",
        ),
        (
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}",
            "malformed .npy header: 'shape' has a negative dimension -3 at index 1",
        ),
        (
            "{'descr': '<f4', 'fortran_order': 'no', 'shape': ()}",
            "malformed .npy header: 'fortran_order' must be True or False, found a string: 'no'",
        ),
        (
            "{'descr': 4, 'fortran_order': False, 'shape': ()}",
            "malformed .npy header: 'descr' must be a dtype string, found an int: 4",
        ),
        (
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)",
            "malformed .npy header: expected ',' or '}' in the dict at byte 118 (found the end \
             of the header)",
        ),
        (
            "{'descr': '<f4', 'fortran_order': false, 'shape': ()}",
            "malformed .npy header: unexpected name 'false' at byte 34 (only True, False and \
             None are allowed)",
        ),
        (
            "{'descr': '<f4', 'fortran_order': False, 'shape': ()} extra",
            "malformed .npy header: unexpected text after the header dict at byte 54 \
             (found 'e')",
        ),
        (
            "(2, 3)",
            "malformed .npy header: expected a dict, found a tuple: (2, 3)",
        ),
    ];
    for (dict, message) in cases {
        let err = read_err::<f32>(&npy_with_header(dict, 1, &[]));
        assert!(matches!(err, NpyError::MalformedHeader { .. }), "{dict}");
        assert_eq!(err.to_string(), message, "{dict}");
    }
    // Version 3.0 headers are UTF-8; other versions are Latin-1, where any
    // byte is text.
    let mut bytes = npy_with_header(
        "{'descr': '<f4', 'fortran_order': False, 'shape': ()}",
        3,
        &[],
    );
    bytes[20] = 0xff;
    let err = read_err::<f32>(&bytes).to_string();
    assert!(
        err.starts_with("malformed .npy header: header is not valid UTF-8"),
        "{err}"
    );
}

#[test]
fn error_dtype_mismatch() {
    let err = read_err::<f32>(&file("f8_1d.npy"));
    assert!(matches!(
        &err,
        NpyError::DtypeMismatch { expected: "float32", found } if found == "<f8"
    ));
    assert_eq!(
        err.to_string(),
        "dtype mismatch: the file holds '<f8' (float64) but the tensor is float32"
    );
    assert_eq!(
        read_err::<i64>(&file("i4_be_2x3x4.npy")).to_string(),
        "dtype mismatch: the file holds '>i4' (int32, big-endian) but the tensor is int64"
    );
    assert_eq!(
        read_err::<bool>(&file("i8_1d.npy")).to_string(),
        "dtype mismatch: the file holds '<i8' (int64) but the tensor is bool"
    );
    let cases = [
        ("'<u2'", "'<u2' (uint16)"),
        ("'<U10'", "'<U10' (unicode string)"),
        ("'|O'", "'|O' (Python objects)"),
        (
            "[('x', '<f4'), ('y', '<f4')]",
            "'[('x', '<f4'), ('y', '<f4')]' (structured dtype)",
        ),
    ];
    for (descr, shown) in cases {
        let dict = format!("{{'descr': {descr}, 'fortran_order': False, 'shape': (1,), }}");
        let err = read_err::<f32>(&npy_with_header(&dict, 1, &[0; 8]));
        assert_eq!(
            err.to_string(),
            format!("dtype mismatch: the file holds {shown} but the tensor is float32")
        );
    }
}

#[test]
fn error_shape_too_large() {
    // 10**24 elements: the size overflows, found before any allocation.
    let dict =
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 1000000000000), }";
    let err = read_err::<f32>(&npy_with_header(dict, 1, &[]));
    assert!(matches!(err, NpyError::ShapeTooLarge { item_size: 4, .. }));
    assert_eq!(
        err.to_string(),
        "shape (1000000000000, 1000000000000) is too large: 4-byte elements would need more \
         than isize::MAX bytes"
    );
    // Larger than any machine integer.
    let dict = "{'descr': '|b1', 'fortran_order': False, 'shape': (123456789012345678901234567890123456789012,), }";
    assert_eq!(
        read_err::<bool>(&npy_with_header(dict, 1, &[])).to_string(),
        "shape (123456789012345678901234567890123456789012,) is too large: 1-byte elements \
         would need more than isize::MAX bytes"
    );
    // Even an empty array must have a plausible shape, as in NumPy.
    let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4, 0), }";
    assert!(matches!(
        read_err::<f64>(&npy_with_header(dict, 1, &[])),
        NpyError::ShapeTooLarge { .. }
    ));
    // The writer refuses the same shapes.
    let err = write_npy(Vec::new(), &[] as &[f32], &[usize::MAX, 2, 0]).unwrap_err();
    assert!(matches!(err, NpyError::ShapeTooLarge { .. }), "{err:?}");
}

#[test]
fn error_truncated_data() {
    // 10**18 elements of 4 bytes fit in isize, so the header is plausible;
    // the reader must discover the missing data without allocating 4 EB.
    let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000000000), }";
    let err = read_err::<f32>(&npy_with_header(dict, 1, &[1, 2, 3, 4, 5]));
    assert!(matches!(
        err,
        NpyError::TruncatedData {
            expected: 4_000_000_000_000_000_000,
            found: 5
        }
    ));
    assert_eq!(
        err.to_string(),
        "truncated .npy data: expected 4000000000000000000 bytes, found 5"
    );
    let bytes = file("f4_2x3.npy");
    assert_eq!(
        read_err::<f32>(&bytes[..bytes.len() - 1]).to_string(),
        "truncated .npy data: expected 24 bytes, found 23"
    );
}

#[test]
fn error_trailing_data() {
    let mut bytes = file("f4_2x3.npy");
    bytes.extend_from_slice(b"abc");
    let err = read_err::<f32>(&bytes);
    assert!(matches!(
        err,
        NpyError::TrailingData {
            expected: 24,
            extra: 3
        }
    ));
    assert_eq!(
        err.to_string(),
        "trailing data after the .npy array: the header accounts for 24 data bytes, but 3 \
         more bytes follow"
    );
    // An endless stream is not read forever.
    let bytes = file("f4_2x3.npy");
    let endless = bytes.chain(io::repeat(0));
    let err = read_npy::<f32, _>(endless).unwrap_err();
    assert_eq!(
        err.to_string(),
        "trailing data after the .npy array: the header accounts for 24 data bytes, but more \
         than 65536 more bytes follow"
    );
}

#[test]
fn error_invalid_bool() {
    let mut bytes = file("b1_2x2.npy");
    let n = bytes.len();
    bytes[n - 3] = 2;
    let err = read_err::<bool>(&bytes);
    assert!(matches!(err, NpyError::InvalidBool { index: 1, byte: 2 }));
    assert_eq!(
        err.to_string(),
        "invalid bool byte 0x02 at element 1: .npy bools must be 0 or 1"
    );
}

#[test]
fn error_shape_mismatch_on_write() {
    let err = write_npy(Vec::new(), &[1.0f32; 5], &[2, 3]).unwrap_err();
    assert!(matches!(&err, NpyError::ShapeMismatch { shape, len: 5 } if shape == &[2, 3]));
    assert_eq!(
        err.to_string(),
        "shape [2, 3] needs 6 elements but the data has 5"
    );
    // A 0-d array holds exactly one element.
    let err = write_npy(Vec::new(), &[] as &[i32], &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "shape [] needs 1 elements but the data has 0"
    );
}

#[test]
fn error_is_send_sync_static() {
    fn assert_traits<T: std::error::Error + Send + Sync + 'static>() {}
    assert_traits::<NpyError>();
}

// ---------------------------------------------------------------------------
// Truncation at every length

#[test]
fn every_truncation_of_every_file_is_an_error() {
    for name in ALL_FILES {
        let bytes = file(name);
        for len in 0..bytes.len() {
            fn check<E: NpyElement>(bytes: &[u8], name: &str, len: usize) {
                match read_npy::<E, _>(bytes) {
                    Err(
                        NpyError::NotNpy { .. }
                        | NpyError::TruncatedHeader { .. }
                        | NpyError::TruncatedData { .. }
                        | NpyError::DtypeMismatch { .. },
                    ) => {}
                    // A zero-element array has nothing to truncate after
                    // its header.
                    Ok((data, _)) if data.is_empty() => {}
                    other => panic!("{name} cut at {len}: {:?}", other.map(|(_, shape)| shape)),
                }
            }
            let cut = &bytes[..len];
            check::<f32>(cut, name, len);
            check::<f64>(cut, name, len);
            check::<i32>(cut, name, len);
            check::<i64>(cut, name, len);
            check::<bool>(cut, name, len);
        }
    }
}

// ---------------------------------------------------------------------------
// Property tests

fn shape_strategy() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..6, 0..5)
}

/// Data of the right length for a random shape.
fn array<T: std::fmt::Debug>(
    element: impl Strategy<Value = T> + Clone,
) -> impl Strategy<Value = (Vec<T>, Vec<usize>)> {
    shape_strategy().prop_flat_map(move |shape| {
        let n: usize = shape.iter().product();
        (prop::collection::vec(element.clone(), n), Just(shape))
    })
}

/// Header bytes NumPy-style parsers must survive: Python syntax, digits and
/// the characters of dtype strings.
const HEADER_ALPHABET: &[u8] =
    b"{}()[],:'\" \n\t#\\0123456789-+_.xLuTrueFalsNonedscrpfothaibq<>|=?\x00\xff\x93";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn round_trip_f32((data, shape) in array(any::<f32>())) {
        let (back, back_shape) = read_npy::<f32, _>(write(&data, &shape).as_slice()).unwrap();
        prop_assert_eq!(back_shape, shape);
        prop_assert_eq!(f32_bits(&back), f32_bits(&data));
    }

    #[test]
    fn round_trip_f64((data, shape) in array(any::<f64>())) {
        let (back, back_shape) = read_npy::<f64, _>(write(&data, &shape).as_slice()).unwrap();
        prop_assert_eq!(back_shape, shape);
        prop_assert_eq!(f64_bits(&back), f64_bits(&data));
    }

    #[test]
    fn round_trip_i32((data, shape) in array(any::<i32>())) {
        let back = read_npy::<i32, _>(write(&data, &shape).as_slice()).unwrap();
        prop_assert_eq!(back, (data, shape));
    }

    #[test]
    fn round_trip_i64((data, shape) in array(any::<i64>())) {
        let back = read_npy::<i64, _>(write(&data, &shape).as_slice()).unwrap();
        prop_assert_eq!(back, (data, shape));
    }

    #[test]
    fn round_trip_bool((data, shape) in array(any::<bool>())) {
        let bytes = write(&data, &shape);
        // Every header NumPy writes is padded to 64 bytes.
        prop_assert_eq!((bytes.len() - data.len()) % 64, 0);
        let back = read_npy::<bool, _>(bytes.as_slice()).unwrap();
        prop_assert_eq!(back, (data, shape));
    }

    #[test]
    fn round_trip_large_dimensions(first in 0usize..=isize::MAX as usize / 8 / 5usize.pow(4), rest in shape_strategy()) {
        // Zero-sized arrays with huge axes exercise header padding for long
        // numbers without needing the data.
        let mut shape = vec![first, 0];
        shape.extend(rest);
        let bytes = write::<f64>(&[], &shape);
        prop_assert_eq!(bytes.len() % 64, 0);
        prop_assert_eq!(read_npy::<f64, _>(bytes.as_slice()).unwrap(), (vec![], shape));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5000))]

    #[test]
    fn fuzz_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        read_as_every_type(&bytes);
    }

    #[test]
    fn fuzz_arbitrary_bytes_after_magic(
        version in prop::sample::select(vec![1u8, 2, 3]),
        rest in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut bytes = b"\x93NUMPY".to_vec();
        bytes.extend_from_slice(&[version, 0]);
        bytes.extend_from_slice(&rest);
        read_as_every_type(&bytes);
    }

    #[test]
    fn fuzz_flipped_bytes(
        which in prop::sample::select(ALL_FILES),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut bytes = file(which);
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        read_as_every_type(&bytes);
    }

    #[test]
    fn fuzz_corrupted_header_text(
        which in prop::sample::select(ALL_FILES),
        edits in prop::collection::vec(
            (any::<prop::sample::Index>(), prop::sample::select(HEADER_ALPHABET)),
            1..6,
        ),
    ) {
        // Replaces characters inside the dict only, keeping the length
        // field valid, so the parser itself is what gets exercised.
        let mut bytes = file(which);
        let start = if bytes[6] == 1 { 10 } else { 12 };
        let end = bytes.len().min(start + 200);
        for (at, c) in edits {
            let i = start + at.index(end - start);
            bytes[i] = c;
        }
        read_as_every_type(&bytes);
    }

    #[test]
    fn fuzz_spliced_header_text(
        which in prop::sample::select(ALL_FILES),
        at in any::<prop::sample::Index>(),
        remove in 0usize..8,
        insert in prop::collection::vec(prop::sample::select(HEADER_ALPHABET), 0..12),
    ) {
        // Inserts and deletes text inside the dict and fixes up the length
        // field, so the header stays well-framed but its contents change
        // shape.
        let bytes = file(which);
        let (start, len_size) = if bytes[6] == 1 { (10, 2) } else { (12, 4) };
        let mut len_bytes = [0u8; 4];
        len_bytes[..len_size].copy_from_slice(&bytes[8..start]);
        let header_len = u32::from_le_bytes(len_bytes) as usize;
        let mut header = bytes[start..start + header_len].to_vec();
        let i = at.index(header.len());
        let remove = remove.min(header.len() - i);
        header.splice(i..i + remove, insert);
        let mut out = bytes[..8].to_vec();
        out.extend_from_slice(&(header.len() as u32).to_le_bytes()[..len_size]);
        if len_size == 2 && header.len() > usize::from(u16::MAX) {
            return Ok(());
        }
        out.extend_from_slice(&header);
        out.extend_from_slice(&bytes[start + header_len..]);
        read_as_every_type(&out);
    }

    #[test]
    fn fuzz_random_headers_from_fragments(
        parts in prop::collection::vec(prop::sample::select(vec![
            "{", "}", "(", ")", "[", "]", ",", ":", " ", "'descr'", "'shape'",
            "'fortran_order'", "'<f4'", "'>f8'", "'|b1'", "'<i8'", "'=i4'", "True", "False",
            "None", "0", "1", "3", "-1", "99999999999999999999", "1000000000000", "'x'", "#",
            "\n", "L", "u", "\"", "\\",
        ]), 0..24),
        data in prop::collection::vec(any::<u8>(), 0..64),
        version in prop::sample::select(vec![1u8, 2, 3]),
    ) {
        let dict: String = parts.concat();
        read_as_every_type(&npy_with_header(&dict, version, &data));
    }
}

//! Saving and loading a module's parameters as safetensors, the format PyTorch's
//! `safetensors.torch.save_file(model.state_dict(), path)` writes, with the same names
//! (`0.weight`, `linear1.bias`), so weights move between PyTorch and typetensor.
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;

use safetensors::tensor::{Dtype as StDtype, Metadata, SafeTensors, TensorInfo, TensorView};

use crate::Result;
use crate::atomic_file::write_atomically;
use crate::autograd::Raw;
use crate::device::Device;
use crate::dtype::{DType, FloatDtype};
use crate::error::Error;
use crate::nn::{BufferValue, Parameters};
use crate::shape::Dims;
use crate::tensor::Tensor;

pub(crate) fn st_dtype(d: DType) -> StDtype {
    match d {
        DType::F32 => StDtype::F32,
        DType::F64 => StDtype::F64,
        DType::I32 => StDtype::I32,
        DType::I64 => StDtype::I64,
        DType::Bool => StDtype::BOOL,
    }
}

/// The elements as little-endian bytes.
pub(crate) fn to_le_bytes<E: FloatDtype>(v: &[E]) -> Result<Vec<u8>> {
    let mut out = try_buffer(std::mem::size_of_val(v))?;
    for &x in v {
        match E::DTYPE {
            DType::F64 => out.extend_from_slice(&x.to_f64().to_le_bytes()),
            _ => out.extend_from_slice(&(x.to_f64() as f32).to_le_bytes()),
        }
    }
    Ok(out)
}

pub(crate) fn from_le_bytes<E: FloatDtype>(b: &[u8]) -> Result<Vec<E>> {
    let mut out = crate::device::cpu::try_vec(b.len() / std::mem::size_of::<E>())?;
    out.extend(decode::<E>(b));
    Ok(out)
}

/// The little-endian elements of `b`: 8-byte `f64`s or 4-byte `f32`s, as `E` is.
fn decode<E: FloatDtype>(b: &[u8]) -> impl Iterator<Item = E> + '_ {
    let (f64s, f32s) = match E::DTYPE {
        DType::F64 => (b, &b[..0]),
        _ => (&b[..0], b),
    };
    let wide = f64s.chunks_exact(8).map(|c| {
        E::from_f64(f64::from_le_bytes([
            c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
        ]))
    });
    let narrow = f32s
        .chunks_exact(4)
        .map(|c| E::from_f64(f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))));
    wide.chain(narrow)
}

/// Saves every parameter of `model` to a safetensors file, atomically: the bytes go to a
/// uniquely named temporary file beside `path`, renamed into place, so a failed save never
/// leaves a truncated file and concurrent saves never mix (see `write_npy`).
///
/// ```
/// use typetensor::nn::{self, Linear, Parameters};
/// let path = std::env::temp_dir().join("typetensor_doc_linear.safetensors");
/// let a = Linear::<3, 2>::new();
/// nn::save(&a, &path).unwrap(); // safetensors.torch.save_file(a.state_dict(), path)
/// let mut b = Linear::<3, 2>::new();
/// nn::load(&mut b, &path).unwrap(); // b.load_state_dict(load_file(path))
/// assert_eq!(a.weight.to_vec(), b.weight.to_vec());
/// let mut wrong = Linear::<2, 3>::new();
/// assert!(nn::load(&mut wrong, &path).is_err()); // shapes differ: [2, 3] vs [3, 2]
/// # std::fs::remove_file(path).unwrap();
/// ```
pub fn save<E: FloatDtype, D: Device, M: Parameters<E, D>>(
    model: &M,
    path: impl AsRef<Path>,
) -> Result<()> {
    let bytes = to_bytes(model)?;
    write_atomically(path.as_ref(), |w| Ok(w.write_all(&bytes)?))
}

/// Writes `bytes` to `path` atomically (see `crate::atomic_file`).
pub(crate) fn write_bytes_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, |w| Ok(w.write_all(bytes)?))
}

/// The safetensors bytes of `model`'s parameters and buffers (its `state_dict`).
pub fn to_bytes<E: FloatDtype, D: Device, M: Parameters<E, D>>(model: &M) -> Result<Vec<u8>> {
    let mut entries: Vec<(String, StDtype, Vec<usize>, Vec<u8>)> = Vec::new();
    for p in model.parameters() {
        let raw = p.tensor.raw_value();
        let data = raw.device.download(&raw.storage, &raw.layout)?;
        let dims = raw.dims().as_slice().to_vec();
        entries.push((p.name, st_dtype(E::DTYPE), dims, to_le_bytes(&data)?));
    }
    for b in model.buffers() {
        entries.push(match b.value {
            BufferValue::Float(t) => {
                let dims = t.dims().as_slice().to_vec();
                (
                    b.name,
                    st_dtype(E::DTYPE),
                    dims,
                    to_le_bytes(&t.try_to_vec()?)?,
                )
            }
            BufferValue::Count(n) => (b.name, StDtype::I64, vec![], n.to_le_bytes().to_vec()),
        });
    }
    let views = entries
        .iter()
        .map(|(name, dtype, shape, data)| {
            TensorView::new(*dtype, shape.clone(), data)
                .map(|v| (name.clone(), v))
                .map_err(|e| Error::Checkpoint(format!("parameter {name}: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    safetensors::serialize(views, None).map_err(|e| Error::Checkpoint(e.to_string()))
}

/// Loads every parameter and buffer of `model` from a safetensors file, as PyTorch's strict
/// `load_state_dict`: a missing or unexpected name, a wrong shape or dtype, or a corrupt
/// file is an `Err`, and then `model` is left exactly as it was.
///
/// The header is read and checked against the model first; then exactly the bytes the
/// model's parameters take are read, so a wrong or endless file (`/dev/zero`) costs no more
/// memory than the model itself.
pub fn load<E: FloatDtype, D: Device, M: Parameters<E, D>>(
    model: &mut M,
    path: impl AsRef<Path>,
) -> Result<()> {
    load_from(model, BufReader::new(File::open(path)?))
}

/// [`load`] from any reader (the stream must end after the file).
pub fn load_from<E: FloatDtype, D: Device, M: Parameters<E, D>, R: Read>(
    model: &mut M,
    mut reader: R,
) -> Result<()> {
    let bad = |what: String| Error::Checkpoint(format!("not a safetensors file: {what}"));
    let mut prefix = [0u8; 8];
    reader
        .read_exact(&mut prefix)
        .map_err(|e| bad(format!("no header ({e})")))?;
    let header_len = u64::from_le_bytes(prefix);
    if header_len > MAX_HEADER_LEN {
        return Err(bad(format!(
            "a header of {header_len} bytes (at most {MAX_HEADER_LEN})"
        )));
    }
    // Both bounded: the header by MAX_HEADER_LEN, the data by the model's own size.
    let header_len = header_len as usize;
    let mut bytes = try_buffer(8 + header_len)?;
    bytes.extend_from_slice(&prefix);
    read_to(&mut reader, &mut bytes, header_len, "the header")?;
    let metadata: Metadata = serde_json::from_slice(&bytes[8..])
        .map_err(|e| bad(format!("an unreadable header ({e})")))?;
    let mut found: HashMap<String, &TensorInfo> = metadata.tensors();
    for p in model.parameters() {
        let info = found
            .remove(&p.name)
            .ok_or_else(|| Error::Checkpoint(format!("missing parameter `{}`", p.name)))?;
        check_entry::<E>(&p.name, info.dtype, &info.shape, p.tensor.dims())?;
    }
    for b in model.buffers() {
        let info = found
            .remove(&b.name)
            .ok_or_else(|| Error::Checkpoint(format!("missing buffer `{}`", b.name)))?;
        match &b.value {
            BufferValue::Float(t) => check_entry::<E>(&b.name, info.dtype, &info.shape, t.dims())?,
            BufferValue::Count(_) if info.dtype == StDtype::I64 && info.shape.is_empty() => {}
            BufferValue::Count(_) => {
                return Err(Error::Checkpoint(format!(
                    "buffer `{}` is {:?} {:?} in the file, not an int64 count",
                    b.name, info.dtype, info.shape
                )));
            }
        }
    }
    if let Some(extra) = found.keys().min() {
        return Err(Error::Checkpoint(format!(
            "unexpected parameter `{extra}` in the file"
        )));
    }
    // Every name, dtype and shape is the model's, so the data is the model's size.
    let data_len = metadata.data_len();
    bytes.try_reserve_exact(data_len).map_err(out_of_memory)?;
    read_to(&mut reader, &mut bytes, data_len, "the data")?;
    let mut probe = [0u8; 1];
    if reader.read(&mut probe)? != 0 {
        return Err(bad(format!(
            "data continues past the {data_len} bytes its header describes"
        )));
    }
    from_bytes(model, &bytes)
}

/// The largest header accepted: safetensors' own limit.
const MAX_HEADER_LEN: u64 = 100_000_000;

/// An empty buffer with room for `n` bytes, or an out-of-memory error.
fn try_buffer(n: usize) -> Result<Vec<u8>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(out_of_memory)?;
    Ok(v)
}

fn out_of_memory(e: std::collections::TryReserveError) -> Error {
    Error::Device(format!("out of memory reading a weights file: {e}"))
}

/// Appends exactly `n` bytes from `reader` to `bytes` (whose capacity already holds them).
fn read_to<R: Read>(reader: &mut R, bytes: &mut Vec<u8>, n: usize, what: &str) -> Result<()> {
    let got = reader.take(n as u64).read_to_end(bytes)?;
    if got < n {
        return Err(Error::Checkpoint(format!(
            "not a safetensors file: {what} ends after {got} of {n} bytes"
        )));
    }
    Ok(())
}

/// `Err` unless a file entry's dtype and shape are the model parameter's.
fn check_entry<E: FloatDtype>(
    name: &str,
    dtype: StDtype,
    shape: &[usize],
    dims: Dims,
) -> Result<()> {
    if dtype != st_dtype(E::DTYPE) {
        return Err(Error::Checkpoint(format!(
            "parameter `{name}` is {dtype:?} in the file but {} in the model",
            E::DTYPE
        )));
    }
    if shape != dims.as_slice() {
        return Err(Error::Checkpoint(format!(
            "parameter `{name}` has shape {shape:?} in the file but {:?} in the model",
            dims.as_slice()
        )));
    }
    Ok(())
}

/// [`load`] from bytes in memory.
pub fn from_bytes<E: FloatDtype, D: Device, M: Parameters<E, D>>(
    model: &mut M,
    bytes: &[u8],
) -> Result<()> {
    let file = SafeTensors::deserialize(bytes)
        .map_err(|e| Error::Checkpoint(format!("not a safetensors file: {e}")))?;
    let mut found: HashMap<String, TensorView<'_>> = file.tensors().into_iter().collect();
    // Check everything before writing anything, so a bad file changes nothing.
    let mut staged: Vec<Raw<E, D>> = Vec::new();
    for p in model.parameters() {
        let view = found
            .remove(&p.name)
            .ok_or_else(|| Error::Checkpoint(format!("missing parameter `{}`", p.name)))?;
        let dims = p.tensor.dims();
        check_entry::<E>(&p.name, view.dtype(), view.shape(), dims)?;
        let current = p.tensor.raw_value();
        let storage = current.device.upload(from_le_bytes::<E>(view.data())?)?;
        staged.push(Raw::new(
            storage,
            Dims::new(view.shape()).unwrap_or(dims),
            current.device.clone(),
        ));
    }
    let mut buffers: Vec<(String, BufferValue<E, D>)> = Vec::new();
    for b in model.buffers() {
        let view = found
            .remove(&b.name)
            .ok_or_else(|| Error::Checkpoint(format!("missing buffer `{}`", b.name)))?;
        let value = match (&b.value, view.dtype(), view.shape()) {
            (BufferValue::Float(t), dtype, shape)
                if dtype == st_dtype(E::DTYPE) && shape == t.dims().as_slice() =>
            {
                let data = from_le_bytes::<E>(view.data())?;
                BufferValue::Float(Tensor::from_vec_on(data, t.device())?)
            }
            (BufferValue::Count(_), StDtype::I64, []) => {
                let mut le = [0u8; 8];
                le.copy_from_slice(view.data());
                BufferValue::Count(i64::from_le_bytes(le))
            }
            _ => {
                return Err(Error::Checkpoint(format!(
                    "buffer `{}` is {:?} {:?} in the file, not what the model holds",
                    b.name,
                    view.dtype(),
                    view.shape()
                )));
            }
        };
        buffers.push((b.name, value));
    }
    if let Some(extra) = found.keys().min() {
        return Err(Error::Checkpoint(format!(
            "unexpected parameter `{extra}` in the file"
        )));
    }
    for (p, value) in model.parameters_mut().into_iter().zip(staged) {
        p.tensor.set_raw_value(value);
    }
    // The buffers' values were checked against the model's own, so these cannot fail.
    for (name, value) in buffers {
        model.set_buffer(&name, value)?;
    }
    Ok(())
}

//! Saving and loading a module's parameters as safetensors, the format PyTorch's
//! `safetensors.torch.save_file(model.state_dict(), path)` writes, with the same names
//! (`0.weight`, `linear1.bias`), so weights move between PyTorch and typetensor.
use std::collections::HashMap;
use std::path::Path;

use safetensors::tensor::{Dtype as StDtype, SafeTensors, TensorView};

use crate::Result;
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
pub(crate) fn to_le_bytes<E: FloatDtype>(v: &[E]) -> Vec<u8> {
    let mut out = Vec::with_capacity(std::mem::size_of_val(v));
    for &x in v {
        match E::DTYPE {
            DType::F64 => out.extend_from_slice(&x.to_f64().to_le_bytes()),
            _ => out.extend_from_slice(&(x.to_f64() as f32).to_le_bytes()),
        }
    }
    out
}

pub(crate) fn from_le_bytes<E: FloatDtype>(b: &[u8]) -> Vec<E> {
    match E::DTYPE {
        DType::F64 => b
            .chunks_exact(8)
            .map(|c| {
                E::from_f64(f64::from_le_bytes([
                    c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
                ]))
            })
            .collect(),
        _ => b
            .chunks_exact(4)
            .map(|c| E::from_f64(f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))))
            .collect(),
    }
}

/// Saves every parameter of `model` to a safetensors file (written beside `path` and
/// renamed into place, so a failed save never leaves a truncated file).
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
    write_atomically(path.as_ref(), &bytes)
}

/// Writes `bytes` beside `path` and renames the file into place.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let written = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    Ok(written?)
}

/// The safetensors bytes of `model`'s parameters and buffers (its `state_dict`).
pub fn to_bytes<E: FloatDtype, D: Device, M: Parameters<E, D>>(model: &M) -> Result<Vec<u8>> {
    let mut entries: Vec<(String, StDtype, Vec<usize>, Vec<u8>)> = Vec::new();
    for p in model.parameters() {
        let raw = p.tensor.raw_value();
        let data = raw.device.download(&raw.storage, &raw.layout)?;
        let dims = raw.dims().as_slice().to_vec();
        entries.push((p.name, st_dtype(E::DTYPE), dims, to_le_bytes(&data)));
    }
    for b in model.buffers() {
        entries.push(match b.value {
            BufferValue::Float(t) => {
                let dims = t.dims().as_slice().to_vec();
                (
                    b.name,
                    st_dtype(E::DTYPE),
                    dims,
                    to_le_bytes(&t.try_to_vec()?),
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
pub fn load<E: FloatDtype, D: Device, M: Parameters<E, D>>(
    model: &mut M,
    path: impl AsRef<Path>,
) -> Result<()> {
    let bytes = std::fs::read(path)?;
    from_bytes(model, &bytes)
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
        if view.dtype() != st_dtype(E::DTYPE) {
            return Err(Error::Checkpoint(format!(
                "parameter `{}` is {:?} in the file but {} in the model",
                p.name,
                view.dtype(),
                E::DTYPE
            )));
        }
        let dims = p.tensor.dims();
        if view.shape() != dims.as_slice() {
            return Err(Error::Checkpoint(format!(
                "parameter `{}` has shape {:?} in the file but {:?} in the model",
                p.name,
                view.shape(),
                dims.as_slice()
            )));
        }
        let current = p.tensor.raw_value();
        let storage = current.device.upload(from_le_bytes::<E>(view.data()))?;
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
                let data = from_le_bytes::<E>(view.data());
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

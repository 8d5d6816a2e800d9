//! Saving and loading an optimizer's state (`optimizer.state_dict()`), so a training run
//! resumes bit for bit: safetensors with PyTorch's state names (`state.0.exp_avg`,
//! `state.0.step`), the hyper-parameters as `param_groups.0.*` metadata.
use std::collections::HashMap;

use safetensors::tensor::{Dtype as StDtype, SafeTensors, TensorView};

use crate::Result;
use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::error::Error;
use crate::layout::Layout;
use crate::nn::safetensors::{from_le_bytes, st_dtype, to_le_bytes};
use crate::shape::Dims;

use super::{ParamStates, Slot};

/// What an optimizer keeps for one parameter, as PyTorch's `optimizer.state[p]`: its step
/// count (for optimizers that count) and its named buffers.
pub(crate) trait SavedState<S>: Sized {
    /// The step count and the buffers that exist, under PyTorch's names.
    fn entries(&self) -> (Option<u64>, Vec<(&'static str, &S)>);
    /// The state from a step count and buffers (`take(name)` hands each over once).
    fn restore(step: Option<u64>, take: &mut dyn FnMut(&'static str) -> Option<S>) -> Result<Self>;
}

fn bad(optimizer: &str, msg: String) -> Error {
    Error::Checkpoint(format!("{optimizer} state: {msg}"))
}

fn shape_text(dims: &Dims) -> String {
    dims.as_slice()
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("x")
}

fn parse_shape(text: &str) -> Option<Dims> {
    if text.is_empty() {
        return Dims::new(&[]);
    }
    let dims: Option<Vec<usize>> = text.split('x').map(|d| d.parse().ok()).collect();
    Dims::new(&dims?)
}

impl<T, D: Device> ParamStates<T, D> {
    /// The state as safetensors bytes: `state.{i}.{buffer}` and `state.{i}.step` (a float32
    /// scalar, as PyTorch stores it) for each parameter `i` that has state, and metadata
    /// `optimizer`, `param_groups.0.{hyper-parameter}`, `param_groups.0.param_names` and
    /// `param_groups.0.param_shapes`.
    pub(crate) fn save_bytes<E: FloatDtype>(
        &self,
        optimizer: &str,
        hyper: &[(&'static str, String)],
    ) -> Result<Vec<u8>>
    where
        T: SavedState<D::Storage<E>>,
    {
        let mut meta: HashMap<String, String> = HashMap::new();
        meta.insert("optimizer".into(), optimizer.into());
        for (k, v) in hyper {
            meta.insert(format!("param_groups.0.{k}"), v.clone());
        }
        let mut entries: Vec<(String, Vec<usize>, StDtype, Vec<u8>)> = Vec::new();
        if let Some(slots) = &self.slots {
            let names: Vec<&str> = slots.iter().map(|s| s.name.as_str()).collect();
            let shapes: Vec<String> = slots.iter().map(|s| shape_text(&s.dims)).collect();
            meta.insert("param_groups.0.param_names".into(), names.join(","));
            meta.insert("param_groups.0.param_shapes".into(), shapes.join(","));
            for (i, slot) in slots.iter().enumerate() {
                let Some(state) = &slot.state else { continue };
                let device = self
                    .device
                    .as_ref()
                    .ok_or_else(|| bad(optimizer, "state without a device (a bug)".into()))?;
                let (step, buffers) = state.entries();
                if let Some(step) = step {
                    let bytes = (step as f32).to_le_bytes().to_vec();
                    entries.push((format!("state.{i}.step"), vec![], StDtype::F32, bytes));
                }
                for (name, storage) in buffers {
                    let data = device.download(storage, &Layout::contiguous(slot.dims))?;
                    entries.push((
                        format!("state.{i}.{name}"),
                        slot.dims.as_slice().to_vec(),
                        st_dtype(E::DTYPE),
                        to_le_bytes(&data)?,
                    ));
                }
            }
        }
        let views = entries
            .iter()
            .map(|(name, shape, dtype, data)| {
                TensorView::new(*dtype, shape.clone(), data)
                    .map(|v| (name.clone(), v))
                    .map_err(|e| bad(optimizer, format!("{name}: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        safetensors::serialize(views, Some(meta)).map_err(|e| bad(optimizer, e.to_string()))
    }

    /// Replaces the state with the one in `bytes` (made by [`save_bytes`](Self::save_bytes) for
    /// the same optimizer), its buffers uploaded to `device`, and returns the saved
    /// learning rate. Every hyper-parameter in `hyper` other than `lr` must equal the saved
    /// one (a run resumes with the optimizer it was saved from). On an `Err` nothing
    /// changes.
    pub(crate) fn load_bytes<E: FloatDtype>(
        &mut self,
        optimizer: &str,
        hyper: &[(&'static str, String)],
        bytes: &[u8],
        device: &D,
    ) -> Result<f64>
    where
        T: SavedState<D::Storage<E>>,
    {
        let (_, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| bad(optimizer, format!("not a safetensors file: {e}")))?;
        let meta = header.metadata().clone().unwrap_or_default();
        let file = SafeTensors::deserialize(bytes)
            .map_err(|e| bad(optimizer, format!("not a safetensors file: {e}")))?;
        let get = |k: &str| {
            meta.get(k)
                .ok_or_else(|| bad(optimizer, format!("no `{k}` in the file")))
        };
        if get("optimizer")? != optimizer {
            return Err(bad(
                optimizer,
                format!("the file holds the state of {}", get("optimizer")?),
            ));
        }
        let mut lr = None;
        for (k, v) in hyper {
            let saved = get(&format!("param_groups.0.{k}"))?;
            if *k == "lr" {
                lr = saved.parse::<f64>().ok();
            } else if saved != v {
                return Err(bad(
                    optimizer,
                    format!("saved with {k}={saved}, but this optimizer has {k}={v}"),
                ));
            }
        }
        let lr = lr.ok_or_else(|| bad(optimizer, "unreadable learning rate".into()))?;
        let mut tensors: HashMap<String, TensorView<'_>> = file.tensors().into_iter().collect();
        let slots = match meta.get("param_groups.0.param_names") {
            None => None,
            Some(names) => {
                let shapes = get("param_groups.0.param_shapes")?;
                let names: Vec<&str> = names.split(',').collect();
                let shapes: Vec<&str> = shapes.split(',').collect();
                if names.len() != shapes.len() {
                    return Err(bad(
                        optimizer,
                        "parameter names and shapes differ in number".into(),
                    ));
                }
                let mut slots = Vec::new();
                for (i, (name, shape)) in names.iter().zip(&shapes).enumerate() {
                    let dims = parse_shape(shape)
                        .ok_or_else(|| bad(optimizer, format!("bad shape `{shape}`")))?;
                    let prefix = format!("state.{i}.");
                    let has_state = tensors.keys().any(|k| k.starts_with(&prefix));
                    let state = if has_state {
                        let step = match tensors.remove(&format!("{prefix}step")) {
                            Some(v) if v.dtype() == StDtype::F32 && v.data().len() == 4 => {
                                let b = v.data();
                                Some(f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64)
                            }
                            Some(_) => {
                                return Err(bad(
                                    optimizer,
                                    format!("{prefix}step is not a float32 scalar"),
                                ));
                            }
                            None => None,
                        };
                        let mut error = None;
                        let mut take = |buffer: &'static str| {
                            let key = format!("{prefix}{buffer}");
                            let view = tensors.remove(&key)?;
                            if view.dtype() != st_dtype(E::DTYPE) || view.shape() != dims.as_slice()
                            {
                                error = Some(bad(
                                    optimizer,
                                    format!(
                                        "`{key}` is {:?} {:?}, the parameter {} {:?}",
                                        view.dtype(),
                                        view.shape(),
                                        E::DTYPE,
                                        dims.as_slice()
                                    ),
                                ));
                                return None;
                            }
                            match from_le_bytes::<E>(view.data()).and_then(|v| device.upload(v)) {
                                Ok(s) => Some(s),
                                Err(e) => {
                                    error = Some(e);
                                    None
                                }
                            }
                        };
                        let state = T::restore(step, &mut take);
                        if let Some(e) = error {
                            return Err(e);
                        }
                        Some(state?)
                    } else {
                        None
                    };
                    slots.push(Slot {
                        name: name.to_string(),
                        dims,
                        state,
                    });
                }
                Some(slots)
            }
        };
        if let Some(extra) = tensors.keys().min() {
            return Err(bad(optimizer, format!("unexpected tensor `{extra}`")));
        }
        self.slots = slots;
        self.device = Some(device.clone());
        Ok(lr)
    }
}

//! Moving tensors between devices: `x.to(device)`, `x.cpu()`, `x.to("cpu", torch.double)`.
//!
//! A move copies the elements to the host and uploads them to the target device, so it
//! works between any two devices (CPU to CPU too, which is how the `cuda`-less build
//! exercises it). Moving to the device the tensor is already on returns the tensor itself,
//! as PyTorch's `.to` does. A move of a tensor that requires grad is recorded
//! (`ToCopyBackward0`): the gradient flows back to the source device.
use std::any::Any;

use crate::Result;
use crate::autograd::{self, Grad, Raw};
use crate::device::{Cpu, Device};
use crate::dtype::{CastTo, Dtype};
use crate::shape::Shape;

use super::{Tensor, expect_device};

/// # Devices
impl<S: Shape, E: Dtype, D: Device> Tensor<S, E, D> {
    /// [`to_device`](Self::to_device) with device errors (no GPU memory left, a failed copy)
    /// returned.
    pub fn try_to_device<D2: Device>(&self, device: &D2) -> Result<Tensor<S, E, D2>> {
        // Already there: the tensor itself (same storage, same place in the graph).
        if let Some(same) = (self as &dyn Any).downcast_ref::<Tensor<S, E, D2>>()
            && same.device == *device
        {
            return Ok(same.clone());
        }
        let storage = device.upload(self.try_to_vec()?)?;
        let out = Tensor::from_storage(storage, self.shape, device.clone());
        if !autograd::tracking(&[self.node()]) {
            return Ok(out);
        }
        // The gradient arrives on `device` and goes back to where `self` lives.
        let source = self.device.clone();
        let node = autograd::op_node("ToCopyBackward0", vec![self.node.clone()], move |g| {
            let g = autograd::downcast::<E, D2>(g)?;
            let host = g.device.download(&g.storage, &g.layout)?;
            let back = Raw::new(source.upload(host)?, g.dims(), source.clone());
            Ok(vec![Some(Box::new(back) as Box<dyn Grad>)])
        });
        Ok(Tensor {
            node: Some(node),
            ..out
        })
    }

    /// `x.to(device)`: the same values on another device (a copy; the tensor itself if it is
    /// already there). Tensors on different devices are different types, so an op mixing
    /// them does not compile: move one first. Panics only if the device fails; see
    /// [`try_to_device`](Self::try_to_device).
    ///
    /// ```
    /// use typetensor::{Cpu, Rank1, Tensor};
    /// let x = Tensor::<Rank1<3>>::ones();
    /// let y = x.to_device(&Cpu); // x.to("cpu")
    /// assert_eq!(y.to_vec(), vec![1.0; 3]);
    /// ```
    ///
    /// On a GPU (the `cuda` feature):
    ///
    /// ```no_run
    /// use typetensor::{Cuda, Rank1, Tensor};
    /// let cuda = Cuda::new().expect("a GPU"); // device = torch.device("cuda")
    /// let x = Tensor::<Rank1<3>>::ones().to_device(&cuda); // x = x.to(device)
    /// let z = &x + &x; // runs on the GPU
    /// println!("{z}"); // tensor([2., 2., 2.], device='cuda:0')
    /// ```
    #[track_caller]
    pub fn to_device<D2: Device>(&self, device: &D2) -> Tensor<S, E, D2> {
        expect_device(self.try_to_device(device))
    }

    /// [`cpu`](Self::cpu) with device errors returned.
    pub fn try_cpu(&self) -> Result<Tensor<S, E, Cpu>> {
        self.try_to_device(&Cpu)
    }

    /// `x.cpu()`: the tensor on the host (itself if it is there already).
    #[track_caller]
    pub fn cpu(&self) -> Tensor<S, E, Cpu> {
        expect_device(self.try_cpu())
    }

    /// [`to_device_dtype`](Self::to_device_dtype) with device errors returned.
    pub fn try_to_device_dtype<F, D2: Device>(&self, device: &D2) -> Result<Tensor<S, F, D2>>
    where
        E: CastTo<F>,
        F: Dtype + CastTo<E>,
    {
        self.try_to_dtype::<F>()?.try_to_device(device)
    }

    /// `x.to(device, dtype)`: converted to element type `F` (on the source device) and moved
    /// to `device`; the lesson's `z.to("cpu", torch.double)` is
    /// `z.to_device_dtype::<f64, _>(&Cpu)`.
    ///
    /// ```
    /// use typetensor::{Cpu, tensor};
    /// let z = tensor([1.5f32, 2.0]);
    /// let d = z.to_device_dtype::<f64, _>(&Cpu); // z.to("cpu", torch.double)
    /// assert_eq!(d.to_string(), "tensor([1.5000, 2.0000], dtype=torch.float64)");
    /// ```
    #[track_caller]
    pub fn to_device_dtype<F, D2: Device>(&self, device: &D2) -> Tensor<S, F, D2>
    where
        E: CastTo<F>,
        F: Dtype + CastTo<E>,
    {
        expect_device(self.try_to_device_dtype(device))
    }
}

impl<S: Shape, E: crate::dtype::FloatDtype, D: Device> Tensor<S, E, D> {
    /// This tensor as a module parameter moved to `device` (`model.cuda()`): a new leaf with
    /// the same values, requiring grad if `self` does, its gradient moved too. Not recorded:
    /// a module's parameters stay leaves (PyTorch moves `param.data`).
    pub(crate) fn try_move_param<D2: Device>(&self, device: &D2) -> Result<Tensor<S, E, D2>> {
        let mut moved = self.detach().try_to_device(device)?;
        if self.requires_grad() {
            moved = moved.requires_grad_();
            if let Some(g) = self.grad() {
                moved.set_grad(Some(&g.try_to_device(device)?));
            }
        }
        Ok(moved)
    }
}

//! The autograd side of a tensor: `requires_grad_`, `backward`, `grad`, `detach`, and the
//! helpers ops use to record themselves (see [`crate::autograd`]).
use std::sync::Arc;

use crate::Result;
use crate::autograd::{self, Grad, Gradient, Node, Raw};
use crate::device::Device;
use crate::dtype::{Dtype, FloatDtype};
use crate::error::Error;
use crate::ops::copy::OneElement;
use crate::shape::Shape;

use super::{Tensor, expect_device};

/// # Autograd
impl<S: Shape, E: FloatDtype, D: Device> Tensor<S, E, D> {
    /// `x.requires_grad_()`: from now on, ops on `x` are recorded so that `backward` can
    /// compute `x.grad`. Floating-point tensors only, as in PyTorch.
    ///
    /// ```
    /// use typetensor::tensor;
    /// // x = torch.tensor(1., requires_grad=True), likewise w and b
    /// let x = tensor(1.0f32).requires_grad_();
    /// let w = tensor(2.0f32).requires_grad_();
    /// let b = tensor(3.0f32).requires_grad_();
    /// let y = &(&w * &x) + &b; // y = w * x + b
    /// y.backward();
    /// assert_eq!(w.grad().unwrap().item(), 1.0); // dy/dw = x
    /// assert_eq!(x.grad().unwrap().item(), 2.0); // dy/dx = w
    /// assert_eq!(b.grad().unwrap().item(), 1.0);
    /// ```
    pub fn requires_grad_(mut self) -> Self {
        if self.node.is_none() {
            self.node = Some(Node::leaf());
        }
        self
    }

    /// `x.grad`: the gradient accumulated by `backward` calls, or `None` before the first
    /// (and after [`zero_grad`](Self::zero_grad)). Only leaves keep gradients.
    ///
    /// The [`Gradient`] reads as a tensor; its `zero_()` clears the stored gradient, as
    /// PyTorch's `x.grad.zero_()` does, and other in-place ops do not compile on it.
    pub fn grad(&self) -> Option<Gradient<S, E, D>> {
        let node = self.node.as_ref()?;
        let raw = node.grad::<E, D>()?;
        let shape = S::from_dims(&raw.dims())?;
        let value = Tensor {
            storage: raw.storage,
            layout: raw.layout,
            shape,
            device: raw.device,
            node: None,
        };
        Some(Gradient::new(value, Arc::clone(node)))
    }

    /// `x.grad = None` (what `optimizer.zero_grad()` does since PyTorch 2.0; the next
    /// `backward` then starts from zero, as after `x.grad().unwrap().zero_()`, without a
    /// pass over zeros).
    pub fn zero_grad(&self) {
        if let Some(n) = &self.node {
            n.set_grad(None);
        }
    }

    /// Replaces the accumulated gradient (optimizers and tests use it).
    pub fn set_grad(&self, grad: Option<&Self>) {
        if let Some(n) = &self.node {
            n.set_grad(grad.map(|g| Box::new(g.raw()) as Box<dyn Grad>));
        }
    }

    /// [`backward`](Self::backward) with its errors returned: no graph, a graph an earlier
    /// `backward()` freed, or a device error. On `Err` no gradient has changed.
    pub fn try_backward(&self) -> Result<()>
    where
        S: OneElement,
    {
        self.run_backward(false)
    }

    /// `loss.backward()`: accumulates `d self / d leaf` into every leaf's `grad`. Only a
    /// one-element tensor (a loss) has a `backward`, as PyTorch's implicit seed of 1.
    ///
    /// As in PyTorch, the pass frees the graph's saved intermediate values, so a second
    /// `backward()` through the same ops panics (`try_backward` returns `Err`); use
    /// [`backward_retain_graph`](Self::backward_retain_graph) for all but the last pass.
    /// Panics if `self` is not part of a graph; see [`try_backward`](Self::try_backward).
    ///
    /// ```
    /// use typetensor::tensor;
    /// let x = tensor(3.0f32).requires_grad_();
    /// let y = &x * &x;
    /// y.backward_retain_graph(); // y.backward(retain_graph=True)
    /// y.backward();
    /// assert_eq!(x.grad().unwrap().item(), 12.0); // 6 + 6
    /// assert!(y.try_backward().is_err()); // the graph was freed
    /// ```
    pub fn backward(&self)
    where
        S: OneElement,
    {
        expect_device(self.try_backward())
    }

    /// `loss.backward(retain_graph=True)`: as [`backward`](Self::backward), keeping the
    /// graph so that another backward pass can run through it.
    pub fn backward_retain_graph(&self)
    where
        S: OneElement,
    {
        expect_device(self.try_backward_retain_graph())
    }

    /// [`backward_retain_graph`](Self::backward_retain_graph) with its errors returned.
    pub fn try_backward_retain_graph(&self) -> Result<()>
    where
        S: OneElement,
    {
        self.run_backward(true)
    }

    fn run_backward(&self, retain_graph: bool) -> Result<()> {
        let Some(node) = &self.node else {
            return Err(Error::Autograd(
                "backward() on a tensor that does not require grad and has no grad_fn".into(),
            ));
        };
        let seed = Raw::full(E::one(), self.dims(), &self.device)?;
        autograd::run_backward(node, Box::new(seed), retain_graph)
    }
}

impl<S: Shape, E: Dtype, D: Device> Tensor<S, E, D> {
    /// `x.requires_grad`: whether ops on this tensor are recorded.
    pub fn requires_grad(&self) -> bool {
        self.node.is_some()
    }

    /// `x.is_leaf`: created by the user rather than by a recorded op.
    pub fn is_leaf(&self) -> bool {
        self.node.as_ref().is_none_or(|n| n.is_leaf())
    }

    /// The name of the op that made this tensor (`x.grad_fn`), e.g. `"MmBackward0"`.
    pub fn grad_fn(&self) -> Option<&'static str> {
        self.node.as_ref().and_then(|n| n.grad_fn_name())
    }

    /// `x.detach()`: the same values, outside the graph.
    pub fn detach(&self) -> Self {
        Tensor {
            node: None,
            ..self.clone()
        }
    }

    pub(crate) fn node(&self) -> Option<&Arc<Node>> {
        self.node.as_ref()
    }

    /// A tensor over a raw result's storage and layout, typed as `shape` (whose dims are
    /// the raw tensor's).
    pub(crate) fn from_raw(raw: Raw<E, D>, shape: S) -> Self {
        debug_assert_eq!(shape.dims(), raw.dims());
        Tensor {
            storage: raw.storage,
            layout: raw.layout,
            shape,
            device: raw.device,
            node: None,
        }
    }

    /// The same tensor (storage, layout, graph node) typed as `S2`, whose dims must be
    /// this tensor's: for rules that prove two shape types equal without the compiler
    /// seeing it.
    pub(crate) fn retyped<S2: Shape>(&self) -> Result<Tensor<S2, E, D>> {
        let shape = S2::from_dims(&self.dims()).ok_or_else(|| {
            Error::Device(format!(
                "a tensor of dims {:?} cannot be retyped",
                self.dims()
            ))
        })?;
        Ok(Tensor {
            storage: Arc::clone(&self.storage),
            layout: self.layout,
            shape,
            device: self.device.clone(),
            node: self.node.clone(),
        })
    }

    /// The tensor without its shape type, for backward functions.
    pub(crate) fn raw(&self) -> Raw<E, D> {
        Raw {
            storage: Arc::clone(&self.storage),
            layout: self.layout,
            device: self.device.clone(),
        }
    }

    /// Runs `write(device, storage, layout)` on this tensor's own storage, for an in-place
    /// op whose other inputs have the nodes `others`, when it may write in place: nothing is
    /// recorded (no input requires grad, or grad is disabled), the elements are one dense
    /// run, and the storage is this tensor's alone (copy-on-write has no sharer to protect).
    /// `write` returns whether the device wrote in place. Returns `None`, having changed
    /// nothing, when the op must take the out-of-place path ([`assign`](Self::assign));
    /// afterwards the tensor is what `assign` would make it.
    pub(crate) fn write_in_place(
        &mut self,
        others: &[Option<&Arc<Node>>],
        write: impl FnOnce(&D, &mut D::Storage<E>, &crate::layout::Layout) -> Result<bool>,
    ) -> Option<Result<()>> {
        let recorded = autograd::is_grad_enabled()
            && (self.node.is_some() || others.iter().any(Option::is_some));
        if recorded || !self.layout.is_contiguous() {
            return None;
        }
        let storage = Arc::get_mut(&mut self.storage)?;
        match write(&self.device, storage, &self.layout) {
            Err(e) => return Some(Err(e)),
            // The device has no in-place kernel for this op.
            Ok(false) => return None,
            Ok(true) => {}
        }
        // As `assign`: a leaf keeps its identity; an op's result that is overwritten outside
        // the graph no longer has a grad_fn.
        if self.node.as_ref().is_some_and(|n| !n.is_leaf()) {
            self.node = None;
        }
        Some(Ok(()))
    }

    /// `Err` when an in-place write to `self` is forbidden: `self` is a leaf that requires
    /// grad and grad mode is on (PyTorch: "a leaf Variable that requires grad is being used
    /// in an in-place operation"). Every in-place form (`add_`, `-=`, `copy_`, `out=`,
    /// `numpy_mut`) checks it before doing any work.
    pub(crate) fn check_in_place(&self) -> Result<()> {
        match &self.node {
            Some(n) if n.is_leaf() && autograd::is_grad_enabled() => Err(Error::Autograd(
                "a leaf tensor that requires grad is used in an in-place operation; \
                 do the update inside `typetensor::autograd::no_grad(|| ...)` \
                 (PyTorch: `with torch.no_grad():`)"
                    .into(),
            )),
            _ => Ok(()),
        }
    }

    /// Overwrites `self` with `new`, the in-place forms' common path (`add_`, `-=`,
    /// `copy_`). A leaf that requires grad keeps its identity (and its `grad`), which is
    /// only allowed inside `no_grad`, as in PyTorch ([`check_in_place`](Self::check_in_place)).
    pub(crate) fn assign(&mut self, new: Self) -> Result<()> {
        self.check_in_place()?;
        match &self.node {
            Some(n) if n.is_leaf() => {
                self.storage = new.storage;
                self.layout = new.layout;
            }
            _ => *self = new,
        }
        Ok(())
    }
}

impl<S: Shape, E: Dtype, D: Device> Tensor<S, E, D> {
    /// Attaches a recorded op with one differentiable input to `self` (the op's result).
    /// `backward` maps the result's gradient to the input's.
    pub(crate) fn record1<S1: Shape, E1: Dtype>(
        mut self,
        name: &'static str,
        input: &Tensor<S1, E1, D>,
        backward: impl Fn(&Raw<E, D>) -> Result<Raw<E1, D>> + Send + Sync + 'static,
    ) -> Self {
        if !autograd::tracking(&[input.node()]) {
            return self;
        }
        let node = autograd::op_node(name, vec![input.node.clone()], move |g| {
            let g = autograd::downcast::<E, D>(g)?;
            Ok(vec![Some(Box::new(backward(g)?) as Box<dyn Grad>)])
        });
        self.node = Some(node);
        self
    }

    /// Attaches a recorded op with two differentiable inputs of the same dtype.
    pub(crate) fn record2<S1: Shape, S2: Shape>(
        mut self,
        name: &'static str,
        a: &Tensor<S1, E, D>,
        b: &Tensor<S2, E, D>,
        backward: impl Fn(&Raw<E, D>, bool, bool) -> Result<(Option<Raw<E, D>>, Option<Raw<E, D>>)>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        if !autograd::tracking(&[a.node(), b.node()]) {
            return self;
        }
        let (need_a, need_b) = (a.node.is_some(), b.node.is_some());
        let node = autograd::op_node(name, vec![a.node.clone(), b.node.clone()], move |g| {
            let g = autograd::downcast::<E, D>(g)?;
            let (ga, gb) = backward(g, need_a, need_b)?;
            Ok(vec![
                ga.map(|x| Box::new(x) as Box<dyn Grad>),
                gb.map(|x| Box::new(x) as Box<dyn Grad>),
            ])
        });
        self.node = Some(node);
        self
    }
}

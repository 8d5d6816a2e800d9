//! `nn.Linear`: `y = x Wᵀ + b` with the weight stored as PyTorch does, `[out, in]`, so
//! weights move between PyTorch and typetensor unchanged (the transpose costs no copy).
use crate::device::{Cpu, Device};
use crate::dtype::FloatDtype;
use crate::nn::Module;
use crate::nn::params::{Param, ParamRef, Parameters};
use crate::shape::{Rank1, Rank2, Rank3};
use crate::tensor::Tensor;

/// `torch.nn.Linear(I, O)`: `I` input features, `O` output features.
pub struct Linear<const I: usize, const O: usize, E: FloatDtype = f32, D: Device = Cpu> {
    /// `[O, I]`, as PyTorch's `weight`.
    pub weight: Tensor<Rank2<O, I>, E, D>,
    /// `[O]`, or `None` for `bias=False`.
    pub bias: Option<Tensor<Rank1<O>, E, D>>,
}

impl<const I: usize, const O: usize, E: FloatDtype> Linear<I, O, E, Cpu> {
    /// `nn.Linear(I, O)` with PyTorch's default initialisation: weight and bias uniform in
    /// `[-1/√I, 1/√I]` (what `kaiming_uniform_(a=√5)` amounts to).
    pub fn new() -> Self {
        let bound = E::one() / E::from_f64(I as f64).sqrt();
        Linear {
            weight: uniform(bound),
            bias: Some(uniform(bound)),
        }
    }

    /// `nn.Linear(I, O, bias=False)`, as the lesson's network.
    pub fn no_bias() -> Self {
        let bound = E::one() / E::from_f64(I as f64).sqrt();
        Linear {
            weight: uniform(bound),
            bias: None,
        }
    }
}

impl<const I: usize, const O: usize, E: FloatDtype> Default for Linear<I, O, E, Cpu> {
    fn default() -> Self {
        Self::new()
    }
}

fn uniform<S: crate::shape::ConstShape, E: FloatDtype>(bound: E) -> Tensor<S, E, Cpu> {
    let two = E::one() + E::one();
    // U[0, 1) mapped to U[-bound, bound)
    Tensor::<S, E, Cpu>::rand()
        .mul_scalar(two * bound)
        .sub_scalar(bound)
        .requires_grad_()
}

impl<const I: usize, const O: usize, E: FloatDtype, D: Device> Linear<I, O, E, D> {
    /// A layer from given weights (`[O, I]`) and optional bias; both will record gradients.
    pub fn from_weights(
        weight: Tensor<Rank2<O, I>, E, D>,
        bias: Option<Tensor<Rank1<O>, E, D>>,
    ) -> Self {
        Linear {
            weight: weight.requires_grad_(),
            bias: bias.map(Tensor::requires_grad_),
        }
    }
}

impl<const B: usize, const I: usize, const O: usize, E: FloatDtype, D: Device>
    Module<&Tensor<Rank2<B, I>, E, D>> for Linear<I, O, E, D>
{
    type Output = Tensor<Rank2<B, O>, E, D>;
    fn forward(&self, x: &Tensor<Rank2<B, I>, E, D>) -> Self::Output {
        let y = x.mm(&self.weight.t());
        match &self.bias {
            Some(b) => y + b,
            None => y,
        }
    }
}

impl<const B: usize, const I: usize, const O: usize, E: FloatDtype, D: Device>
    Module<Tensor<Rank2<B, I>, E, D>> for Linear<I, O, E, D>
{
    type Output = Tensor<Rank2<B, O>, E, D>;
    fn forward(&self, x: Tensor<Rank2<B, I>, E, D>) -> Self::Output {
        self.forward(&x)
    }
}

impl<const I: usize, const O: usize, E: FloatDtype, D: Device> Module<&Tensor<Rank1<I>, E, D>>
    for Linear<I, O, E, D>
{
    type Output = Tensor<Rank1<O>, E, D>;
    fn forward(&self, x: &Tensor<Rank1<I>, E, D>) -> Self::Output {
        let y = self.weight.matmul(x);
        match &self.bias {
            Some(b) => y + b,
            None => y,
        }
    }
}

impl<const I: usize, const O: usize, E: FloatDtype, D: Device> Module<Tensor<Rank1<I>, E, D>>
    for Linear<I, O, E, D>
{
    type Output = Tensor<Rank1<O>, E, D>;
    fn forward(&self, x: Tensor<Rank1<I>, E, D>) -> Self::Output {
        self.forward(&x)
    }
}

impl<const A: usize, const B: usize, const I: usize, const O: usize, E: FloatDtype, D: Device>
    Module<&Tensor<Rank3<A, B, I>, E, D>> for Linear<I, O, E, D>
{
    type Output = Tensor<Rank3<A, B, O>, E, D>;
    fn forward(&self, x: &Tensor<Rank3<A, B, I>, E, D>) -> Self::Output {
        let y = x.matmul(&self.weight.t());
        match &self.bias {
            Some(b) => y + b,
            None => y,
        }
    }
}

impl<const I: usize, const O: usize, E: FloatDtype, D: Device> Parameters<E, D>
    for Linear<I, O, E, D>
{
    fn parameters(&self) -> Vec<ParamRef<'_, E, D>> {
        let mut v = vec![ParamRef {
            name: "weight".into(),
            tensor: &self.weight,
        }];
        if let Some(b) = &self.bias {
            v.push(ParamRef {
                name: "bias".into(),
                tensor: b,
            });
        }
        v
    }
    fn parameters_mut(&mut self) -> Vec<Param<'_, E, D>> {
        let mut v: Vec<Param<'_, E, D>> = vec![Param {
            name: "weight".into(),
            tensor: &mut self.weight,
        }];
        if let Some(b) = &mut self.bias {
            v.push(Param {
                name: "bias".into(),
                tensor: b,
            });
        }
        v
    }
}

impl<const I: usize, const O: usize, E: FloatDtype, D: Device> std::fmt::Debug
    for Linear<I, O, E, D>
{
    /// As PyTorch prints a layer: `Linear(in_features=1000, out_features=100, bias=False)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let bias = if self.bias.is_some() { "True" } else { "False" };
        write!(f, "Linear(in_features={I}, out_features={O}, bias={bias})")
    }
}

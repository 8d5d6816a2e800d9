//! Random tensors, from one seedable generator per thread (`torch.manual_seed`).
use std::cell::RefCell;

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::Result;
use crate::device::{Cpu, Device};
use crate::dtype::FloatDtype;
use crate::shape::{ConstShape, Shape};

use super::{Tensor, expect_device};

thread_local! {
    static RNG: RefCell<StdRng> = RefCell::new(StdRng::from_rng(&mut rand::rng()));
}

/// Seeds this thread's generator, as `torch.manual_seed(seed)`: the same seed gives the
/// same `rand`/`randn` tensors on every run (not the same numbers as PyTorch's generator).
pub fn manual_seed(seed: u64) {
    RNG.with(|r| *r.borrow_mut() = StdRng::seed_from_u64(seed));
}

pub(super) fn sample<E: FloatDtype>(n: usize, normal: bool) -> Vec<E> {
    RNG.with(|r| {
        let rng = &mut *r.borrow_mut();
        if normal {
            (0..n).map(|_| E::sample_normal(rng)).collect()
        } else {
            (0..n).map(|_| E::sample_uniform(rng)).collect()
        }
    })
}

/// # Random tensors
impl<S: ConstShape, E: FloatDtype> Tensor<S, E, Cpu> {
    /// Uniform samples from [0, 1): `torch.rand(5, 3)`.
    pub fn rand() -> Self {
        const { <S as ConstShape>::ASSERT_STATIC };
        Self::from_storage(sample(S::NUMEL, false), S::default(), Cpu)
    }

    /// Standard normal samples: `torch.randn(5, 3)`.
    pub fn randn() -> Self {
        const { <S as ConstShape>::ASSERT_STATIC };
        Self::from_storage(sample(S::NUMEL, true), S::default(), Cpu)
    }
}

impl<S: Shape, E: FloatDtype, D: Device> Tensor<S, E, D> {
    /// `torch.rand_like(x)`.
    pub fn rand_like(&self) -> Self {
        expect_device(self.try_rand_like())
    }

    /// [`rand_like`](Self::rand_like) with device errors returned.
    pub fn try_rand_like(&self) -> Result<Self> {
        self.try_random_like(false)
    }

    /// `torch.randn_like(x)`.
    pub fn randn_like(&self) -> Self {
        expect_device(self.try_randn_like())
    }

    /// [`randn_like`](Self::randn_like) with device errors returned.
    pub fn try_randn_like(&self) -> Result<Self> {
        self.try_random_like(true)
    }

    /// `torch.randn_like(x, dtype=…)`: same shape and device, element type `E2`.
    ///
    /// ```
    /// use typetensor::{Rank2, Tensor};
    /// let x = Tensor::<Rank2<5, 3>, f64>::ones();
    /// let y = x.randn_like_dtype::<f32>(); // torch.randn_like(x, dtype=torch.float)
    /// assert_eq!(y.shape(), [5, 3]);
    /// ```
    pub fn randn_like_dtype<E2: FloatDtype>(&self) -> Tensor<S, E2, D> {
        expect_device(self.try_randn_like_dtype::<E2>())
    }

    /// [`randn_like_dtype`](Self::randn_like_dtype) with device errors returned.
    pub fn try_randn_like_dtype<E2: FloatDtype>(&self) -> Result<Tensor<S, E2, D>> {
        let data = sample::<E2>(self.numel(), true);
        Ok(self.with_storage(self.device.upload(data)?))
    }

    fn try_random_like(&self, normal: bool) -> Result<Self> {
        let data = sample::<E>(self.numel(), normal);
        Ok(self.with_storage(self.device.upload(data)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Rank1;

    #[test]
    fn seeded_and_in_range() {
        manual_seed(7);
        let a = Tensor::<Rank1<1000>>::rand();
        manual_seed(7);
        let b = Tensor::<Rank1<1000>>::rand();
        assert_eq!(a.to_vec(), b.to_vec());
        assert!(a.to_vec().iter().all(|&v| (0.0..1.0).contains(&v)));
        let n = Tensor::<Rank1<1000>, f64>::randn().to_vec();
        let mean = n.iter().sum::<f64>() / 1000.0;
        let var = n.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / 1000.0;
        assert!(
            mean.abs() < 0.15 && (var - 1.0).abs() < 0.2,
            "mean {mean} var {var}"
        );
    }
}

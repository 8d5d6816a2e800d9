// A generic flatten through `view_any`: any batch size, checked per instantiation at build time.
use typetensor::{Rank1, Rank2, Rank3, Tensor};

fn flatten<const B: usize, const BF: usize>(x: &Tensor<Rank2<B, 10>>) -> Tensor<Rank1<BF>> {
    x.view_any::<Rank1<BF>>()
}

fn images_to_rows<const B: usize, const H: usize, const W: usize, const HW: usize>(
    x: &Tensor<Rank3<B, H, W>>,
) -> Tensor<Rank2<B, HW>> {
    x.view_any::<Rank2<B, HW>>()
}

fn main() {
    let y = flatten::<4, 40>(&Tensor::zeros());
    assert_eq!(y.shape(), [40]);
    let y: Tensor<Rank1<12_340>> = flatten::<1234, 12_340>(&Tensor::zeros());
    assert_eq!(y.numel(), 12_340);
    let rows: Tensor<Rank2<2, 784>> = images_to_rows(&Tensor::<Rank3<2, 28, 28>>::ones());
    assert_eq!(rows.sum().item(), 1568.0);
}

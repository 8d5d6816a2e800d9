// Sizes that typenum's own map does not cover are computed by `cargo check` through the
// crate's table (every size up to 4096, multiples of 64 up to 65536, ...), for every rule;
// sizes beyond the table and generic sizes go through the escape each rule's message names:
// `view_any` (checked by `cargo build`) or a run-time dimension (`to_dyn`, checked when run).
use typetensor::nn::{Conv2d, Module};
use typetensor::{DYN, Dim, Infer, Rank1, Rank2, Rank3, Rank4, Tensor};

fn generic<const B: usize>(x: &Tensor<Rank2<B, 10>>) -> Tensor<Rank2<DYN, 10>> {
    // `slice_from::<0, 1>()` of a generic size has no static result: B - 1 is run-time.
    let tail: Tensor<Rank2<DYN, 10>> = x.to_dyn::<0>().slice_from::<0, 1>();
    // `view(B, -1)` of a generic B: name the result and let `cargo build` check the count.
    let same: Tensor<Rank2<B, 10>> = x.view_any::<Rank2<B, 10>>();
    let flat: Tensor<Rank1<DYN>> = same.to_dyn::<0>().flatten();
    assert_eq!(flat.shape()[0], B * 10);
    tail.cat::<0, _>(&x.to_dyn::<0>().narrow::<0, 0, 1>().to_dyn::<0>())
}

// A generic image size has no output size a type can name: make it a run-time one; the
// window is then checked when the layer runs, and the channels still at `cargo check`.
fn generic_image<const N: usize, const H: usize>(
    conv: &Conv2d<1, 6, 5>,
    x: &Tensor<Rank4<N, 1, H, H>>,
) -> Tensor<Rank2<N, DYN>> {
    let y: Tensor<Rank4<N, 6, DYN, DYN>> = conv.forward(&x.to_dyn::<2>().to_dyn::<3>());
    y.max_pool2d::<2>().flatten_from::<1>()
}

fn main() {
    // view to a full shape and with Infer, at sizes outside typenum's map
    let x = Tensor::<Rank2<3072, 2>>::zeros();
    let _v: Tensor<Rank1<6144>> = x.view::<Rank1<6144>>();
    let img = Tensor::<Rank4<4, 3, 32, 32>>::zeros();
    let _rows: Tensor<Rank2<4, 3072>> = img.view::<(Dim<4>, Infer)>();
    let _r: Tensor<Rank3<12, 32, 32>> = img.reshape::<(Infer, Dim<32>, Dim<32>)>();
    let _f: Tensor<Rank1<12288>> = img.flatten();
    let feat = Tensor::<Rank4<2, 512, 7, 7>>::zeros();
    let _ff: Tensor<Rank2<2, 25088>> = feat.view::<(Dim<2>, Infer)>();
    let lenet = Tensor::<Rank4<2, 64, 7, 7>>::zeros();
    let _l: Tensor<Rank2<2, 3136>> = lenet.view::<(Dim<2>, Infer)>();
    let vocab = Tensor::<Rank2<1, 50257>>::zeros();
    let _u: Tensor<Rank3<1, 1, 50257>> = vocab.unsqueeze::<1>();
    let _vf: Tensor<Rank1<50257>> = vocab.flatten();
    // slicing and narrow
    let long = Tensor::<Rank2<2048, 3>>::zeros();
    let _s: Tensor<Rank2<2046, 3>> = long.slice_from::<0, 2>();
    let _n: Tensor<Rank2<1500, 3>> = long.narrow::<0, 500, 1500>();
    // cat
    let a = Tensor::<Rank2<512, 3>>::zeros();
    let b = Tensor::<Rank2<1000, 3>>::zeros();
    let _c: Tensor<Rank2<1512, 3>> = a.cat::<0, _>(&b);
    // beyond the table: 4500 elements
    let odd = Tensor::<Rank2<1500, 3>>::zeros();
    let _o: Tensor<Rank1<4500>> = odd.view_any::<Rank1<4500>>();
    let _od: Tensor<Rank1<DYN>> = odd.to_dyn::<0>().flatten();
    // a convolution over an image larger than the table (5000 rows)
    let tall = Tensor::<Rank4<1, 1, 5000, 8>>::zeros();
    let _t: Tensor<Rank4<1, 6, DYN, 4>> = tall.to_dyn::<2>().conv2d(&Tensor::<Rank4<6, 1, 5, 5>>::zeros(), None);
    // generic sizes
    let g = generic::<5>(&Tensor::zeros());
    assert_eq!(g.shape(), [5, 10]);
    let f = generic_image::<2, 12>(&Conv2d::new(), &Tensor::zeros());
    assert_eq!(f.shape(), [2, 6 * 4 * 4]);
}

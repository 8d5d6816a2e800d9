//! New shapes for the same elements against plain references on random data: `view` and
//! `reshape` to full shapes and with `Infer`, of contiguous, offset and non-contiguous
//! tensors; `flatten`, `unsqueeze`, `expand_dim`, `view_any`.
use proptest::prelude::*;

use crate::ops::test_support::{cfg, check_moved, moved_vals, transpose_ref};
use crate::{Dim, Infer, Rank0, Rank1, Rank2, Rank3, Rank4, Tensor, tensor};

/// Checks a reshaped tensor's type-level shape (by annotation at the call), run-time shape
/// and row-major values.
macro_rules! reshaped {
    ($what:expr, $t:expr, $dims:expr, $want:expr) => {{
        let t = $t;
        prop_assert_eq!(t.shape().as_slice().to_vec(), $dims.to_vec(), "{}", $what);
        check_moved($what, &t.to_vec(), &$want)?;
    }};
}

proptest! {
    #![proptest_config(cfg(64))]

    #[test]
    fn view_to_full_shapes_and_infer(a in moved_vals::<f32>(24)) {
        let x = Tensor::<Rank2<4, 6>>::from_vec(a.clone()).unwrap();
        reshaped!("view Rank1<24>", x.view::<Rank1<24>>(), [24], a);
        reshaped!("view Rank3<2, 3, 4>", x.view::<Rank3<2, 3, 4>>(), [2, 3, 4], a);
        reshaped!("view Rank2<3, 8>", x.view::<Rank2<3, 8>>(), [3, 8], a);
        reshaped!("view Rank4<2, 2, 3, 2>", x.view::<Rank4<2, 2, 3, 2>>(), [2, 2, 3, 2], a);
        reshaped!("reshape Rank2<4, 6>", x.reshape::<Rank2<4, 6>>(), [4, 6], a);
        let y: Tensor<Rank2<3, 8>> = x.view::<(Infer, Dim<8>)>();
        reshaped!("view(-1, 8)", y, [3, 8], a);
        let y: Tensor<Rank2<8, 3>> = x.view::<(Dim<8>, Infer)>();
        reshaped!("view(8, -1)", y, [8, 3], a);
        let y: Tensor<Rank3<2, 3, 4>> = x.view::<(Dim<2>, Infer, Dim<4>)>();
        reshaped!("view(2, -1, 4)", y, [2, 3, 4], a);
        let y: Tensor<Rank1<24>> = x.view::<(Infer,)>();
        reshaped!("view(-1)", y, [24], a);
        let y: Tensor<Rank4<2, 3, 2, 2>> = x.reshape::<(Dim<2>, Dim<3>, Dim<2>, Infer)>();
        reshaped!("reshape(2, 3, 2, -1)", y, [2, 3, 2, 2], a);
        let y: Tensor<Rank4<1, 24, 1, 1>> = x.view::<(Dim<1>, Infer, Dim<1>, Dim<1>)>();
        reshaped!("view(1, -1, 1, 1)", y, [1, 24, 1, 1], a);
        // View of a view, and back.
        let back: Tensor<Rank2<4, 6>> = x.view::<Rank3<2, 3, 4>>().view::<(Infer, Dim<6>)>();
        reshaped!("view chain", back, [4, 6], a);
        check_moved("x unchanged", &x.to_vec(), &a)?;
    }

    #[test]
    fn reshape_of_non_contiguous_is_row_major_of_the_view(a in moved_vals::<f32>(24), b in moved_vals::<i32>(24)) {
        let x = Tensor::<Rank2<4, 6>>::from_vec(a.clone()).unwrap();
        let xt = x.t(); // [6, 4]
        let at = transpose_ref(&a, 4, 6);
        reshaped!("t().reshape(24)", xt.reshape::<Rank1<24>>(), [24], at);
        reshaped!("t().view(-1, 3)", xt.view::<(Infer, Dim<3>)>(), [8, 3], at);
        reshaped!("t().view(2, 3, 4)", xt.view::<Rank3<2, 3, 4>>(), [2, 3, 4], at);
        reshaped!("t().flatten()", xt.flatten(), [24], at);
        let r: Tensor<Rank2<6, 4>> = xt.view::<Rank3<3, 2, 4>>().view::<(Infer, Dim<4>)>();
        reshaped!("t() view chain", r, [6, 4], at);

        // Rows 1..3 of x: contiguous at an offset, so a view.
        let rows = x.narrow::<0, 1, 2>();
        prop_assert!(rows.is_contiguous());
        let v = rows.view::<Rank1<12>>();
        prop_assert!(v.is_contiguous());
        reshaped!("narrow rows view", v, [12], a[6..18]);
        // Columns 2..5 of x: strided, so a copy.
        let cols = x.narrow::<1, 2, 3>();
        let want: Vec<f32> = (0..4).flat_map(|r| a[r * 6 + 2..r * 6 + 5].to_vec()).collect();
        reshaped!("narrow cols reshape", cols.reshape::<(Infer,)>(), [12], want);
        reshaped!("narrow cols view 3x4", cols.view::<Rank2<3, 4>>(), [3, 4], want);

        // A permuted Rank3: p[i, j, k] = z[j, k, i], dims [4, 2, 3].
        let z = Tensor::<Rank3<2, 3, 4>, i32>::from_vec(b.clone()).unwrap();
        let p = z.permute::<2, 0, 1>();
        let pb: Vec<i32> = (0..24).map(|f| b[((f / 3) % 2) * 12 + (f % 3) * 4 + f / 6]).collect();
        reshaped!("permute().flatten()", p.flatten(), [24], pb);
        reshaped!("permute().view(-1, 6)", p.view::<(Infer, Dim<6>)>(), [4, 6], pb);
        reshaped!("permute().view_any", p.view_any::<Rank2<12, 2>>(), [12, 2], pb);
        check_moved("z unchanged", &z.to_vec(), &b)?;
    }

    #[test]
    fn unsqueeze_every_position(a in moved_vals::<i32>(12), s in any::<i32>()) {
        let x = Tensor::<Rank2<3, 4>, i32>::from_vec(a.clone()).unwrap();
        let u: Tensor<Rank3<1, 3, 4>, i32> = x.unsqueeze::<0>();
        reshaped!("unsqueeze(0)", u, [1, 3, 4], a);
        let u: Tensor<Rank3<3, 1, 4>, i32> = x.unsqueeze::<1>();
        reshaped!("unsqueeze(1)", u, [3, 1, 4], a);
        let u: Tensor<Rank3<3, 4, 1>, i32> = x.unsqueeze::<2>();
        reshaped!("unsqueeze(2)", u, [3, 4, 1], a);
        let u: Tensor<Rank4<3, 1, 4, 1>, i32> = x.unsqueeze::<1>().unsqueeze::<3>();
        reshaped!("unsqueeze(1).unsqueeze(3)", u, [3, 1, 4, 1], a);
        let at = transpose_ref(&a, 3, 4);
        let u: Tensor<Rank3<4, 1, 3>, i32> = x.t().unsqueeze::<1>();
        reshaped!("t().unsqueeze(1)", u, [4, 1, 3], at);
        let u: Tensor<Rank3<4, 3, 1>, i32> = x.t().unsqueeze::<2>();
        reshaped!("t().unsqueeze(2)", u, [4, 3, 1], at);
        let u: Tensor<Rank1<1>, i32> = tensor(s).unsqueeze::<0>();
        reshaped!("scalar unsqueeze(0)", u, [1], [s]);
        let v: Tensor<Rank2<1, 3>, i32> = Tensor::<Rank1<3>, i32>::from_vec(a[..3].to_vec()).unwrap().unsqueeze::<0>();
        reshaped!("vector unsqueeze(0)", v, [1, 3], a[..3]);
        let v: Tensor<Rank2<3, 1>, i32> = Tensor::<Rank1<3>, i32>::from_vec(a[..3].to_vec()).unwrap().unsqueeze::<1>();
        reshaped!("vector unsqueeze(1)", v, [3, 1], a[..3]);
    }

    #[test]
    fn expand_dim_repeats_size_one_dimensions(a in moved_vals::<f32>(3), b in moved_vals::<f32>(6), c in moved_vals::<f32>(12)) {
        let col = Tensor::<Rank2<3, 1>>::from_vec(a.clone()).unwrap();
        let wide: Tensor<Rank2<3, 4>> = col.expand_dim::<1, 4>();
        let want: Vec<f32> = a.iter().flat_map(|&v| [v; 4]).collect();
        reshaped!("col.expand(3, 4)", wide.clone(), [3, 4], want);
        // Expanded views feed other ops and reshape (a copy).
        reshaped!("expand().flatten()", wide.flatten(), [12], want);
        reshaped!("expand().t()", wide.t(), [4, 3], transpose_ref(&want, 3, 4));
        let cm = Tensor::<Rank2<3, 4>>::from_vec(c.clone()).unwrap();
        let sum: Vec<f32> = want.iter().zip(&c).map(|(p, q)| p + q).collect();
        reshaped!("expand() + mat", &wide + &cm, [3, 4], sum);
        reshaped!("expand().contiguous()", wide.contiguous(), [3, 4], want);

        let row = Tensor::<Rank2<1, 3>>::from_vec(a.clone()).unwrap();
        let tall: Tensor<Rank2<5, 3>> = row.expand_dim::<0, 5>();
        reshaped!("row.expand(5, 3)", tall, [5, 3], a.repeat(5));

        // Rank3<2, 1, 3> expanded along the middle: each [1, 3] block repeats.
        let m = Tensor::<Rank3<2, 1, 3>>::from_vec(b.clone()).unwrap();
        let e: Tensor<Rank3<2, 4, 3>> = m.expand_dim::<1, 4>();
        let want: Vec<f32> = (0..2).flat_map(|i| b[i * 3..i * 3 + 3].repeat(4)).collect();
        reshaped!("expand middle", e.clone(), [2, 4, 3], want);
        reshaped!("expand middle view(-1, 3)", e.view::<(Infer, Dim<3>)>(), [8, 3], want);
        // unsqueeze then expand: a vector broadcast into a matrix explicitly.
        let v = Tensor::<Rank1<3>>::from_vec(a.clone()).unwrap();
        let e: Tensor<Rank2<3, 2>> = v.unsqueeze::<1>().expand_dim::<1, 2>();
        reshaped!("unsqueeze(1).expand", e, [3, 2], a.iter().flat_map(|&x| [x, x]).collect::<Vec<_>>());
        // Expanding a transposed view: row.t() is [3, 1] with strides [1, 3].
        let e: Tensor<Rank2<3, 5>> = row.t().expand_dim::<1, 5>();
        reshaped!("t().expand", e, [3, 5], a.iter().flat_map(|&x| [x; 5]).collect::<Vec<_>>());
        // Expanding to size 1 and to size 0.
        let same: Tensor<Rank2<3, 1>> = col.expand_dim::<1, 1>();
        reshaped!("expand to 1", same, [3, 1], a);
        let none: Tensor<Rank2<3, 0>> = col.expand_dim::<1, 0>();
        prop_assert!(none.to_vec().is_empty());
    }

    #[test]
    fn view_any_takes_any_sizes(a in moved_vals::<i32>(24)) {
        fn flatten_any<const B: usize, const BF: usize>(x: &Tensor<Rank2<B, 12>, i32>) -> Tensor<Rank1<BF>, i32> {
            x.view_any::<Rank1<BF>>()
        }
        let x = Tensor::<Rank2<2, 12>, i32>::from_vec(a.clone()).unwrap();
        reshaped!("generic view_any", flatten_any::<2, 24>(&x), [24], a);
        reshaped!("view_any Rank3", x.view_any::<Rank3<2, 2, 6>>(), [2, 2, 6], a);
        reshaped!("view_any Rank4", x.view_any::<Rank4<1, 2, 3, 4>>(), [1, 2, 3, 4], a);
        let at = transpose_ref(&a, 2, 12);
        reshaped!("t().view_any", x.t().view_any::<Rank3<3, 4, 2>>(), [3, 4, 2], at);
    }
}

#[test]
fn zero_size_and_scalar_views() {
    let e = Tensor::<Rank2<0, 3>, i64>::zeros();
    let v: Tensor<Rank1<0>, i64> = e.view::<Rank1<0>>();
    assert!(v.to_vec().is_empty());
    let v: Tensor<Rank2<0, 3>, i64> = e.t().view::<(Infer, Dim<3>)>();
    assert_eq!(v.shape(), [0, 3]);
    let v: Tensor<Rank3<3, 0, 1>, i64> = e.t().unsqueeze::<2>();
    assert!(v.to_vec().is_empty());
    let s: Tensor<Rank0> = tensor([[2.5f32]]).view::<Rank0>();
    assert_eq!(s.item().to_bits(), 2.5f32.to_bits());
    let r: Tensor<Rank3<1, 1, 1>> = tensor(2.5f32).view::<Rank3<1, 1, 1>>();
    assert_eq!(r.to_vec(), vec![2.5]);
}

#[test]
fn lesson_view_examples() {
    // x = torch.randn(4, 4); y = x.view(16); z = x.view(-1, 8)
    let x = Tensor::<Rank2<4, 4>>::from_fn(|i| i as f32 * 0.5 - 3.0);
    let y: Tensor<Rank1<16>> = x.view::<Rank1<16>>();
    let z: Tensor<Rank2<2, 8>> = x.view::<(Infer, Dim<8>)>();
    assert_eq!(x.shape().to_string(), "torch.Size([4, 4])");
    assert_eq!(y.shape().to_string(), "torch.Size([16])");
    assert_eq!(z.shape().to_string(), "torch.Size([2, 8])");
    assert_eq!(y.to_vec(), x.to_vec());
    assert_eq!(z.to_vec(), x.to_vec());
}

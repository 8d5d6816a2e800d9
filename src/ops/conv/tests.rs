//! Convolutions against a direct seven-loop reference on random data (forward and the three
//! gradients), over strides, paddings, dilations, groups, rectangular kernels, 1-D and
//! unbatched inputs, strided views; and the kernels' own contracts (im2col and col2im are
//! adjoint, bad geometry is an `Err`).
use crate::device::Cpu;
use crate::layout::Layout;
use crate::ops::conv::{ConvKernel, ConvOpts, Window2d};
use crate::shape::{ConstShape, Dims, Rank1, Rank2, Rank3, Rank4};
use crate::{Tensor, manual_seed};

/// A convolution's sizes, as the reference loops read them (1-D: `h = kh = 1`).
#[derive(Clone, Copy, Debug)]
struct Geo {
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    oc: usize,
    kh: usize,
    kw: usize,
    s: usize,
    p: usize,
    d: usize,
    g: usize,
    one_d: bool,
}

impl Geo {
    fn cg(&self) -> usize {
        self.c / self.g
    }
    /// Stride, padding, dilation along H (none for 1-D).
    fn sph(&self) -> (usize, usize, usize) {
        if self.one_d {
            (1, 0, 1)
        } else {
            (self.s, self.p, self.d)
        }
    }
    fn oh(&self) -> usize {
        let (s, p, d) = self.sph();
        (self.h + 2 * p - d * (self.kh - 1) - 1) / s + 1
    }
    fn ow(&self) -> usize {
        (self.w + 2 * self.p - self.d * (self.kw - 1) - 1) / self.s + 1
    }
    /// The input element an output `(n, o, oy, ox)` reads at weight tap `(cg, i, j)`, if
    /// it is not padding: `(x index, w index)`.
    fn taps(&self, n: usize, o: usize, oy: usize, ox: usize) -> Vec<(usize, usize)> {
        let (sh, ph, dh) = self.sph();
        let group = o / (self.oc / self.g);
        let mut v = Vec::new();
        for cg in 0..self.cg() {
            let c = group * self.cg() + cg;
            for i in 0..self.kh {
                for j in 0..self.kw {
                    let iy = (oy * sh + i * dh) as isize - ph as isize;
                    let ix = (ox * self.s + j * self.d) as isize - self.p as isize;
                    if iy < 0 || ix < 0 || iy >= self.h as isize || ix >= self.w as isize {
                        continue;
                    }
                    let xi = ((n * self.c + c) * self.h + iy as usize) * self.w + ix as usize;
                    let wi = ((o * self.cg() + cg) * self.kh + i) * self.kw + j;
                    v.push((xi, wi));
                }
            }
        }
        v
    }
    fn outputs(&self) -> impl Iterator<Item = (usize, usize, usize, usize, usize)> + '_ {
        let (oh, ow) = (self.oh(), self.ow());
        (0..self.n * self.oc * oh * ow).map(move |k| {
            let (n, o, oy, ox) = (
                k / (self.oc * oh * ow),
                k / (oh * ow) % self.oc,
                k / ow % oh,
                k % ow,
            );
            (k, n, o, oy, ox)
        })
    }
}

/// The direct convolution.
fn reference(x: &[f64], w: &[f64], b: Option<&[f64]>, geo: Geo) -> Vec<f64> {
    geo.outputs()
        .map(|(_, n, o, oy, ox)| {
            let s: f64 = geo
                .taps(n, o, oy, ox)
                .iter()
                .map(|&(xi, wi)| x[xi] * w[wi])
                .sum();
            s + b.map_or(0.0, |b| b[o])
        })
        .collect()
}

/// The gradients of `sum(conv(x, w, b) * gy)` by the direct loops.
fn reference_grads(x: &[f64], w: &[f64], gy: &[f64], geo: Geo) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (mut gx, mut gw, mut gb) = (vec![0.0; x.len()], vec![0.0; w.len()], vec![0.0; geo.oc]);
    for (k, n, o, oy, ox) in geo.outputs() {
        gb[o] += gy[k];
        for (xi, wi) in geo.taps(n, o, oy, ox) {
            gx[xi] += gy[k] * w[wi];
            gw[wi] += gy[k] * x[xi];
        }
    }
    (gx, gw, gb)
}

fn close(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * w.abs().max(1.0),
            "{what}: element {i}: got {g}, want {w}"
        );
    }
}

/// Runs `conv` (input, weight, bias → output) on random f64 data of the given shapes and
/// checks the output and all three gradients against the reference.
fn check<SX: ConstShape, SW: ConstShape, SO: ConstShape>(
    what: &str,
    geo: Geo,
    conv: impl Fn(&Tensor<SX, f64>, &Tensor<SW, f64>, &Tensor<Rank1<{ MAXC }>, f64>) -> Tensor<SO, f64>,
) {
    manual_seed(7);
    let x = Tensor::<SX, f64>::randn().requires_grad_();
    let w = Tensor::<SW, f64>::randn().requires_grad_();
    let b = Tensor::<Rank1<{ MAXC }>, f64>::randn().requires_grad_();
    let y = conv(&x, &w, &b);
    let bias: Vec<f64> = b.to_vec()[..geo.oc].to_vec();
    close(
        what,
        &y.to_vec(),
        &reference(&x.to_vec(), &w.to_vec(), Some(&bias), geo),
        1e-12,
    );
    let gy = Tensor::<SO, f64>::randn();
    (&y * &gy).sum().backward();
    let (gx, gw, gb) = reference_grads(&x.to_vec(), &w.to_vec(), &gy.to_vec(), geo);
    close(
        &format!("{what}: dx"),
        &x.grad().unwrap().to_vec(),
        &gx,
        1e-12,
    );
    close(
        &format!("{what}: dw"),
        &w.grad().unwrap().to_vec(),
        &gw,
        1e-12,
    );
    close(
        &format!("{what}: db"),
        &b.grad().unwrap().to_vec()[..geo.oc],
        &gb,
        1e-12,
    );
}

/// The bias tensor the checks make; each case uses its first `oc` entries through `narrow`.
const MAXC: usize = 8;

macro_rules! conv2d_case {
    ($name:ident: x [$n:literal, $c:literal, $h:literal, $w:literal], w [$oc:literal, $cg:literal, $kh:literal, $kw:literal],
     opts [$s:literal, $p:literal, $d:literal, $g:literal]) => {
        #[test]
        fn $name() {
            let geo = Geo {
                n: $n,
                c: $c,
                h: $h,
                w: $w,
                oc: $oc,
                kh: $kh,
                kw: $kw,
                s: $s,
                p: $p,
                d: $d,
                g: $g,
                one_d: false,
            };
            check::<Rank4<$n, $c, $h, $w>, Rank4<$oc, $cg, $kh, $kw>, _>(
                stringify!($name),
                geo,
                |x, w, b| {
                    x.conv2d_with(
                        w,
                        Some(&b.narrow::<0, 0, $oc>()),
                        ConvOpts::<$s, $p, $d, $g>,
                    )
                },
            );
            // The unbatched form of the first sample agrees with the batched one.
            manual_seed(7);
            let x = Tensor::<Rank4<$n, $c, $h, $w>, f64>::randn();
            let w = Tensor::<Rank4<$oc, $cg, $kh, $kw>, f64>::randn();
            let batched = x.conv2d_with(&w, None, ConvOpts::<$s, $p, $d, $g>);
            let one: Tensor<Rank3<$c, $h, $w>, f64> = x.narrow::<0, 0, 1>().view_any();
            let unbatched = one.conv2d_with(&w, None, ConvOpts::<$s, $p, $d, $g>);
            let per = unbatched.numel();
            assert_eq!(unbatched.to_vec(), batched.to_vec()[..per].to_vec());
        }
    };
}

conv2d_case!(lenet_conv1: x [2, 1, 12, 12], w [6, 1, 5, 5], opts [1, 0, 1, 1]);
conv2d_case!(multi_channel: x [3, 3, 7, 6], w [4, 3, 3, 3], opts [1, 0, 1, 1]);
conv2d_case!(stride_2: x [2, 2, 9, 8], w [3, 2, 3, 3], opts [2, 0, 1, 1]);
conv2d_case!(padding_1: x [2, 2, 5, 5], w [3, 2, 3, 3], opts [1, 1, 1, 1]);
conv2d_case!(stride_padding: x [2, 3, 8, 7], w [2, 3, 3, 3], opts [2, 1, 1, 1]);
conv2d_case!(dilation_2: x [2, 2, 9, 9], w [3, 2, 3, 3], opts [1, 0, 2, 1]);
conv2d_case!(dilation_padding_stride: x [1, 2, 10, 9], w [2, 2, 3, 2], opts [3, 2, 2, 1]);
conv2d_case!(groups_2: x [2, 4, 6, 6], w [6, 2, 3, 3], opts [1, 1, 1, 2]);
conv2d_case!(depthwise: x [2, 3, 5, 5], w [3, 1, 3, 3], opts [1, 1, 1, 3]);
conv2d_case!(groups_stride_dilation: x [2, 4, 9, 8], w [8, 1, 2, 2], opts [2, 1, 2, 4]);
conv2d_case!(rectangular: x [2, 2, 6, 9], w [3, 2, 2, 4], opts [1, 0, 1, 1]);
conv2d_case!(kernel_fills_input: x [2, 2, 3, 3], w [2, 2, 3, 3], opts [1, 0, 1, 1]);
conv2d_case!(kernel_in_padding: x [1, 1, 1, 1], w [2, 1, 3, 3], opts [1, 1, 1, 1]);
conv2d_case!(one_by_one: x [2, 5, 4, 4], w [3, 5, 1, 1], opts [1, 0, 1, 1]);
conv2d_case!(big_padding: x [1, 1, 2, 3], w [1, 1, 2, 2], opts [1, 3, 1, 1]);

macro_rules! conv1d_case {
    ($name:ident: x [$n:literal, $c:literal, $l:literal], w [$oc:literal, $cg:literal, $k:literal],
     opts [$s:literal, $p:literal, $d:literal, $g:literal]) => {
        #[test]
        fn $name() {
            let geo = Geo {
                n: $n,
                c: $c,
                h: 1,
                w: $l,
                oc: $oc,
                kh: 1,
                kw: $k,
                s: $s,
                p: $p,
                d: $d,
                g: $g,
                one_d: true,
            };
            check::<Rank3<$n, $c, $l>, Rank3<$oc, $cg, $k>, _>(
                stringify!($name),
                geo,
                |x, w, b| {
                    x.conv1d_with(
                        w,
                        Some(&b.narrow::<0, 0, $oc>()),
                        ConvOpts::<$s, $p, $d, $g>,
                    )
                },
            );
            manual_seed(7);
            let x = Tensor::<Rank3<$n, $c, $l>, f64>::randn();
            let w = Tensor::<Rank3<$oc, $cg, $k>, f64>::randn();
            let batched = x.conv1d_with(&w, None, ConvOpts::<$s, $p, $d, $g>);
            let one: Tensor<Rank2<$c, $l>, f64> = x.narrow::<0, 0, 1>().view_any();
            let unbatched = one.conv1d_with(&w, None, ConvOpts::<$s, $p, $d, $g>);
            assert_eq!(
                unbatched.to_vec(),
                batched.to_vec()[..unbatched.numel()].to_vec()
            );
        }
    };
}

conv1d_case!(conv1d_plain: x [2, 3, 10], w [4, 3, 3], opts [1, 0, 1, 1]);
conv1d_case!(conv1d_stride_padding_dilation: x [2, 2, 11], w [3, 2, 3], opts [2, 2, 2, 1]);
conv1d_case!(conv1d_groups: x [2, 4, 7], w [4, 2, 2], opts [1, 1, 1, 2]);

#[test]
fn default_options_are_pytorchs() {
    manual_seed(1);
    let x = Tensor::<Rank4<2, 3, 8, 8>>::randn();
    let w = Tensor::<Rank4<4, 3, 3, 3>>::randn();
    let b = Tensor::<Rank1<4>>::randn();
    let y: Tensor<Rank4<2, 4, 6, 6>> = x.conv2d(&w, Some(&b));
    assert_eq!(
        y.to_vec(),
        x.conv2d_with(&w, Some(&b), ConvOpts::<1>).to_vec()
    );
    let x1 = Tensor::<Rank3<2, 3, 8>>::randn();
    let w1 = Tensor::<Rank3<4, 3, 3>>::randn();
    let y1: Tensor<Rank3<2, 4, 6>> = x1.conv1d(&w1, None);
    assert_eq!(
        y1.to_vec(),
        x1.conv1d_with(&w1, None, ConvOpts::<1, 0>).to_vec()
    );
}

#[test]
fn f32_matches_the_reference() {
    manual_seed(3);
    let x = Tensor::<Rank4<2, 3, 9, 9>>::randn();
    let w = Tensor::<Rank4<4, 3, 3, 3>>::randn();
    let y = x.conv2d_with(&w, None, ConvOpts::<2, 1>);
    let geo = Geo {
        n: 2,
        c: 3,
        h: 9,
        w: 9,
        oc: 4,
        kh: 3,
        kw: 3,
        s: 2,
        p: 1,
        d: 1,
        g: 1,
        one_d: false,
    };
    let f = |v: Vec<f32>| v.into_iter().map(f64::from).collect::<Vec<_>>();
    close(
        "f32",
        &f(y.to_vec()),
        &reference(&f(x.to_vec()), &f(w.to_vec()), None, geo),
        1e-5,
    );
}

#[test]
fn strided_views_are_read_in_place() {
    manual_seed(5);
    let x = Tensor::<Rank4<2, 3, 6, 7>, f64>::randn();
    // A transposed view (H and W swapped) and a narrowed one: neither is contiguous.
    let t = x.transpose::<2, 3>();
    let w = Tensor::<Rank4<2, 3, 3, 2>, f64>::randn();
    let want = t.contiguous().conv2d_with(&w, None, ConvOpts::<1, 1>);
    assert_eq!(
        t.conv2d_with(&w, None, ConvOpts::<1, 1>).to_vec(),
        want.to_vec()
    );
    let n = x.narrow::<1, 1, 2>();
    let w2 = Tensor::<Rank4<2, 2, 2, 2>, f64>::randn();
    assert_eq!(
        n.conv2d(&w2, None).to_vec(),
        n.contiguous().conv2d(&w2, None).to_vec()
    );
    // A weight that is a view (transposed twice is the same elements, strided).
    let wt = w.transpose::<0, 1>().contiguous().transpose::<0, 1>();
    assert_eq!(
        t.conv2d_with(&wt, None, ConvOpts::<1, 1>).to_vec(),
        want.to_vec()
    );
}

#[test]
fn gradients_only_where_needed_and_grad_fn_name() {
    manual_seed(9);
    let x = Tensor::<Rank4<2, 2, 5, 5>, f64>::randn();
    let w = Tensor::<Rank4<3, 2, 3, 3>, f64>::randn().requires_grad_();
    let y = x.conv2d(&w, None);
    assert_eq!(y.grad_fn(), Some("ConvolutionBackward0"));
    y.sum().backward();
    assert!(w.grad().is_some());
    assert!(x.grad().is_none());
    // Nothing requires grad: nothing is recorded.
    assert_eq!(x.conv2d(&w.detach(), None).grad_fn(), None);
}

#[test]
fn unfold_and_fold_are_adjoint() {
    // <unfold(x), c> == <x, fold(c)> for random x and c, over a padded, strided, dilated
    // window (every tap's bookkeeping must agree between the two).
    manual_seed(11);
    let win = Window2d::new([2, 3, 7, 6], [3, 2], [2, 1], [1, 2], [2, 1]).unwrap();
    let x = Tensor::<Rank4<2, 3, 7, 6>, f64>::randn().to_vec();
    let lx = Layout::contiguous(win.input_dims());
    let cols = Cpu.unfold(&x, &lx, &win).unwrap();
    assert_eq!(cols.len(), win.col_rows() * win.col_cols());
    let c: Vec<f64> = (0..cols.len())
        .map(|i| ((i * 37 % 101) as f64) / 50.0 - 1.0)
        .collect();
    let lc = Layout::contiguous(Dims::from_array([win.col_rows(), win.col_cols()]));
    let folded = Cpu.fold(&c, &lc, &win).unwrap();
    let lhs: f64 = cols.iter().zip(&c).map(|(a, b)| a * b).sum();
    let rhs: f64 = x.iter().zip(&folded).map(|(a, b)| a * b).sum();
    assert!((lhs - rhs).abs() < 1e-9, "{lhs} vs {rhs}");
}

#[test]
fn kernels_refuse_bad_geometry() {
    assert!(Window2d::new([1, 1, 3, 3], [5, 5], [1, 1], [0, 0], [1, 1]).is_err());
    assert!(Window2d::new([1, 1, 3, 3], [3, 3], [0, 1], [0, 0], [1, 1]).is_err());
    let win = Window2d::new([1, 1, 4, 4], [3, 3], [1, 1], [0, 0], [1, 1]).unwrap();
    let x = vec![0.0f32; 16];
    // The layout must have the window's dims, and stay inside the buffer.
    assert!(
        Cpu.unfold(
            &x,
            &Layout::contiguous(Dims::from_array([1, 1, 4, 5])),
            &win
        )
        .is_err()
    );
    assert!(
        Cpu.unfold(
            &x[..15].to_vec(),
            &Layout::contiguous(win.input_dims()),
            &win
        )
        .is_err()
    );
    assert!(
        Cpu.fold(&x, &Layout::contiguous(Dims::from_array([4, 4])), &win)
            .is_err()
    );
    let y = vec![0.0f32; 8];
    let ly = Layout::contiguous(Dims::from_array([2, 1, 4]));
    let bad_bias = (&vec![0.0f32; 3], &Layout::contiguous(Dims::from_array([3])));
    assert!(Cpu.conv_output(&y, &ly, Some(bad_bias)).is_err());
    assert!(
        Cpu.conv_output(&y, &Layout::contiguous(Dims::from_array([8])), None)
            .is_err()
    );
}

#[test]
fn a_run_time_batch_passes_through() {
    use crate::DYN;
    manual_seed(12);
    let x = Tensor::<Rank4<3, 2, 8, 7>, f64>::randn();
    let w = Tensor::<Rank4<4, 2, 3, 3>, f64>::randn();
    let b = Tensor::<Rank1<4>, f64>::randn();
    let xd = Tensor::<Rank4<DYN, 2, 8, 7>, f64>::from_vec_dims(x.to_vec(), &[3, 2, 8, 7]).unwrap();
    let y: Tensor<Rank4<DYN, 4, 4, 4>, f64> = xd.conv2d_with(&w, Some(&b), ConvOpts::<2, 1>);
    assert_eq!(y.shape(), [3, 4, 4, 4]);
    assert_eq!(
        y.to_vec(),
        x.conv2d_with(&w, Some(&b), ConvOpts::<2, 1>).to_vec()
    );
    let s = Tensor::<Rank3<DYN, 2, 9>, f64>::from_vec_dims(vec![0.5; 5 * 18], &[5, 2, 9]).unwrap();
    let w1 = Tensor::<Rank3<3, 2, 4>, f64>::ones();
    let z: Tensor<Rank3<DYN, 3, 6>, f64> = s.conv1d(&w1, None);
    assert_eq!(z.shape(), [5, 3, 6]);
}

#[test]
fn try_twins_return_what_the_plain_forms_return() {
    use crate::ops::pool::PoolOpts;
    manual_seed(15);
    let x = Tensor::<Rank4<2, 2, 6, 6>, f64>::randn();
    let w = Tensor::<Rank4<4, 2, 3, 3>, f64>::randn();
    let b = Tensor::<Rank1<4>, f64>::randn();
    let same = |what: &str, a: Vec<f64>, b: Vec<f64>| assert_eq!(a, b, "{what}");
    same(
        "try_conv2d",
        x.try_conv2d(&w, Some(&b)).unwrap().to_vec(),
        x.conv2d(&w, Some(&b)).to_vec(),
    );
    let o = ConvOpts::<2, 1>;
    same(
        "try_conv2d_with",
        x.try_conv2d_with(&w, None, o).unwrap().to_vec(),
        x.conv2d_with(&w, None, o).to_vec(),
    );
    let s = Tensor::<Rank3<2, 2, 9>, f64>::randn();
    let w1 = Tensor::<Rank3<3, 2, 3>, f64>::randn();
    same(
        "try_conv1d",
        s.try_conv1d(&w1, None).unwrap().to_vec(),
        s.conv1d(&w1, None).to_vec(),
    );
    same(
        "try_conv1d_with",
        s.try_conv1d_with(&w1, None, o).unwrap().to_vec(),
        s.conv1d_with(&w1, None, o).to_vec(),
    );
    same(
        "try_max_pool2d",
        x.try_max_pool2d::<2>().unwrap().to_vec(),
        x.max_pool2d::<2>().to_vec(),
    );
    let p = PoolOpts::<3, 2, 1>;
    same(
        "try_max_pool2d_with",
        x.try_max_pool2d_with(p).unwrap().to_vec(),
        x.max_pool2d_with(p).to_vec(),
    );
    let (v, i) = x.try_max_pool2d_with_indices(p).unwrap();
    let (pv, pi) = x.max_pool2d_with_indices(p);
    same("try_max_pool2d_with_indices", v.to_vec(), pv.to_vec());
    assert_eq!(i.to_vec(), pi.to_vec());
    same(
        "try_avg_pool2d",
        x.try_avg_pool2d::<2>().unwrap().to_vec(),
        x.avg_pool2d::<2>().to_vec(),
    );
    same(
        "try_avg_pool2d_with",
        x.try_avg_pool2d_with(p).unwrap().to_vec(),
        x.avg_pool2d_with(p).to_vec(),
    );
    same(
        "try_adaptive_avg_pool2d",
        x.try_adaptive_avg_pool2d::<3, 2>().unwrap().to_vec(),
        x.adaptive_avg_pool2d::<3, 2>().to_vec(),
    );
    same(
        "try_flatten_from",
        x.try_flatten_from::<1>().unwrap().to_vec(),
        x.flatten_from::<1>().to_vec(),
    );
}

//! Tensors to and from NumPy `.npy` files (`np.save` / `np.load`).
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;

use crate::Result;
use crate::atomic_file::write_atomically;
use crate::device::Device;
use crate::dtype::Dtype;
use crate::error::Error;
use crate::npy::{read_npy_checked, write_npy};
use crate::shape::{Shape, shape_from_dims};

use super::Tensor;

/// # Files
impl<S: Shape, E: Dtype, D: Device> Tensor<S, E, D> {
    /// Reads a `.npy` stream made by `np.save`: `torch.from_numpy(np.load(f))`.
    /// A file of another dtype or shape, or a corrupt one, is an `Err`. A run-time
    /// dimension ([`DYN`](crate::DYN)) takes the file's size: `Tensor<Rank2<DYN, 4>>` reads
    /// a file of any number of rows of four.
    ///
    /// The header is checked against the type before the data is read: a file of another
    /// shape is refused without reading (or allocating for) its payload.
    pub fn read_npy_from<R: Read>(reader: R, device: &D) -> Result<Self> {
        let (data, shape) = read_npy_checked::<E, _, S, Error>(reader, shape_from_dims)?;
        let storage = device.upload(data)?;
        Ok(Self::from_storage(storage, shape, device.clone()))
    }

    /// Reads a `.npy` file onto `device` (see [`read_npy_from`](Self::read_npy_from)).
    ///
    /// ```
    /// use typetensor::{Cpu, Rank2, Tensor};
    /// let path = std::env::temp_dir().join("typetensor_doc_read_npy.npy");
    /// Tensor::<Rank2<2, 3>>::ones().write_npy(&path).unwrap();
    /// let x = Tensor::<Rank2<2, 3>>::read_npy(&path, &Cpu).unwrap(); // np.load(path)
    /// assert_eq!(x.to_vec(), vec![1.0; 6]);
    /// let wrong = Tensor::<Rank2<3, 2>>::read_npy(&path, &Cpu).unwrap_err();
    /// assert_eq!(wrong.to_string(), "expected shape [3, 2], found shape [2, 3]");
    /// # std::fs::remove_file(path).unwrap();
    /// ```
    pub fn read_npy(path: impl AsRef<Path>, device: &D) -> Result<Self> {
        Self::read_npy_from(BufReader::new(File::open(path)?), device)
    }

    /// Writes the tensor as `.npy` (version 1.0, C order, little-endian): `np.save`.
    pub fn write_npy_to<W: Write>(&self, writer: W) -> Result<()> {
        let data = self.try_to_vec()?;
        write_npy(writer, &data, self.dims().as_slice())?;
        Ok(())
    }

    /// Writes the tensor to a `.npy` file that NumPy loads with `np.load`.
    ///
    /// The file is written to a uniquely named temporary file beside `path` and renamed into
    /// place, so a failure never leaves a half-written file where a good one was, two
    /// processes saving to one path each leave a complete file, and a symlink planted at a
    /// temporary name is never written through.
    pub fn write_npy(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomically(path.as_ref(), |w| self.write_npy_to(w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Cpu;
    use crate::shape::{Rank0, Rank1, Rank3};

    #[test]
    fn round_trip_in_memory() {
        let x = Tensor::<Rank3<2, 3, 4>, i64>::arange();
        let mut buf = Vec::new();
        x.write_npy_to(&mut buf).unwrap();
        let y = Tensor::<Rank3<2, 3, 4>, i64>::read_npy_from(&buf[..], &Cpu).unwrap();
        assert_eq!(x.to_vec(), y.to_vec());
        // A transposed view is written in its logical (row-major) order.
        let t = Tensor::<crate::shape::Rank2<2, 3>>::arange().t();
        let mut buf = Vec::new();
        t.write_npy_to(&mut buf).unwrap();
        let back = Tensor::<crate::shape::Rank2<3, 2>>::read_npy_from(&buf[..], &Cpu).unwrap();
        assert_eq!(back.to_vec(), vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    }

    #[test]
    fn wrong_dtype_shape_and_garbage_are_errors() {
        let mut buf = Vec::new();
        Tensor::<Rank1<3>, f64>::ones()
            .write_npy_to(&mut buf)
            .unwrap();
        let e = Tensor::<Rank1<3>, f32>::read_npy_from(&buf[..], &Cpu).unwrap_err();
        assert!(matches!(e, Error::Npy(_)), "{e}");
        let e = Tensor::<Rank0, f64>::read_npy_from(&buf[..], &Cpu).unwrap_err();
        assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
        let e = Tensor::<Rank1<3>, f64>::read_npy_from(&b"garbage"[..], &Cpu).unwrap_err();
        assert!(matches!(e, Error::Npy(_)), "{e}");
    }

    #[test]
    fn missing_file_is_io_error_and_failed_write_keeps_old_file() {
        let e = Tensor::<Rank1<3>>::read_npy("/nonexistent/dir/x.npy", &Cpu).unwrap_err();
        assert!(matches!(e, Error::Io(_)));
        let e = Tensor::<Rank1<3>>::ones()
            .write_npy("/nonexistent/dir/x.npy")
            .unwrap_err();
        assert!(matches!(e, Error::Io(_)));
    }

    /// A reader that serves `prefix`, then zeros without end, counting what it served.
    struct Endless<'a> {
        prefix: &'a [u8],
        served: u64,
    }
    impl Read for Endless<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let at = usize::try_from(self.served).unwrap_or(usize::MAX);
            let n = if at < self.prefix.len() {
                let n = buf.len().min(self.prefix.len() - at);
                buf[..n].copy_from_slice(&self.prefix[at..at + n]);
                n
            } else {
                buf.fill(0);
                buf.len()
            };
            self.served += n as u64;
            Ok(n)
        }
    }

    #[test]
    fn header_is_checked_before_the_data_is_read() {
        // A header announcing 512 MiB of f32, read into a three-element tensor: refused with
        // the shape error after the header alone.
        let mut header = Vec::new();
        crate::npy::write_npy(&mut header, &[0.0f32; 0], &[0]).unwrap();
        let (old, new) = (b"(0,), }        ", b"(134217728,), }");
        let at = header.windows(old.len()).position(|w| w == old).unwrap();
        header[at..at + new.len()].copy_from_slice(new);
        let mut reader = Endless {
            prefix: &header,
            served: 0,
        };
        let e = Tensor::<Rank1<3>>::read_npy_from(&mut reader, &Cpu).unwrap_err();
        assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
        assert!(
            reader.served < 1 << 16,
            "read {} bytes before refusing the shape",
            reader.served
        );
    }

    #[cfg(unix)]
    #[test]
    fn saving_never_writes_through_a_planted_symlink() {
        let dir =
            std::env::temp_dir().join(format!("typetensor_npy_symlink_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (victim, out) = (dir.join("victim"), dir.join("out.npy"));
        std::fs::write(&victim, b"precious").unwrap();
        std::os::unix::fs::symlink(&victim, dir.join("out.npy.partial")).unwrap();
        let x = Tensor::<Rank1<3>, i64>::arange();
        x.write_npy(&out).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        let back = Tensor::<Rank1<3>, i64>::read_npy(&out, &Cpu).unwrap();
        assert_eq!(back.to_vec(), vec![0, 1, 2]);
        // A symlink at the target itself is replaced, not written through.
        std::fs::remove_file(&out).unwrap();
        std::os::unix::fs::symlink(&victim, &out).unwrap();
        x.write_npy(&out).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert!(
            !std::fs::symlink_metadata(&out)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn concurrent_saves_to_one_path_each_leave_a_complete_file() {
        let dir = std::env::temp_dir().join(format!("typetensor_npy_race_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("shared.npy");
        let writers: Vec<_> = [1i64, 2]
            .into_iter()
            .map(|v| {
                let out = out.clone();
                std::thread::spawn(move || {
                    let x = Tensor::<Rank1<4096>, i64>::full(v);
                    for _ in 0..40 {
                        x.write_npy(&out).unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        let back = Tensor::<Rank1<4096>, i64>::read_npy(&out, &Cpu)
            .unwrap()
            .to_vec();
        assert!(back == vec![1; 4096] || back == vec![2; 4096]);
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "temporaries left behind"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reads_numpy_made_files() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/npy");
        let x =
            Tensor::<crate::shape::Rank2<2, 3>>::read_npy(dir.join("f4_2x3.npy"), &Cpu).unwrap();
        assert_eq!(
            x.to_string(),
            "tensor([[ 0.0000, -1.5000,  3.2500],\n        [-0.0000,     inf,     nan]])"
        );
        // Fortran order on disk is transposed into the tensor's row-major order.
        // (np.arange(24).reshape(2, 3, 4) * 0.5 - 3.0, saved with np.asfortranarray)
        let f = Tensor::<Rank3<2, 3, 4>, f64>::read_npy(dir.join("f8_fortran_2x3x4.npy"), &Cpu)
            .unwrap();
        let expect: Vec<f64> = (0..24).map(|i| f64::from(i) * 0.5 - 3.0).collect();
        assert_eq!(f.to_vec(), expect);
        let e =
            Tensor::<Rank3<2, 3, 4>, i64>::read_npy(dir.join("i4_2x3x4.npy"), &Cpu).unwrap_err();
        assert!(e.to_string().contains("int32"), "{e}");
    }
}

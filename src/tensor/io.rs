//! Tensors to and from NumPy `.npy` files (`np.save` / `np.load`).
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use crate::Result;
use crate::device::Device;
use crate::dtype::Dtype;
use crate::error::Error;
use crate::npy::{read_npy, write_npy};
use crate::shape::{Shape, shape_from_dims};

use super::Tensor;

/// # Files
impl<S: Shape, E: Dtype, D: Device> Tensor<S, E, D> {
    /// Reads a `.npy` stream made by `np.save`: `torch.from_numpy(np.load(f))`.
    /// A file of another dtype or shape, or a corrupt one, is an `Err`. A run-time
    /// dimension ([`DYN`](crate::DYN)) takes the file's size: `Tensor<Rank2<DYN, 4>>` reads
    /// a file of any number of rows of four.
    pub fn read_npy_from<R: Read>(reader: R, device: &D) -> Result<Self> {
        let (data, dims) = read_npy::<E, _>(reader)?;
        let shape: S = shape_from_dims(&dims)?;
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
    /// The file is written to a temporary name beside `path` and renamed into place, so a
    /// failure never leaves a half-written file where a good one was.
    pub fn write_npy(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".partial");
        let result = File::create(&tmp).map_err(Error::from).and_then(|f| {
            let mut w = BufWriter::new(f);
            self.write_npy_to(&mut w)?;
            w.into_inner()
                .map_err(|e| Error::Io(e.into_error()))?
                .sync_all()?;
            Ok(())
        });
        match result {
            Ok(()) => Ok(std::fs::rename(&tmp, path)?),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
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

//! Writing a file so that readers see either the old file or the complete new one.
//!
//! The data goes to a uniquely named temporary file created beside the target (opened with
//! create-new semantics, so a planted symlink or another process's temporary is never
//! opened), is synced, and is renamed over the target, which replaces a symlink at the
//! target rather than writing through it. `tempfile` does the naming and creating.
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::Result;
use crate::error::Error;

/// Writes `path` atomically with `write`, which gets a buffered writer over the temporary
/// file. On any error the temporary file is removed and `path` is left as it was.
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&mut File>) -> Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(path.file_name().unwrap_or_default());
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".partial");
    // The permissions `File::create` gives (0o666 less the umask), not tempfile's 0o600: a
    // saved file is as readable as one saved by NumPy or PyTorch.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir)?;
    {
        let mut w = BufWriter::new(tmp.as_file_mut());
        write(&mut w)?;
        w.flush()?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| Error::Io(e.error))?;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn dir(name: &str) -> std::path::PathBuf {
        let d =
            std::env::temp_dir().join(format!("typetensor_atomic_{name}_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn failed_write_leaves_the_old_file_and_no_temporary() {
        let d = dir("failed");
        let path = d.join("out.bin");
        std::fs::write(&path, b"old").unwrap();
        let e = write_atomically(&path, |w| {
            w.write_all(b"half")?;
            Err(Error::Device("simulated".into()))
        })
        .unwrap_err();
        assert!(matches!(e, Error::Device(_)));
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(
            std::fs::read_dir(&d).unwrap().count(),
            1,
            "temporary left behind"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn permissions_follow_the_umask_not_0600() {
        use std::os::unix::fs::PermissionsExt;
        let d = dir("perm");
        let (ours, plain) = (d.join("a"), d.join("b"));
        write_atomically(&ours, |w| Ok(w.write_all(b"x")?)).unwrap();
        std::fs::write(&plain, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&ours), mode(&plain));
        std::fs::remove_dir_all(&d).unwrap();
    }
}

//! Saving a checkpoint from one rank of many.
use std::path::Path;

use super::ProcessGroup;
use super::comm::ElementsMut;
use crate::Result;
use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::error::Error;
use crate::nn::Parameters;

/// How much of rank 0's error message reaches the other ranks.
const MESSAGE_BYTES: usize = 512;

/// `if dist.get_rank() == 0: torch.save(model.state_dict(), path)`, then every rank learns
/// whether it worked: rank 0 writes `path` atomically ([`nn::save`](crate::nn::save): a
/// temporary beside it, renamed into place, so a crash never leaves a half-written
/// checkpoint), then broadcasts the outcome; a failed save is an `Err` on every rank (the
/// others get rank 0's message). Every rank calls it; the replicas are equal, so rank 0's
/// copy is the model.
///
/// ```
/// use typetensor::distributed::{ProcessGroup, save_on_rank0};
/// use typetensor::nn::Linear;
/// let group = ProcessGroup::single();
/// let path = std::env::temp_dir().join("typetensor_doc_rank0.safetensors");
/// save_on_rank0(&group, &Linear::<3, 2>::new(), &path).unwrap();
/// assert!(save_on_rank0(&group, &Linear::<3, 2>::new(), "/no/such/dir/x.safetensors").is_err());
/// # std::fs::remove_file(path).unwrap();
/// ```
pub fn save_on_rank0<E: FloatDtype, D: Device, M: Parameters<E, D>>(
    group: &ProcessGroup,
    model: &M,
    path: impl AsRef<Path>,
) -> Result<()> {
    let outcome = if group.is_main() {
        crate::nn::save(model, path.as_ref())
    } else {
        Ok(())
    };
    if group.world_size() == 1 {
        return outcome;
    }
    // [ok flag, message length, message bytes]
    let mut msg = [0u8; 3 + MESSAGE_BYTES];
    if let Err(e) = &outcome {
        let text = e.to_string();
        let mut n = text.len().min(MESSAGE_BYTES);
        while !text.is_char_boundary(n) {
            n -= 1;
        }
        msg[0] = 1;
        msg[1..3].copy_from_slice(&(n as u16).to_le_bytes());
        msg[3..3 + n].copy_from_slice(&text.as_bytes()[..n]);
    }
    group
        .communicator()
        .broadcast(ElementsMut::U8(&mut msg), 0)?;
    if group.is_main() || msg[0] == 0 {
        return outcome;
    }
    let n = usize::from(u16::from_le_bytes([msg[1], msg[2]])).min(MESSAGE_BYTES);
    Err(Error::Distributed(format!(
        "rank 0 could not save the checkpoint {}: {}",
        path.as_ref().display(),
        String::from_utf8_lossy(&msg[3..3 + n])
    )))
}

//! What the per-device test suites share (`tests/devices.rs`, `tests/gradcheck.rs`): a suite
//! is a set of functions `fn name<D: Device>(d: &D)`, and [`device_tests!`] makes them
//! `#[test]`s for one device.
//!
//! Without a usable GPU (no driver, no device, or a build without the `cuda` feature) the
//! `cuda` instances print "skipped: no CUDA device" and pass. With
//! `TYPETENSOR_REQUIRE_CUDA=1` they fail instead, so a GPU run can never pass by skipping.
use typetensor::{Cpu, Device, Result};

/// Whether a missing GPU is a failure (`TYPETENSOR_REQUIRE_CUDA=1`).
pub fn cuda_required() -> bool {
    std::env::var("TYPETENSOR_REQUIRE_CUDA").is_ok_and(|v| v == "1")
}

/// What a device constructor returns: the device, or why there is none.
pub trait Made<D> {
    fn made(self) -> Result<D>;
}
impl Made<Cpu> for Cpu {
    fn made(self) -> Result<Cpu> {
        Ok(self)
    }
}
impl<D> Made<D> for Result<D> {
    fn made(self) -> Result<D> {
        self
    }
}

/// The device under test, or `None` after printing why the test is skipped.
pub fn device_or_skip<D: Device>(made: impl Made<D>, test: &str) -> Option<D> {
    match made.made() {
        Ok(d) => Some(d),
        Err(e) if cuda_required() => {
            panic!("{test}: TYPETENSOR_REQUIRE_CUDA=1, but the device is not usable: {e}")
        }
        Err(e) => {
            eprintln!("{test}: skipped: no CUDA device ({e})");
            None
        }
    }
}

/// `device_tests!(name, constructor, suite: [test, …])`: a module `name` with one `#[test]`
/// per listed function of the module `suite` (`super` for the crate root), each run on the
/// device the constructor returns (`Cpu::default`), or a `Result` of it (`|| Cuda::new()`),
/// or skipped as [`device_or_skip`] says. A suite function left out of the list is dead
/// code, which the lint reports.
macro_rules! device_tests {
    ($name:ident, $make:expr, $suite:ident: [$($test:ident),* $(,)?]) => {
        mod $name {
            use super::*;
            $(
                #[test]
                fn $test() {
                    #[allow(clippy::redundant_closure_call, clippy::redundant_closure)]
                    let made = ($make)();
                    let test = concat!(stringify!($name), "::", stringify!($test));
                    if let Some(d) = common::device_or_skip(made, test) {
                        $suite::$test(&d);
                    }
                }
            )*
        }
    };
}
pub(crate) use device_tests;

//! .npy reading and writing (being written).

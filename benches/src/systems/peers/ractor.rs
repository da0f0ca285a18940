//! ractor (written next).

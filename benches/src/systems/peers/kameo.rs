//! kameo (written next).

//! actix (written next).

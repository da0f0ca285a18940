//! Not built yet: the benchmark binary's issue is open.

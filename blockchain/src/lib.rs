//! Not built yet: this crate is an empty member of the workspace; its issue is open.

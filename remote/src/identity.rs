//! The node's keypair, kept in its data directory so that its peer id survives restarts.

use crate::StartError;
use libp2p::identity::Keypair;
use std::path::{Path, PathBuf};

/// Name of the key file inside a node's data directory.
pub const KEY_FILE: &str = "node.key";

/// The keypair stored in `data_dir` (see [`KEY_FILE`]), or a new Ed25519 one written there
/// first (readable by the owner only). The directory is created if needed.
///
/// ```
/// use actor_system_remote::load_or_create_keypair;
///
/// let dir = tempfile::tempdir().unwrap();
/// let first = load_or_create_keypair(dir.path()).unwrap();
/// let again = load_or_create_keypair(dir.path()).unwrap();
/// assert_eq!(first.public().to_peer_id(), again.public().to_peer_id());
/// ```
pub fn load_or_create_keypair(data_dir: &Path) -> Result<Keypair, StartError> {
    let path = data_dir.join(KEY_FILE);
    let io = |source| StartError::Key {
        path: path.clone(),
        source,
    };
    match std::fs::read(&path) {
        Ok(bytes) => Keypair::from_protobuf_encoding(&bytes)
            .map_err(|_| StartError::CorruptKey(path.clone())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(data_dir).map_err(io)?;
            let keypair = Keypair::generate_ed25519();
            let bytes = keypair
                .to_protobuf_encoding()
                .map_err(|e| StartError::Config(format!("cannot encode the node key: {e}")))?;
            write_private(&path, &bytes).map_err(io)?;
            tracing::info!(target: "actor_system::remote", path = %path.display(), peer = %keypair.public().to_peer_id(), "new node key");
            Ok(keypair)
        }
        Err(e) => Err(io(e)),
    }
}

/// Write `bytes` to a new file at `path` readable by its owner only (on Unix), through a
/// temporary file renamed into place so that a crash never leaves half a key.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp: PathBuf = path.with_extension("key.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corrupt_key_file_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(KEY_FILE), b"not a key").unwrap();
        assert!(matches!(
            load_or_create_keypair(dir.path()),
            Err(StartError::CorruptKey(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        load_or_create_keypair(&dir.path().join("nested")).unwrap();
        let mode = std::fs::metadata(dir.path().join("nested").join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

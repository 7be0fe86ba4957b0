//! With the `embed-site` feature (`make release`), the dashboard's browser files are compiled
//! into the binary: `$OUT_DIR/site.rs` lists every file under `CENTRALE_EMBED_SITE` (default
//! `target/site`) with `include_bytes!`. Without it, the list is empty and the files are read
//! from `--site-root`.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=CENTRALE_EMBED_SITE");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut files = Vec::new();
    if std::env::var_os("CARGO_FEATURE_EMBED_SITE").is_some() {
        let root = match std::env::var_os("CENTRALE_EMBED_SITE") {
            Some(root) => PathBuf::from(root),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/site"),
        };
        let root = root.canonicalize().unwrap_or_else(|e| {
            panic!(
                "the dashboard's files at {}: {e}; build them first (make release)",
                root.display()
            )
        });
        if !root.join("pkg").join("centrale.js").is_file() {
            panic!(
                "no pkg/centrale.js under {}: build the dashboard first (make release)",
                root.display()
            );
        }
        println!("cargo::rerun-if-changed={}", root.display());
        collect(&root, &root, &mut files);
        files.sort();
    }
    let mut code = String::from(
        "/// The dashboard's files compiled in: (path under the site root, contents), by path.\n\
         pub static FILES: &[(&str, &[u8])] = &[\n",
    );
    for (path, file) in files {
        code.push_str(&format!("    ({path:?}, include_bytes!({file:?})),\n"));
    }
    code.push_str("];\n");
    std::fs::write(out.join("site.rs"), code).expect("write site.rs");
}

fn collect(root: &Path, dir: &Path, into: &mut Vec<(String, String)>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect(root, &path, into);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let relative = relative.to_string_lossy().replace('\\', "/");
            into.push((relative, path.to_string_lossy().into_owned()));
        }
    }
}

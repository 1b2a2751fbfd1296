//! Installing a test's outside tools (an SDK from PyPI or npm) into the target directory, once;
//! or a Debian package the machine lacks (`redis-server`, `chromium`), with apt-get as root.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Written into an install directory once its install succeeded; holds what was installed.
const MARKER: &str = "sturdy-installed.txt";

/// `dir`, holding `what` (the marker's text, e.g. a pip requirement): installed by `install`
/// (given an empty scratch directory; panics with a helpful message on failure) unless an earlier
/// run did it.
///
/// The install happens in a scratch directory renamed into place once it succeeded, so a
/// directory at the final path is always complete, an interrupted install leaves nothing that is
/// reused, and two processes installing at once cannot corrupt each other (the second rename
/// fails; that process uses the winner's install).
pub fn install_once(dir: &Path, what: &str, install: impl FnOnce(&Path)) -> PathBuf {
    let usable = |d: &Path| std::fs::read_to_string(d.join(MARKER)).ok().as_deref() == Some(what);
    if usable(dir) {
        return dir.to_path_buf();
    }
    let root = dir.parent().expect("an install directory has a parent");
    std::fs::create_dir_all(root)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", root.display()));
    let nonce = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let name = dir
        .file_name()
        .expect("a named directory")
        .to_string_lossy();
    let scratch = root.join(format!("{name}.tmp-{}-{nonce}", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", scratch.display()));

    let started = Instant::now();
    // Removes the scratch directory if `install` panics.
    struct Scratch<'a>(&'a Path, bool);
    impl Drop for Scratch<'_> {
        fn drop(&mut self) {
            if !self.1 {
                let _ = std::fs::remove_dir_all(self.0);
            }
        }
    }
    let mut guard = Scratch(&scratch, false);
    install(&scratch);
    std::fs::write(scratch.join(MARKER), what).expect("write the marker");

    // A stale or broken install at the final path goes first (one another process has just
    // completed is usable and stays).
    if dir.exists() && !usable(dir) {
        let _ = std::fs::remove_dir_all(dir);
    }
    let outcome = match std::fs::rename(&scratch, dir) {
        Ok(()) => {
            guard.1 = true;
            "installed"
        }
        Err(e) => {
            // Fine if another process installed it meanwhile (the guard removes ours).
            assert!(
                usable(dir),
                "could not move {} into place: {e}",
                dir.display()
            );
            "installed (another process was first; using its install)"
        }
    };
    eprintln!(
        "{outcome} {what} into {} in {:.1} s",
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    dir.to_path_buf()
}

/// `dir`, holding npm `package` (`name@version`) installed with [`install_once`]; panics naming
/// what the tests need when npm fails.
pub fn npm_package(dir: &Path, package: &str) -> PathBuf {
    install_once(dir, package, |scratch| {
        let mut npm = std::process::Command::new("npm");
        npm.current_dir(scratch).args([
            "install",
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--loglevel=error",
            package,
        ]);
        let out = super::run(npm, std::time::Duration::from_secs(600));
        assert!(
            out.succeeded(),
            "`npm install {package}` failed ({}); the tests need node (20+) and npm with access \
             to the npm registry\n--- stdout ---\n{}\n--- stderr ---\n{}",
            out.outcome(),
            out.stdout,
            out.stderr
        );
    })
}

/// Installs the Debian `package` with apt-get (as root) unless `command --version` already runs;
/// panics saying what to install where that cannot be done. Tests never skip for want of it.
pub fn apt_package(command: &str, package: &str) {
    let present = || {
        Command::new(command)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if present() {
        return;
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    assert!(
        root,
        "{command} is missing: install it (Debian: apt-get install -y {package})"
    );
    for args in [&["update", "-qq"][..], &["install", "-y", "-qq", package]] {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "apt-get {} failed: install {package} yourself",
            args.join(" ")
        );
    }
    assert!(present(), "{command} still missing after apt-get");
}

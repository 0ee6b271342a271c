//! `wawp login` on a pseudo-terminal (the token typed without echo) and
//! from a pipe; the profile file it writes.

use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::support::{
    BIN, HANG, INSTANCE, TOKEN, assert_no_token, run, run_with_stdin, sandbox, wawp,
};

/// `wawp args…` on a new pseudo-terminal that is its controlling terminal
/// (the token prompt reads /dev/tty). Types each of `answers` once the
/// screen shows its prompt; returns the exit code and the screen.
fn on_terminal(config: &Path, args: &[&str], answers: &[(&str, &str)]) -> (i32, String) {
    let pty = nix::pty::openpty(None, None).unwrap();
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env_clear()
        .env("XDG_CONFIG_HOME", config)
        .stdin(Stdio::from(pty.slave.try_clone().unwrap()))
        .stdout(Stdio::from(pty.slave.try_clone().unwrap()))
        .stderr(Stdio::from(pty.slave.try_clone().unwrap()));
    // SAFETY: setsid and ioctl are async-signal-safe; nothing else runs
    // between fork and exec.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command.spawn().unwrap();
    // Only the child may hold the terminal now, so that reading it ends
    // (EIO) once the child exits.
    drop(command);
    drop(pty.slave);
    let mut master = File::from(pty.master);
    let screen = Arc::new(Mutex::new(Vec::new()));
    let reader = std::thread::spawn({
        let mut master = master.try_clone().unwrap();
        let screen = screen.clone();
        move || {
            let mut buffer = [0u8; 1024];
            // Ends with EIO once the child has closed the terminal.
            while let Ok(n @ 1..) = master.read(&mut buffer) {
                screen.lock().unwrap().extend_from_slice(&buffer[..n]);
            }
        }
    });
    let shown = || String::from_utf8_lossy(&screen.lock().unwrap()).into_owned();
    let deadline = Instant::now() + HANG;
    for (prompt, answer) in answers {
        while !shown().contains(prompt) {
            assert!(
                Instant::now() < deadline,
                "no {prompt:?}; screen: {:?}",
                shown()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        master.write_all(format!("{answer}\r").as_bytes()).unwrap();
    }
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("wawp login did not exit; screen: {:?}", shown());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    drop(master);
    reader.join().unwrap();
    (status.code().unwrap(), shown())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_on_a_terminal_writes_a_private_profile_without_echoing_the_token() {
    let sandbox = sandbox().await;
    let config = tempfile::tempdir().unwrap();
    let url = sandbox.base_url();
    let (code, screen) = on_terminal(
        config.path(),
        &["login", "--profile", "work", "--base-url", &url],
        &[("instance ID: ", INSTANCE), ("access token", TOKEN)],
    );
    assert_eq!(code, 0, "{screen:?}");
    assert_no_token("the terminal", &screen);
    assert!(
        screen.contains(INSTANCE),
        "the instance ID is echoed: {screen:?}"
    );
    assert!(screen.contains("saved profile \"work\""), "{screen:?}");

    let file = config.path().join("wawp/profiles.toml");
    let mode = std::fs::symlink_metadata(&file)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    let dir_mode = std::fs::metadata(file.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700, "{dir_mode:o}");

    // The profile works; without --profile (and no environment) there is
    // no "default" profile yet.
    let sent = run(
        wawp(config.path()),
        &["--profile", "work", "send", "+201234567890"],
    )
    .await;
    assert_eq!(sent.code, 0, "{sent:?}");
    assert_eq!(sandbox.messages().len(), 1);
    let none = run(wawp(config.path()), &["send", "+201234567890"]).await;
    assert_eq!(none.code, 2, "{none:?}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_from_a_pipe_keeps_other_profiles_and_refuses_a_symlink() {
    let config = tempfile::tempdir().unwrap();
    let first = run_with_stdin(
        wawp(config.path()),
        &["login", "--instance-id", "one"],
        &format!("{TOKEN}\n"),
    )
    .await;
    assert_eq!(first.code, 0, "{first:?}");
    let second = run_with_stdin(
        wawp(config.path()),
        &[
            "--json",
            "login",
            "--profile",
            "two",
            "--instance-id",
            "two",
        ],
        &format!("{TOKEN}\n"),
    )
    .await;
    assert_eq!(second.code, 0, "{second:?}");
    assert_eq!(second.json()["profile"], "two");
    let file = config.path().join("wawp/profiles.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("[default]") && text.contains("[two]"),
        "{text}"
    );
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let no_id = run_with_stdin(wawp(config.path()), &["login"], &format!("{TOKEN}\n")).await;
    assert_eq!(no_id.code, 2, "{no_id:?}");
    assert!(no_id.error_line().contains("--instance-id"), "{no_id:?}");

    // A symlink where the file goes is refused, and its target untouched.
    let target = config.path().join("elsewhere.toml");
    std::fs::write(&target, "").unwrap();
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(&target, &file).unwrap();
    let linked = run_with_stdin(
        wawp(config.path()),
        &["login", "--instance-id", "x"],
        &format!("{TOKEN}\n"),
    )
    .await;
    assert_eq!(linked.code, 2, "{linked:?}");
    assert!(linked.error_line().contains("symlink"), "{linked:?}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "");
    assert!(
        std::fs::symlink_metadata(&file)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

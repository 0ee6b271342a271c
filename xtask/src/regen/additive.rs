//! The maintainer loop for an additive spec change needs no hand edits: in a
//! scratch copy of the workspace, one optional field in `SendOtpRequest` and
//! the matching optional query parameter on `GET /v2/auth/otp/send` are
//! added, `regen` runs there, and the whole workspace (tests, examples and
//! benches included) still compiles. Nothing but the spec and the generated
//! file changes.

use std::path::{Path, PathBuf};

use super::{Outcome, Paths, run};

/// The new optional field and query parameter.
const FIELD: &str = "        template_id:
          type: string
          description: A message template to use instead of the default ones.
";
const PARAMETER: &str = "        - name: template_id
          in: query
          required: false
          description: A message template to use instead of the default ones.
          schema:
            type: string
";

/// Copies the workspace's sources (not `target`, not `.git`).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_tree(&entry.path(), &to.join(&name));
        } else if kind.is_file() {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

/// Inserts `text` before the first `anchor` found after `after`.
fn insert_before(spec: &mut String, after: &str, anchor: &str, text: &str) {
    let start = spec
        .find(after)
        .unwrap_or_else(|| panic!("{after:?} in the spec"));
    let at = start
        + spec[start..]
            .find(anchor)
            .unwrap_or_else(|| panic!("{anchor:?}"));
    spec.insert_str(at, text);
}

/// The workspace's target dir: the scratch copy builds into it, so the
/// dependencies `cargo clippy`/`cargo check` already checked are reused
/// (cargo releases its lock once the test binaries are built).
fn target_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("target"));
    if target.is_absolute() {
        target
    } else {
        crate::workspace_root().join(target)
    }
}

#[test]
fn an_added_optional_field_and_query_parameter_need_no_edit_outside_spec_and_generated_file() {
    let target = target_dir();
    // A fixed place, so that repeated runs rebuild only what changed.
    let workspace = target.join("xtask-additive");
    if workspace.exists() {
        std::fs::remove_dir_all(&workspace).unwrap();
    }
    copy_tree(&crate::workspace_root(), &workspace);

    let paths = Paths::workspace(&workspace);
    let mut spec = std::fs::read_to_string(&paths.spec).unwrap();
    insert_before(
        &mut spec,
        "    SendOtpRequest:",
        "    SendOtpResponse:",
        FIELD,
    );
    insert_before(
        &mut spec,
        "operationId: sendOtpQuery",
        "      responses:",
        PARAMETER,
    );
    std::fs::write(&paths.spec, spec).unwrap();

    assert!(matches!(run(&paths, false).unwrap(), Outcome::Written));
    assert!(matches!(run(&paths, true).unwrap(), Outcome::UpToDate));
    let generated = std::fs::read_to_string(&paths.output).unwrap();
    assert!(
        generated.contains("pub template_id: ::std::option::Option<::std::string::String>"),
        "the field is generated"
    );
    assert!(
        // The operation builder's setter (the struct builder's takes `T`).
        generated.contains("pub fn template_id<V>(mut self, value: V) -> Self"),
        "the query parameter is generated"
    );

    let output = crate::cargo_command()
        .args(["check", "--workspace", "--all-targets"])
        .args(["--offline", "--locked"])
        .current_dir(&workspace)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "cargo check after an additive spec change failed:\n{stderr}"
    );
}

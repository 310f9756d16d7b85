//! `calaudit init`: write the documented default config, and the sample calendar it reads,
//! into a folder (refusing to overwrite either without `--force`).
//!
//! The config must work where it is written, not only inside this repository: its feed points
//! at `sample-manager.ics` beside it (relative feed paths are read from the config's folder),
//! and the sample is compiled into the binary, so `calaudit init && calaudit report` works in
//! an empty folder. The user then replaces that feed with their own.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use crate::cli::InitArgs;
use crate::config::DEFAULT_CONFIG_TOML;

/// The bundled sample calendar, as `fixtures/sample-manager.ics` holds it.
pub const SAMPLE_ICS: &str = include_str!("../../fixtures/sample-manager.ics");
/// Its file name beside the written config.
pub const SAMPLE_NAME: &str = "sample-manager.ics";

/// The feed line of the documented config, and what `init` writes instead.
const REPO_FEED: &str = "url = \"fixtures/sample-manager.ics\"";

/// The documented config with its feed pointing at the sample beside it.
pub fn config_text() -> String {
    DEFAULT_CONFIG_TOML.replacen(REPO_FEED, &format!("url = \"{SAMPLE_NAME}\""), 1)
}

pub fn run(args: InitArgs) -> Result<ExitCode> {
    let path = args.path.unwrap_or_else(|| PathBuf::from("config.toml"));
    let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
    let sample = dir.join(SAMPLE_NAME);
    for p in [&path, &sample] {
        if p.exists() && !args.force {
            bail!(
                "{} already exists; pass --force to overwrite it",
                p.display()
            );
        }
    }
    if !dir.as_os_str().is_empty() {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    std::fs::write(&path, config_text())
        .with_context(|| format!("cannot write {}", path.display()))?;
    std::fs::write(&sample, SAMPLE_ICS)
        .with_context(|| format!("cannot write {}", sample.display()))?;
    println!(
        "wrote {} and the sample calendar {} it reads.\n\
         Try it: calaudit report -c {}\n\
         Then point `[[feeds]] url` at your own calendar (a file, or the secret iCal address:\n\
         Google Calendar: Settings > your calendar > Integrate calendar > Secret address in iCal format;\n\
         Outlook/Exchange: Settings > Calendar > Shared calendars > Publish a calendar > ICS link;\n\
         Apple iCloud: Calendar app > share the calendar > Public Calendar > copy the webcal:// link)\n\
         and set `me` to your addresses.",
        path.display(),
        sample.display(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_config_reads_the_sample_beside_it() {
        assert!(
            DEFAULT_CONFIG_TOML.contains(REPO_FEED),
            "config.toml's feed line moved"
        );
        let text = config_text();
        assert!(text.contains("url = \"sample-manager.ics\""), "{text}");
        assert!(
            !text.contains("fixtures/"),
            "a path into the repository is left"
        );
        let cfg = crate::config::Config::parse(&text, Some(Path::new("/somewhere/config.toml")))
            .expect("the written config is valid");
        assert_eq!(cfg.feeds[0].url, "/somewhere/sample-manager.ics");
    }

    #[test]
    fn the_embedded_sample_is_the_fixture() {
        let on_disk = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample-manager.ics"),
        )
        .expect("fixture");
        assert_eq!(SAMPLE_ICS, on_disk);
    }
}

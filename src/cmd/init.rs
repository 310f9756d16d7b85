//! `calaudit init`: write the documented default config (refusing to overwrite without
//! `--force`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use crate::cli::InitArgs;
use crate::config::DEFAULT_CONFIG_TOML;

pub fn run(args: InitArgs) -> Result<ExitCode> {
    let path = args.path.unwrap_or_else(|| PathBuf::from("config.toml"));
    if path.exists() && !args.force {
        bail!(
            "{} already exists; pass --force to overwrite it",
            path.display()
        );
    }
    std::fs::write(&path, DEFAULT_CONFIG_TOML)
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "wrote {}; edit `feeds` and `me`, then run `calaudit report`",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

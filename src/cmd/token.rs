//! `calaudit token`: a new dashboard token for team mode (issue 14). The token is printed
//! once, for its owner; the config keeps only its SHA-256, so a leaked config file opens no
//! dashboard.

use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::cli::TokenArgs;
use crate::config::{new_token, TokenHash};

pub fn run(args: TokenArgs) -> Result<ExitCode> {
    let token = new_token().context("reading random bytes from the operating system")?;
    print!("{}", render(&token, args.admin));
    Ok(ExitCode::SUCCESS)
}

/// What `token` prints for `token`: the token, then the line for the config.
fn render(token: &str, admin: bool) -> String {
    let hash = TokenHash::of(token).to_hex();
    let (line, whose, place) = if admin {
        (
            format!("admin_token_sha256 = \"{hash}\""),
            "the admin",
            "the [server] table",
        )
    } else {
        (
            format!("token_sha256 = \"{hash}\""),
            "the user",
            "the user's [[users]] table (or their file in users_dir)",
        )
    };
    format!(
        "token for {whose} (shown only this once; the config keeps its hash):\n  {token}\n\
         paste this line into {place}:\n  {line}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_line_holds_the_hash_of_the_printed_token() {
        let out = render("0123456789abcdef0123456789abcdef", false);
        let line = out.lines().last().unwrap().trim();
        let hex = line
            .strip_prefix("token_sha256 = \"")
            .and_then(|r| r.strip_suffix('"'))
            .unwrap();
        assert!(TokenHash::parse(hex)
            .unwrap()
            .matches("0123456789abcdef0123456789abcdef"));
        assert!(!out.contains("admin"));
        let admin = render("0123456789abcdef0123456789abcdef", true);
        assert!(admin.contains("\n  admin_token_sha256 = \""));
    }
}

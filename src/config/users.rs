//! Team mode's part of the config (issue 14, §4): a service config may hold `[[users]]`
//! tables or `users_dir = "users.d"` (one file per user). Each user has the keys of a
//! single-user config (`me`, `tz`, feeds, no-fly zones, reports, rules, alert sinks) plus an
//! `id`, a `token_sha256` and an optional `group`; the service keeps what is shared: `[server]`,
//! `[store]` and `[daemon]`. A config without users is one implicit user, as before.
//!
//! What this module owns: the user-only keys, which keys belong where, the per-user store
//! namespace (an SQLite file beside the configured one, or a PostgreSQL schema), and
//! [`TokenHash`]. The checks of the shared keys are [`super::validate`]'s, run once per user.

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Keys a user's table may hold that a single-user config also has.
pub(super) const PER_USER: &[&str] = &[
    "tz", "me", "feeds", "week", "report", "rules", "classify", "limits", "no_fly", "alerts",
    "reports", "digest",
];
/// Keys only the service (the top level of the file) may hold.
pub(super) const SERVICE: &[&str] = &["server", "store", "daemon", "users", "users_dir"];
/// Keys only a user's table may hold.
pub(super) const USER_ONLY: &[&str] = &["id", "token_sha256", "group"];

/// The longest user id (it becomes part of a PostgreSQL schema name and a file name).
pub const MAX_ID_LEN: usize = 32;

/// One user of a service config: who they are, how they prove it, and their own config.
pub struct User {
    pub id: UserId,
    /// The org view's group (`group = "platform"`); every user is also in the whole org.
    pub group: Option<String>,
    /// SHA-256 of the user's dashboard token (the token itself is never in the config).
    pub token: TokenHash,
    /// The user's settings, with the service's `[server]`, `[daemon]` and a store namespace of
    /// their own filled in: what a single-user run would get.
    pub config: super::Config,
}

/// A user id: 1 to 32 of `a-z`, `0-9` and `-`, starting with a letter or digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(String);

impl UserId {
    /// `Err` says what an id may be (without repeating the text: it may be anything).
    pub fn parse(s: &str) -> Result<UserId, String> {
        let ok = !s.is_empty()
            && s.len() <= MAX_ID_LEN
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-');
        if ok {
            Ok(UserId(s.to_owned()))
        } else {
            Err(format!(
                "expected 1 to {MAX_ID_LEN} of a-z, 0-9 and \"-\", not starting with \"-\", e.g. \"priya\" or \"team-7\""
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The user's PostgreSQL schema: `calaudit_u_` and the id with `-` as `_` (ids have no
    /// `_`, so two ids never share a schema; only lowercase letters, digits and `_`, so the
    /// name needs no quoting).
    pub fn schema(&self) -> String {
        format!("calaudit_u_{}", self.0.replace('-', "_"))
    }

    /// The user's SQLite file beside the service's `store`: `calaudit.db` → `calaudit.u-priya.db`.
    pub fn sqlite_path(&self, store: &Path) -> PathBuf {
        let stem = store
            .file_stem()
            .map_or_else(|| "calaudit".into(), |s| s.to_string_lossy().into_owned());
        let name = match store.extension() {
            Some(ext) => format!("{stem}.u-{}.{}", self.0, ext.to_string_lossy()),
            None => format!("{stem}.u-{}", self.0),
        };
        store.with_file_name(name)
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The SHA-256 of a dashboard token, as the config stores it (`token_sha256 = "<64 hex>"`).
/// Tokens are random and long ([`new_token`]), so one unsalted hash is enough: there is no
/// dictionary to try. `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// 64 hexadecimal digits (either case).
    pub fn parse(hex: &str) -> Result<TokenHash, String> {
        let hex = hex.trim();
        let bad = || {
            "expected 64 hexadecimal digits, the SHA-256 of the token (never the token itself): run `calaudit token` and paste the line it prints".to_owned()
        };
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(TokenHash(out))
    }

    /// The hash of `token`.
    pub fn of(token: &str) -> TokenHash {
        TokenHash(Sha256::digest(token.as_bytes()).into())
    }

    /// Whether `token` hashes to this, compared without stopping at the first difference.
    pub fn matches(&self, token: &str) -> bool {
        let other = TokenHash::of(token);
        self.0
            .iter()
            .zip(other.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash(…)")
    }
}

/// A new dashboard token: 32 random bytes from the operating system, as 64 hex digits.
pub fn new_token() -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The user-only keys of one user's table, checked; `key` is how problems name the table
/// (`users[0].`, or nothing for a file of its own). `stem` is the file's name for a user of
/// `users_dir`, which is the id when none is written.
pub(super) fn identity(
    key: &str,
    id: Option<&str>,
    token_sha256: Option<&str>,
    group: Option<&str>,
    stem: Option<&str>,
    problems: &mut Vec<String>,
) -> Option<(UserId, TokenHash, Option<String>)> {
    let id = match (id, stem) {
        (Some(id), Some(stem)) if id != stem => {
            problems.push(format!(
                "key `{key}id`: {id:?} differs from the file's name {stem:?}; name the file after the id (or leave `id` out)"
            ));
            None
        }
        (Some(given), _) | (None, Some(given)) => match UserId::parse(given) {
            Ok(id) => Some(id),
            Err(e) => {
                let from = if id.is_none() {
                    " (the file's name, as no `id` is written)"
                } else {
                    ""
                };
                problems.push(format!("key `{key}id`{from}: {e}"));
                None
            }
        },
        (None, None) => {
            problems.push(format!(
                "key `{key}id`: missing; every user needs an id, e.g. id = \"priya\" (their pages are /u/<id>/)"
            ));
            None
        }
    };
    let token = match token_sha256 {
        Some(t) => match TokenHash::parse(t) {
            Ok(t) => Some(t),
            Err(e) => {
                problems.push(format!("key `{key}token_sha256`: {e}"));
                None
            }
        },
        None => {
            problems.push(format!(
                "key `{key}token_sha256`: missing; run `calaudit token` and paste the line it prints"
            ));
            None
        }
    };
    let group = match group.map(str::trim) {
        Some(g) if g.is_empty() || g.chars().count() > 64 || g.chars().any(char::is_control) => {
            problems.push(format!(
                "key `{key}group`: expected 1 to 64 characters without control characters"
            ));
            None
        }
        g => g.map(str::to_owned),
    };
    Some((id?, token?, group))
}

/// `users_dir`'s user files: every `*.toml` in `dir`, sorted by name.
pub(super) fn user_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_lowercase_slugs() {
        for ok in ["priya", "team-7", "a", "0x", &"a".repeat(MAX_ID_LEN)] {
            assert!(UserId::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "Priya",
            "a_b",
            "a b",
            "a/b",
            "../x",
            "ü",
            &"a".repeat(MAX_ID_LEN + 1),
        ] {
            assert!(UserId::parse(bad).is_err(), "{bad:?}");
        }
        let id = UserId::parse("team-7").unwrap();
        assert_eq!(id.schema(), "calaudit_u_team_7");
        assert_eq!(
            id.sqlite_path(Path::new("/var/lib/calaudit/calaudit.db")),
            Path::new("/var/lib/calaudit/calaudit.u-team-7.db")
        );
        assert_eq!(
            id.sqlite_path(Path::new("state")),
            Path::new("state.u-team-7")
        );
    }

    #[test]
    fn token_hashes_are_sha256_and_compare_exactly() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        let want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(TokenHash::of("abc").to_hex(), want);
        let h = TokenHash::parse(&want.to_ascii_uppercase()).unwrap();
        assert!(h.matches("abc"));
        assert!(!h.matches("abd"));
        assert!(!h.matches(want), "the hash is not the token");
        assert!(TokenHash::parse("abc").is_err());
        assert!(TokenHash::parse(&"g".repeat(64)).is_err());
        assert_eq!(format!("{h:?}"), "TokenHash(…)");
    }

    #[test]
    fn new_tokens_are_long_random_and_distinct() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}

#[cfg(test)]
mod config_tests {
    //! `[[users]]` and `users_dir` as `Config::parse` reads them.

    use std::path::Path;

    use crate::config::Config;

    /// SHA-256 of "abc".
    const HASH_A: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    /// SHA-256 of "admin-token".
    const HASH_B: &str = "10a4c7c9fc5206d6f36dc6944a81bb6f4a3cb0e25014ae3b12e6c3e52712292a";

    fn problems(text: &str) -> Vec<String> {
        match Config::parse(text, Some(Path::new("/srv/cal/service.toml"))) {
            Ok(_) => Vec::new(),
            Err(e) => e.problems,
        }
    }

    #[test]
    fn users_get_their_own_settings_and_store_namespace() {
        let text = format!(
            "[server]\nbind = \"0.0.0.0:8787\"\nhosts = [\"cal.example\"]\nadmin_token_sha256 = \"{HASH_B}\"\n\
             [store]\nurl = \"postgresql://cal@db/cal\"\n[daemon]\nconcurrency = 9\n\
             [[users]]\nid = \"priya\"\ntoken_sha256 = \"{HASH_A}\"\ngroup = \"platform\"\ntz = \"Europe/Berlin\"\n\
             me = [\"priya@corp.example\"]\n[[users.feeds]]\nname = \"work\"\nurl = \"cal/priya.ics\"\n\
             [[users]]\nid = \"sam-2\"\ntoken_sha256 = \"{HASH_B}\"\n[users.week]\nhours = 32\n"
        );
        let cfg = Config::parse(&text, Some(Path::new("/srv/cal/service.toml"))).unwrap();
        assert!(cfg.feeds.is_empty());
        let admin = cfg.admin_token.as_ref().unwrap();
        assert!(admin.matches("admin-token") && !admin.matches("abc"));
        let [p, s] = &cfg.users[..] else {
            panic!("two users")
        };
        assert_eq!(p.id.as_str(), "priya");
        assert_eq!(p.group.as_deref(), Some("platform"));
        assert!(p.token.matches("abc"));
        assert_eq!(p.config.tz, chrono_tz::Europe::Berlin);
        assert_eq!(p.config.feeds[0].url, "/srv/cal/cal/priya.ics");
        assert_eq!(p.config.me, ["priya@corp.example"]);
        assert_eq!(p.config.daemon.concurrency, 9);
        assert_eq!(p.config.server_bind, cfg.server_bind);
        assert_eq!(p.config.server_hosts, ["cal.example"]);
        assert_eq!(p.config.server_token, None);
        let url = p.config.daemon.store_url.as_ref().unwrap();
        assert_eq!(url.schema(), Some("calaudit_u_priya"));
        assert_eq!(
            s.config.daemon.store_url.as_ref().unwrap().schema(),
            Some("calaudit_u_sam_2")
        );
        assert_eq!(s.group, None);
        assert_eq!(s.config.week.hours, 32.0);
        assert!(s.config.feeds.is_empty());
    }

    #[test]
    fn sqlite_users_get_a_file_each_beside_the_store() {
        let text = format!(
            "[store]\npath = \"state/calaudit.db\"\n[[users]]\nid = \"priya\"\ntoken_sha256 = \"{HASH_A}\"\n"
        );
        let cfg = Config::parse(&text, Some(Path::new("/srv/cal/service.toml"))).unwrap();
        let d = &cfg.users[0].config.daemon;
        assert_eq!(d.store_url, None);
        assert_eq!(
            d.store_path,
            Path::new("/srv/cal/state/calaudit.u-priya.db")
        );
    }

    #[test]
    fn user_table_problems_name_line_and_key() {
        let text = format!(
            "[[users]]\nid = \"Priya!\"\ntoken_sha256 = \"hunter2\"\ntz = \"Mars/Base\"\n\
             [users.week]\nhourz = 3\n\
             [[users]]\ntoken = \"0123456789abcdef0123456789abcdef\"\n[users.store]\npath = \"x.db\"\n\
             [[users]]\nid = \"sam\"\ntoken_sha256 = \"{HASH_A}\"\n\
             [[users]]\nid = \"sam\"\ntoken_sha256 = \"{HASH_B}\"\n"
        );
        let p = problems(&text);
        let want = [
            "/srv/cal/service.toml:2: key `users[0].id`: expected 1 to 32 of a-z",
            "/srv/cal/service.toml:3: key `users[0].token_sha256`: expected 64 hexadecimal digits",
            "/srv/cal/service.toml:4: key `users[0].tz`: unknown time zone \"Mars/Base\"",
            "/srv/cal/service.toml:6: unknown key `hourz` in [users[0].week]; did you mean `hours`?",
            "/srv/cal/service.toml:8: unknown key `token` in [[users]] (users[1])",
            "/srv/cal/service.toml:9: key `users[1].store`: `store` is the service's, not a user's",
            "key `users[1].id`: missing",
            "key `users[1].token_sha256`: missing; run `calaudit token`",
            "/srv/cal/service.toml:15: key `users[3].id`: the id \"sam\" is already users[2]'s",
        ];
        for w in want {
            assert!(p.iter().any(|x| x.contains(w)), "missing {w:?} in {p:#?}");
        }
        assert!(
            !p.iter().any(|x| x.contains("0123456789abcdef")),
            "a token is never echoed: {p:#?}"
        );
    }

    #[test]
    fn a_team_config_keeps_user_keys_and_plain_tokens_out_of_the_top_level() {
        let text = format!(
            "id = \"x\"\nme = [\"boss@corp.example\"]\n[server]\ntoken = \"0123456789abcdef0123456789abcdef\"\n\
             [[feeds]]\nname = \"w\"\nurl = \"w.ics\"\n\
             [[users]]\nid = \"priya\"\ntoken_sha256 = \"{HASH_A}\"\n"
        );
        let p = problems(&text);
        for w in [
            "service.toml:1: key `id`: belongs in a user's table",
            "service.toml:2: key `me`: with users, `me` goes in each user's table",
            "service.toml:4: key `server.token`: with users, a token is never written in the config",
            "service.toml:5: key `feeds`: with users",
        ] {
            assert!(p.iter().any(|x| x.contains(w)), "missing {w:?} in {p:#?}");
        }
        // Without users there is no admin.
        let p = problems(&format!("[server]\nadmin_token_sha256 = \"{HASH_A}\"\n"));
        assert!(
            p[0].contains(
                "service.toml:2: key `server.admin_token_sha256`: only a config with users"
            ),
            "{p:?}"
        );
        // A single-user config is as before: no users, no admin.
        let cfg = Config::parse(
            "tz = \"UTC\"\n[server]\ntoken = \"0123456789abcdef\"\n",
            None,
        )
        .unwrap();
        assert!(cfg.users.is_empty() && cfg.admin_token.is_none());
        assert_eq!(cfg.server_token.as_deref(), Some("0123456789abcdef"));
    }

    #[test]
    fn users_dir_reads_one_file_per_user_and_locates_its_problems() {
        let dir = std::env::temp_dir().join(format!("calaudit-users-dir-{}", std::process::id()));
        let users = dir.join("users.d");
        std::fs::create_dir_all(&users).unwrap();
        let service = dir.join("service.toml");
        std::fs::write(
            &service,
            "users_dir = \"users.d\"\n[store]\npath = \"cal.db\"\n",
        )
        .unwrap();
        std::fs::write(
            users.join("priya.toml"),
            format!("token_sha256 = \"{HASH_A}\"\ntz = \"UTC\"\n"),
        )
        .unwrap();
        std::fs::write(users.join("notes.txt"), "not a user").unwrap();
        let cfg = Config::load(&service).unwrap();
        assert_eq!(cfg.users.len(), 1);
        assert_eq!(
            cfg.users[0].id.as_str(),
            "priya",
            "the id is the file's name"
        );
        assert_eq!(
            cfg.users[0].config.daemon.store_path,
            dir.join("cal.u-priya.db")
        );

        std::fs::write(
            users.join("sam.toml"),
            format!("id = \"samuel\"\ntoken_sha256 = \"{HASH_B}\"\n\n[week]\nhours = -1\n[daemon]\nconcurrency = 2\n"),
        )
        .unwrap();
        std::fs::write(
            users.join("Bad Name.toml"),
            format!("token_sha256 = \"{HASH_B}\"\n"),
        )
        .unwrap();
        let err = Config::load(&service).err().unwrap();
        let sam = users.join("sam.toml").display().to_string();
        let bad = users.join("Bad Name.toml").display().to_string();
        for w in [
            format!("{sam}:1: key `id`: \"samuel\" differs from the file's name \"sam\""),
            format!("{sam}:5: key `week.hours`"),
            format!("{sam}:6: key `daemon`: `daemon` is the service's"),
            format!("{bad}: key `id` (the file's name, as no `id` is written): expected 1 to 32"),
        ] {
            assert!(
                err.problems.iter().any(|p| p.contains(&w)),
                "missing {w:?} in {:#?}",
                err.problems
            );
        }

        std::fs::remove_dir_all(&users).unwrap();
        let err = Config::load(&service).err().unwrap();
        assert!(
            err.problems[0].contains("service.toml:1: key `users_dir`: cannot read the folder"),
            "{:?}",
            err.problems
        );
        std::fs::create_dir_all(&users).unwrap();
        let err = Config::load(&service).err().unwrap();
        assert!(
            err.problems[0].contains("key `users_dir`: no *.toml files in"),
            "{:?}",
            err.problems
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
